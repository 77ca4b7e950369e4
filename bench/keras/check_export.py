"""Keras itself opens vaekit's exported .keras files and reproduces vaekit's outputs.

    node --import tsx bench/keras/export_reference.ts RUN OUT   # vaekit: export + its own outputs
    bench/.venv/bin/python bench/keras/check_export.py OUT [OUT ...]

For each OUT: keras.models.load_model on encoder.keras and decoder.keras (plain load, no
custom_objects, safe_mode on), then encoder([x, eps]) and decoder(z_mean) on vaekit's 16 test
images, compared with vaekit's numbers in OUT/vaekit-reference.json. Exits non-zero on any
difference above 1e-4. Not part of `npm test` (it needs Python, TensorFlow and Keras).
"""
import json
import os
import sys

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402

TOL = 1e-4


def check(out):
    ref = json.load(open(os.path.join(out, "vaekit-reference.json")))
    enc = keras.models.load_model(os.path.join(out, "encoder.keras"))
    dec = keras.models.load_model(os.path.join(out, "decoder.keras"))
    x = np.asarray(ref["x"], np.float32).reshape([-1, *enc.inputs[0].shape[1:]])  # Keras's own input layout
    eps = np.asarray(ref["eps"], np.float32)
    worst = {}
    if ref["variational"]:
        z_mean, z_log_var, z = [np.asarray(t) for t in enc([x, eps])]
        worst["z_mean"] = np.abs(z_mean - np.asarray(ref["z_mean"])).max()
        worst["z_log_var"] = np.abs(z_log_var - np.asarray(ref["z_log_var"])).max()
        worst["z"] = np.abs(z - np.asarray(ref["z"])).max()
    else:
        z_mean = np.asarray(enc(x))
        worst["z"] = np.abs(z_mean - np.asarray(ref["z_mean"])).max()
    img = np.asarray(dec(np.asarray(ref["z_mean"], np.float32))).reshape(len(x), -1)
    worst["decoder(z_mean)"] = np.abs(img - np.asarray(ref["decoded_mean"])).max()
    print(
        f"{out}: keras {keras.__version__} ({keras.backend.backend()}) loaded encoder "
        f"{[tuple(i.shape) for i in enc.inputs]} -> {[tuple(o.shape) for o in enc.outputs]} "
        f"({enc.count_params()} params), decoder {tuple(dec.inputs[0].shape)} -> {tuple(dec.outputs[0].shape)} "
        f"({dec.count_params()} params)"
    )
    print("  max |keras - vaekit|: " + ", ".join(f"{k} {v:.2e}" for k, v in worst.items()))
    return all(v <= TOL for v in worst.values())


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    ok = all([check(o) for o in sys.argv[1:]])
    print("OK: every difference within 1e-4" if ok else "FAILED: a difference above 1e-4")
    sys.exit(0 if ok else 1)

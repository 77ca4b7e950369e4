"""Writes small Keras encoder/decoder pairs in the shapes users write them, for vaekit's import
tests (test/keras/variants.test.ts), with Keras's own outputs beside them.

    bench/.venv/bin/python bench/keras/make_variants.py test/keras/fixtures

Each variant folder gets encoder.<ext>, decoder.<ext> and ref.json: 4 input images (in the
model's input layout), eps, and Keras's z_mean, z_log_var, z = z_mean + exp(z_log_var / 2) * eps
and decoder(z_mean), or `error`: the start of the one line vaekit must refuse the pair with.
Weights are random (biases too), seeded, so every weight's place is tested.
Keras 3.15.1, TensorFlow backend.
"""
import json
import os
import sys

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402
from keras import layers  # noqa: E402

OUT = sys.argv[1] if len(sys.argv) > 1 else "test/keras/fixtures"
rng = np.random.default_rng(0)
keras.utils.set_random_seed(0)


@keras.saving.register_keras_serializable(package="variants")
class Sampling(layers.Layer):
    """keras.io's sampling layer."""

    def call(self, inputs):
        z_mean, z_log_var = inputs
        eps = keras.random.normal(shape=keras.ops.shape(z_mean))
        return z_mean + keras.ops.exp(0.5 * z_log_var) * eps


def randomize(model):
    for layer in model.layers:
        ws = layer.get_weights()
        if ws:
            layer.set_weights([(rng.standard_normal(w.shape) * 0.2).astype("float32") for w in ws])


def save(name, encoder, decoder, ext, latent, variational=True, error=None):
    d = os.path.join(OUT, name)
    os.makedirs(d, exist_ok=True)
    randomize(encoder)
    randomize(decoder)
    encoder.save(os.path.join(d, f"encoder.{ext}"))
    decoder.save(os.path.join(d, f"decoder.{ext}"))
    shape = tuple(encoder.inputs[0].shape[1:])
    x = np.round(rng.uniform(size=(4, *shape)), 2).astype("float32")  # short in JSON, exact in float32 both sides
    eps = rng.standard_normal((4, latent)).astype("float32")
    ref = {"input_shape": list(shape), "latent_dim": latent, "format": ext, "x": x.reshape(4, -1).tolist(), "eps": eps.tolist()}
    if error:
        ref["error"] = error
    else:
        out = encoder.predict(x, verbose=0)
        out = out if isinstance(out, (list, tuple)) else [out]
        z_mean = np.asarray(out[0])
        ref["z_mean"] = z_mean.tolist()
        if variational:
            z_log_var = np.asarray(out[1])
            ref["z_log_var"] = z_log_var.tolist()
            ref["z"] = (z_mean + np.exp(0.5 * z_log_var) * eps).tolist()
        ref["decoded_mean"] = np.asarray(decoder.predict(z_mean, verbose=0)).reshape(4, -1).tolist()
    # Outputs to 7 significant digits: far inside the 1e-4 tolerance, a third of the bytes.
    text = json.dumps(json.loads(json.dumps(ref), parse_float=lambda v: float(f"{float(v):.7g}")), separators=(",", ":"))
    open(os.path.join(d, "ref.json"), "w").write(text)
    print(name, ext, "error" if error else "ok")


# 1. Activations as separate layers (Activation, ReLU, LeakyReLU), heads with any names, a
#    Python lambda as the sampling step, a Sequential decoder; legacy .h5.
inp = keras.Input((784,))
h = layers.Dense(8)(inp)
h = layers.Activation("relu")(h)
h = layers.Dense(6)(h)
h = layers.LeakyReLU(negative_slope=0.2)(h)
mu = layers.Dense(3, name="mu")(h)
lv = layers.Dense(3, name="logvar")(h)
z = layers.Lambda(lambda a: a[0] + keras.ops.exp(a[1] / 2) * keras.random.normal(keras.ops.shape(a[0])), output_shape=(3,))([mu, lv])
enc = keras.Model(inp, [mu, lv, z])
dec = keras.Sequential([keras.Input((3,)), layers.Dense(6), layers.ReLU(), layers.Dense(784, activation="sigmoid"), layers.Reshape((28, 28, 1))])
save("activation-layers-h5", enc, dec, "h5", 3)

# 2. keras.io's conv VAE (strided Conv2D, strided Conv2DTranspose, custom Sampling), .keras.
inp = keras.Input((28, 28, 1))
h = layers.Conv2D(4, 3, strides=2, padding="same", activation="relu")(inp)
h = layers.Conv2D(8, 3, strides=2, padding="same", activation="relu")(h)
h = layers.Flatten()(h)
h = layers.Dense(8, activation="relu")(h)
zm = layers.Dense(2, name="z_mean")(h)
zl = layers.Dense(2, name="z_log_var")(h)
z = Sampling()([zm, zl])
enc = keras.Model(inp, [zm, zl, z], name="encoder")
zi = keras.Input((2,))
h = layers.Dense(7 * 7 * 8, activation="relu")(zi)
h = layers.Reshape((7, 7, 8))(h)
h = layers.Conv2DTranspose(8, 3, strides=2, padding="same", activation="relu")(h)
h = layers.Conv2DTranspose(4, 3, strides=2, padding="same", activation="relu")(h)
out = layers.Conv2DTranspose(1, 3, padding="same", activation="sigmoid")(h)
save("keras-io-conv", enc, keras.Model(zi, out, name="decoder"), "keras", 2)

# 3. Géron-style 2-D input (28, 28) with Flatten, tanh, an encoder that outputs only the two
#    heads (sampling left to the training code), a Sequential decoder ending in Reshape([28, 28]).
inp = keras.Input((28, 28))
h = layers.Flatten()(inp)
h = layers.Dense(6, activation="tanh")(h)
enc = keras.Model(inp, [layers.Dense(4)(h), layers.Dense(4)(h)])
dec = keras.Sequential([keras.Input((4,)), layers.Dense(6, activation="tanh"), layers.Dense(784), layers.Reshape((28, 28))])
save("heads-only-2d-input", enc, dec, "keras", 4)

# 4. 'valid' padding, MaxPooling2D with explicit strides, UpSampling2D, RGB 12×12 images, .h5.
inp = keras.Input((12, 12, 3))
h = layers.Conv2D(4, 3, activation="relu")(inp)  # 10×10
h = layers.MaxPooling2D(pool_size=2, strides=2)(h)  # 5×5
h = layers.Flatten()(h)
zm = layers.Dense(2)(h)
zl = layers.Dense(2)(h)
enc = keras.Model(inp, [zm, zl, Sampling(name="draw")([zm, zl])])
zi = keras.Input((2,))
h = layers.Dense(5 * 5 * 4, activation="relu")(zi)
h = layers.Reshape((5, 5, 4))(h)
h = layers.UpSampling2D(2)(h)  # 10×10
out = layers.Conv2DTranspose(3, 3, activation="sigmoid")(h)  # 12×12
save("valid-padding-rgb-h5", enc, keras.Model(zi, out), "h5", 2)

# 5. A plain autoencoder, both halves Sequential, .keras.
enc = keras.Sequential([keras.Input((784,)), layers.Dense(8, activation="relu"), layers.Dense(2)])
dec = keras.Sequential([keras.Input((2,)), layers.Dense(8, activation="relu"), layers.Dense(784, activation="sigmoid")])
save("autoencoder-sequential", enc, dec, "keras", 2, variational=False)

# 6-8. What vaekit cannot represent, refused with one line.
def small_encoder(extra):
    inp = keras.Input((784,))
    h = extra(layers.Dense(8, activation="relu")(inp))
    zm = layers.Dense(2)(h)
    zl = layers.Dense(2)(h)
    return keras.Model(inp, [zm, zl, Sampling()([zm, zl])])


small_dec = lambda: keras.Sequential([keras.Input((2,)), layers.Dense(784, activation="sigmoid")])  # noqa: E731
save("dropout", small_encoder(layers.Dropout(0.2, name="dropout")), small_dec(), "keras", 2, error="layer 'dropout' (Dropout) is not a layer vaekit has")
save("elu", small_encoder(layers.Activation("elu", name="elu")), small_dec(), "keras", 2, error="layer 'elu' (Activation) has activation \"elu\"")
save("batchnorm-h5", small_encoder(layers.BatchNormalization(name="bn")), small_dec(), "h5", 2, error="layer 'bn' (BatchNormalization) is not a layer vaekit has")

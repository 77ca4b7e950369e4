#!/usr/bin/env bash
# Creates (or updates) the Python venv that `npm run bench` runs its peers in:
# Keras 3 on TensorFlow and on JAX, and a CPU build of PyTorch, at the versions the benchmark
# was written against.
#
#   bash bench/setup-peers.sh [VENV]        (default bench/.venv, git-ignored; or:
#                                            npm run bench -- --setup, which calls this)
#
# An existing venv is reused: pip only installs what is missing or at another version.
# To use a venv made elsewhere, skip this and point the bench at its Python:
#   npm run bench -- --python /path/to/venv/bin/python   (or VAEKIT_BENCH_PYTHON=...), or
#   ln -s /path/to/venv bench/.venv
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${1:-bench/.venv}"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install --upgrade pip
# torch's CPU-only wheel (2.13.0+cpu) lives on PyTorch's own index (PyPI's pulls in CUDA); a
# machine whose pip finds that wheel already (find-links, a local mirror) takes it from there.
"$venv/bin/pip" install torch==2.13.0+cpu ||
  "$venv/bin/pip" install --index-url https://download.pytorch.org/whl/cpu torch==2.13.0
"$venv/bin/pip" install tensorflow-cpu==2.21.0 keras==3.15.1 jax==0.10.2 jaxlib==0.10.2 numpy
"$venv/bin/python" -c 'import tensorflow, keras, jax, torch; print("peers ready: tensorflow", tensorflow.__version__, "keras", keras.__version__, "jax", jax.__version__, "torch", torch.__version__)'

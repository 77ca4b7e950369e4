"""What every peer of the vaekit benchmark shares: the thread limit, the data, the protocol.

A peer is a Python process that bench/run.ts starts once per preset and drives over stdin, so
that vaekit and the peer can alternate in rounds (same machine state for both) without paying
the framework's import and compile time inside the timed region.

Protocol (one JSON object per line on stdout; anything else a framework prints goes to stderr):
    -> {"ready": true, "framework": ..., "version": ..., "params": N, "macs_per_image": M,
        "threads": {...what the framework reports back...}, "notes": [...]}
    stdin "run K"  -> K training steps; prints {"ms": [...], "loss": last_loss, "cpu": c}
                      where c = process CPU seconds / wall seconds over the K steps (a measured
                      check of the thread limit: it cannot exceed the number of busy threads)
    stdin "quit" or EOF -> exit

`limit_threads` must run before the framework is imported: OpenMP, MKL, Eigen and XLA size their
pools once, at load time.
"""

import json
import os
import sys
import time

PRESET_NAMES = ["lecture-conv", "geron-dense", "keras-conv2d", "medium-dense"]

# The protocol owns stdout: keep a private copy of it, and send file descriptor 1 to stderr so
# that whatever a framework prints (C++ logs included) cannot break a JSON line.
_PROTOCOL = os.fdopen(os.dup(1), "w")
os.dup2(2, 1)
sys.stdout = sys.stderr


def limit_threads(n):
    """Restricts this process to n CPUs and n-thread pools, before any framework loads.

    The CPU affinity mask is what JAX/XLA sizes its pool from (and what TF and OpenMP read for
    their defaults); the environment variables cover OpenMP/MKL (torch) and XLA. Each peer then
    also sets its framework's own knobs and reports what the framework says back.
    Returns the CPUs kept.
    """
    cpus = sorted(os.sched_getaffinity(0))
    keep = set(cpus[:n])
    os.sched_setaffinity(0, keep)
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[var] = str(n)
    # XLA's CPU client (JAX, and TF's jit_compile) takes its intra-op pool size from here.
    os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") + f" --xla_cpu_multi_thread_eigen=true intra_op_parallelism_threads={n}").strip()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TF's start-up banners go nowhere useful
    return sorted(os.sched_getaffinity(0))


def load_images(path):
    """The benchmark's MNIST images: float32 (N, 784) in [0, 1], written by bench/run.ts from
    vaekit's own loader, so every side trains on the same pixels."""
    import numpy as np

    x = np.load(path)
    if x.dtype != np.float32 or x.ndim != 2 or x.shape[1] != 784:
        raise SystemExit(f"{path}: expected float32 (N, 784) images, got {x.dtype} {x.shape}")
    return x


class CpuMeter:
    """Process CPU time over wall time between start() and stop(): the number of cores busy."""

    def start(self):
        t = os.times()
        self.cpu0, self.wall0 = t.user + t.system, time.perf_counter()

    def stop(self):
        t = os.times()
        wall = time.perf_counter() - self.wall0
        return (t.user + t.system - self.cpu0) / wall if wall > 0 else float("nan")


def emit(obj):
    _PROTOCOL.write(json.dumps(obj) + "\n")
    _PROTOCOL.flush()


def serve(ready, run):
    """Prints the ready line, then answers "run K" with run(K) -> (ms list, last loss)."""
    emit(dict(ready=True, **ready))
    meter = CpuMeter()
    for line in sys.stdin:
        cmd = line.split()
        if not cmd:
            continue
        if cmd[0] == "quit":
            break
        if cmd[0] == "run":
            k = int(cmd[1]) if len(cmd) > 1 else 1
            meter.start()
            ms, loss = run(k)
            emit({"ms": ms, "loss": loss, "cpu": meter.stop()})
        else:
            emit({"error": "unknown command: " + line.strip()})

#!/usr/bin/python3
"""PyTorch peer for the vaekit training-step benchmark.

The Node harness starts this script once per preset and drives it over stdin, so that
vaekit and PyTorch runs can be interleaved (same machine state, same thermal conditions)
without paying PyTorch's import/startup cost inside the timed region.

Protocol:
    /usr/bin/python3 bench/peer/torch_peer.py --preset NAME [--batch 128] [--threads 2]
                                              [--blas-threads 1] [--seed 0]
    -> prints {"ready": true, "preset": ..., "params": N, "torch": "...", "threads": n,
               "blas_threads": b}
    stdin "run K"  -> K full training steps, prints {"ms": [...], "loss": last_loss}
    stdin "quit" or EOF -> exit
    --selftest     -> 3 steps of every preset, printed for a human, then exit

The four models follow /work/shared/SPEC.md section 1, translated from Keras (NHWC) to
PyTorch (NCHW) with the same arithmetic: same layer shapes, same padding, same init,
same loss reductions and the same optimizer hyper-parameters.

Use Debian's interpreter (/usr/bin/python3): Debian's torch lives in
/usr/lib/python3/dist-packages, which a pyenv python does not see.
"""

import argparse
import json
import os
import sys
import time

PRESET_NAMES = ["lecture-conv", "geron-dense", "keras-conv2d", "medium-dense"]


def parse_args(argv):
    p = argparse.ArgumentParser(description="PyTorch training-step peer for the vaekit benchmark")
    p.add_argument("--preset", choices=PRESET_NAMES, help="model preset (SPEC.md section 1)")
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--threads", type=int, default=2, help="torch intra-op (OpenMP) threads")
    p.add_argument("--blas-threads", type=int, default=1,
                   help="OpenBLAS threads (default 1: see the note on thread pools below)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--selftest", action="store_true", help="run 3 steps of every preset and exit")
    args = p.parse_args(argv)
    if not args.selftest and not args.preset:
        p.error("--preset is required unless --selftest is given")
    return args


# Thread pools must be sized before torch (and the BLAS it loads) is imported: OpenMP and
# OpenBLAS read these once at load time, and torch.set_num_threads leaves a system OpenBLAS
# at its default of one thread per core (checked with openblas_get_num_threads).
#
# Debian's torch runs two independent pools: OpenMP (intra-op parallelism, oneDNN convs) and
# libopenblas0-pthread's own pthreads (every GEMM: Linear layers, ConvTranspose2d's im2col).
# Sizing both to N puts 2N spinning threads on N cores; on a 2-core box that made conv steps
# 3-5x slower and wildly erratic (50-700 ms for lecture-conv). So --threads sizes torch's
# pool and BLAS stays single-threaded by default, the way pip wheels share one MKL/OpenMP pool.
ARGS = parse_args(sys.argv[1:])
os.environ["OMP_NUM_THREADS"] = str(ARGS.threads)
for _var in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = str(ARGS.blas_threads)

import torch  # noqa: E402  (must follow the environment set-up above)
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402


def keras_init(module):
    """Keras defaults: glorot-uniform kernels, zero biases (PyTorch's default differs)."""
    for m in module.modules():
        if isinstance(m, (nn.Linear, nn.Conv2d, nn.ConvTranspose2d)):
            # torch's fan computation for conv-transpose weights (in, out, kh, kw) swaps fan_in
            # and fan_out relative to Keras, but glorot uses their sum, so the bound is the same.
            nn.init.xavier_uniform_(m.weight)
            nn.init.zeros_(m.bias)


def sample(mean, logvar, eps):
    # Reparameterization trick; eps is drawn once up front so every step does identical work
    # and RNG cost stays out of the timing (vaekit's harness does the same).
    return mean + torch.exp(0.5 * logvar) * eps


def kl_per_image(mean, logvar):
    return -0.5 * torch.sum(1 + logvar - mean.pow(2) - logvar.exp(), dim=1)


class TfSamePad(nn.Module):
    """TF/Keras 'same' padding for a 3x3 stride-2 conv on an even input: Keras puts the
    single extra row/column at the bottom/right, which symmetric nn.Conv2d padding cannot do."""

    def forward(self, x):
        return F.pad(x, (0, 1, 0, 1))


class SeedVAE(nn.Module):
    """Encoder body + mean/log-variance heads + decoder; subclasses give the layers and objective."""

    def encoder_modules(self):
        return [self.enc, self.mean, self.logvar]

    def loss(self, x, eps):
        h = self.enc(x)
        m, lv = self.mean(h), self.logvar(h)
        return self.objective(x, self.dec(sample(m, lv, eps)), m, lv)


class LectureConv(SeedVAE):
    latent = 100

    def __init__(self):
        super().__init__()
        self.enc = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(),
        )
        self.mean = nn.Linear(1568, self.latent)
        self.logvar = nn.Linear(1568, self.latent)
        # Stride-1 'same' Conv2DTranspose with a 3x3 kernel == ConvTranspose2d(padding=1).
        self.dec = nn.Sequential(
            nn.Linear(self.latent, 1568), nn.ReLU(), nn.Unflatten(1, (32, 7, 7)),
            nn.ConvTranspose2d(32, 32, 3, padding=1), nn.ReLU(), nn.Upsample(scale_factor=2, mode="nearest"),
            nn.ConvTranspose2d(32, 16, 3, padding=1), nn.ReLU(), nn.Upsample(scale_factor=2, mode="nearest"),
            nn.ConvTranspose2d(16, 1, 3, padding=1), nn.Sigmoid(),
        )

    def objective(self, x, xh, m, lv):
        r = torch.sum((x - xh).pow(2), dim=(1, 2, 3))  # 784 * mean squared error
        return torch.mean(r + kl_per_image(m, lv))


class GeronDense(SeedVAE):
    latent = 10

    def __init__(self):
        super().__init__()
        self.enc = nn.Sequential(
            nn.Flatten(), nn.Linear(784, 150), nn.ReLU(), nn.Linear(150, 100), nn.ReLU(),
        )
        self.mean = nn.Linear(100, self.latent)
        self.logvar = nn.Linear(100, self.latent)
        self.dec = nn.Sequential(
            nn.Linear(self.latent, 100), nn.ReLU(), nn.Linear(100, 150), nn.ReLU(),
            nn.Linear(150, 784),  # linear output, as in the book
            nn.Unflatten(1, (1, 28, 28)),
        )

    def objective(self, x, xh, m, lv):
        sse = torch.sum((x - xh).pow(2), dim=(1, 2, 3))
        # Keras "mse" + latent_loss/784, i.e. (SSE + KL)/784, averaged over the batch.
        return torch.mean(sse + kl_per_image(m, lv)) / 784.0


class KerasConv2d(SeedVAE):
    latent = 2

    def __init__(self):
        super().__init__()
        self.enc = nn.Sequential(
            TfSamePad(), nn.Conv2d(1, 32, 3, stride=2), nn.ReLU(),   # 28 -> 14
            TfSamePad(), nn.Conv2d(32, 64, 3, stride=2), nn.ReLU(),  # 14 -> 7
            nn.Flatten(), nn.Linear(3136, 16), nn.ReLU(),
        )
        self.mean = nn.Linear(16, self.latent)
        self.logvar = nn.Linear(16, self.latent)
        # Keras 'same' stride-2 Conv2DTranspose doubles the size: padding=1 + output_padding=1.
        self.dec = nn.Sequential(
            nn.Linear(self.latent, 3136), nn.ReLU(), nn.Unflatten(1, (64, 7, 7)),
            nn.ConvTranspose2d(64, 64, 3, stride=2, padding=1, output_padding=1), nn.ReLU(),  # 14
            nn.ConvTranspose2d(64, 32, 3, stride=2, padding=1, output_padding=1), nn.ReLU(),  # 28
            nn.ConvTranspose2d(32, 1, 3, padding=1), nn.Sigmoid(),
        )

    def objective(self, x, xh, m, lv):
        bce = torch.sum(F.binary_cross_entropy(xh, x, reduction="none"), dim=(1, 2, 3))
        return torch.mean(bce) + torch.mean(kl_per_image(m, lv))


class MediumDense(SeedVAE):
    latent = 2

    def __init__(self):
        super().__init__()
        self.enc = nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU())
        self.mean = nn.Linear(256, self.latent)
        self.logvar = nn.Linear(256, self.latent)
        self.dec = nn.Sequential(
            nn.Linear(self.latent, 256), nn.ReLU(), nn.Linear(256, 784), nn.Sigmoid(),
            nn.Unflatten(1, (1, 28, 28)),
        )

    def objective(self, x, xh, m, lv):
        r = torch.mean(784.0 * torch.mean((x - xh).pow(2), dim=(1, 2, 3)))
        # The article's reduction: KL averaged over batch *and* latent dims (not summed over dims).
        kl = -0.5 * torch.mean(1 + lv - m.pow(2) - lv.exp())
        return r + kl


PRESETS = {
    # name: (model class, optimizer class); Keras optimizer defaults are lr 1e-3, eps 1e-7.
    "lecture-conv": (LectureConv, torch.optim.Adam),
    "geron-dense": (GeronDense, torch.optim.NAdam),
    "keras-conv2d": (KerasConv2d, torch.optim.Adam),
    "medium-dense": (MediumDense, torch.optim.Adam),
}


def count(modules):
    return sum(p.numel() for mod in modules for p in mod.parameters())


class Peer:
    def __init__(self, preset, batch, seed):
        model_cls, opt_cls = PRESETS[preset]
        torch.manual_seed(seed)
        self.model = model_cls()
        keras_init(self.model)
        self.opt = opt_cls(self.model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-7)
        self.x = torch.rand(batch, 1, 28, 28)
        self.eps = torch.randn(batch, model_cls.latent)
        self.params = count([self.model])
        self.encoder_params = count(self.model.encoder_modules())
        self.decoder_params = count([self.model.dec])
        self.last_loss = float("nan")

    def run(self, k):
        ms = []
        for _ in range(k):
            t0 = time.perf_counter()
            self.opt.zero_grad(set_to_none=True)
            loss = self.model.loss(self.x, self.eps)
            loss.backward()
            self.opt.step()
            ms.append((time.perf_counter() - t0) * 1000.0)
            # .item() after the timer: the step is already synchronous on CPU, and reading the
            # scalar is bookkeeping that the vaekit side does not pay inside its timing either.
            self.last_loss = loss.item()
        return ms


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def serve(args):
    peer = Peer(args.preset, args.batch, args.seed)
    emit({"ready": True, "preset": args.preset, "params": peer.params,
          "torch": torch.__version__, "threads": torch.get_num_threads(),
          "blas_threads": args.blas_threads})
    for line in sys.stdin:
        cmd = line.split()
        if not cmd:
            continue
        if cmd[0] == "quit":
            break
        if cmd[0] == "run":
            k = int(cmd[1]) if len(cmd) > 1 else 1
            ms = peer.run(k)
            emit({"ms": ms, "loss": peer.last_loss})
        else:
            emit({"error": "unknown command: " + line.strip()})


def selftest(args):
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}, "
          f"blas threads {args.blas_threads}, batch {args.batch}")
    for name in PRESET_NAMES:
        peer = Peer(name, args.batch, args.seed)
        ms = peer.run(3)
        print(f"{name:13s} params {peer.params:>7,d} (enc {peer.encoder_params:,d}, "
              f"dec {peer.decoder_params:,d})  ms/step " + " ".join(f"{t:7.2f}" for t in ms)
              + f"  loss {peer.last_loss:.4f}")


if __name__ == "__main__":
    torch.set_num_threads(ARGS.threads)
    if ARGS.selftest:
        selftest(ARGS)
    else:
        serve(ARGS)

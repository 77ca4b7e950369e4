"""PyTorch peer for the vaekit benchmark: the four seed models, translated to PyTorch.

    bench/.venv/bin/python bench/peer/torch_peer.py --preset NAME --data images.npy
        [--batch 128] [--threads 2] [--seed 0]
        -> the stdin protocol of peer_common.py ("run K" answers K timed steps)
    ... --selftest -> 3 steps of every preset, printed for a human, then exit

The four models follow /work/shared/SPEC.md section 1, translated from Keras (NHWC) to
PyTorch (NCHW) with the same arithmetic: same layer shapes, same padding, same init, same loss
reductions and the same optimizer hyper-parameters. eps is drawn once up front, so every step
does identical work and no RNG time lands in the timing (vaekit's harness does the same).

Threads: a pip build of torch 2.x (MKL + oneDNN on one OpenMP pool) sized by
torch.set_num_threads and OMP_NUM_THREADS/MKL_NUM_THREADS, set before torch loads; the ready
line reports what ATen says back (at::get_num_threads, omp/mkl max threads).
"""

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from peer_common import PRESET_NAMES, limit_threads, load_images, serve  # noqa: E402


def parse_args(argv):
    p = argparse.ArgumentParser(description="PyTorch training-step peer for the vaekit benchmark")
    p.add_argument("--preset", choices=PRESET_NAMES, help="model preset (SPEC.md section 1)")
    p.add_argument("--data", help="float32 (N, 784) .npy of MNIST images in [0, 1] (default: random)")
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--threads", type=int, default=2, help="CPUs, and torch's intra-op threads")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--selftest", action="store_true", help="run 3 steps of every preset and exit")
    args = p.parse_args(argv)
    if not args.selftest and not args.preset:
        p.error("--preset is required unless --selftest is given")
    return args


ARGS = parse_args(sys.argv[1:])
CPUS = limit_threads(ARGS.threads)

import torch  # noqa: E402  (must follow the thread set-up above)
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

torch.set_num_threads(ARGS.threads)


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


def macs_per_image(model, x, eps):
    """Forward multiply-adds per image, from the shapes the layers really see (forward hooks):
    Linear in·out, Conv2d k²·cin·cout per output pixel, ConvTranspose2d k²·cin·cout per input
    pixel (the convention of bench/run.ts, so the two can be compared)."""
    macs = [0]

    def hook(m, inputs, output):
        w = m.weight.numel()
        if isinstance(m, nn.Linear):
            macs[0] += w
        elif isinstance(m, nn.ConvTranspose2d):
            macs[0] += inputs[0].shape[2] * inputs[0].shape[3] * w
        else:
            macs[0] += output.shape[2] * output.shape[3] * w

    handles = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, (nn.Linear, nn.Conv2d, nn.ConvTranspose2d))]
    with torch.no_grad():
        model.loss(x[:1], eps[:1])
    for h in handles:
        h.remove()
    return macs[0]


class Peer:
    def __init__(self, preset, batch, seed, images=None):
        model_cls, opt_cls = PRESETS[preset]
        torch.manual_seed(seed)
        self.model = model_cls()
        keras_init(self.model)
        self.opt = opt_cls(self.model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-7)
        # (B, 784) rows of the benchmark's images -> NCHW (B, 1, 28, 28)
        self.x = torch.from_numpy(images[:batch]).reshape(batch, 1, 28, 28) if images is not None else torch.rand(batch, 1, 28, 28)
        self.eps = torch.randn(batch, model_cls.latent)
        self.params = count([self.model])
        self.encoder_params = count(self.model.encoder_modules())
        self.decoder_params = count([self.model.dec])
        self.macs_per_image = macs_per_image(self.model, self.x, self.eps)
        self.last_loss = float("nan")

    def step(self):
        self.opt.zero_grad(set_to_none=True)
        loss = self.model.loss(self.x, self.eps)
        loss.backward()
        self.opt.step()
        return loss

    def measured_flops(self):
        """FLOPs of one whole training step (forward + backward products) as torch's own
        FlopCounterMode counts them: an independent check of the harness's 6·MACs·batch."""
        from torch.utils.flop_counter import FlopCounterMode

        with FlopCounterMode(display=False) as counter:
            self.step()
        return counter.get_total_flops()

    def run(self, k):
        ms = []
        for _ in range(k):
            t0 = time.perf_counter()
            loss = self.step()
            ms.append((time.perf_counter() - t0) * 1000.0)
            # .item() after the timer: the step is already synchronous on CPU, and reading the
            # scalar is bookkeeping that the vaekit side does not pay inside its timing either.
            self.last_loss = loss.item()
        return ms, self.last_loss


def thread_report():
    """What ATen reports after the limits were set (the lines of torch.__config__.parallel_info()
    that name a thread count)."""
    info = [line.strip() for line in torch.__config__.parallel_info().splitlines()]
    return {"cpu_affinity": CPUS, "torch_threads": torch.get_num_threads(),
            "parallel_info": [line for line in info if "threads()" in line]}


def main(args):
    peer = Peer(args.preset, args.batch, args.seed, load_images(args.data) if args.data else None)
    serve({"framework": "torch", "version": f"torch {torch.__version__}", "params": peer.params,
           "macs_per_image": peer.macs_per_image, "flops_per_step_measured": peer.measured_flops(),
           "threads": thread_report()}, peer.run)


def selftest(args):
    print(f"torch {torch.__version__}, {thread_report()}, batch {args.batch}")
    for name in PRESET_NAMES:
        peer = Peer(name, args.batch, args.seed)
        ms, loss = peer.run(3)
        print(f"{name:13s} params {peer.params:>7,d} (enc {peer.encoder_params:,d}, "
              f"dec {peer.decoder_params:,d}), MACs/image {peer.macs_per_image:,d}  ms/step "
              + " ".join(f"{t:7.2f}" for t in ms) + f"  loss {loss:.4f}")


if __name__ == "__main__":
    if ARGS.selftest:
        selftest(ARGS)
    else:
        main(ARGS)

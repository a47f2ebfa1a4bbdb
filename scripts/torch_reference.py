#!/usr/bin/env python3
"""Plain-PyTorch reference for one run of a runvar preset.

Trains a preset with exactly runvar's recipe (data, model, init, augmentation, per-step
warmup+cosine LR, SGD with two parameter groups, per-epoch test evaluation) and prints ONE JSON
line on stdout at the end:

  {"preset": ..., "seed": ..., "epochs": ..., "test_accuracy": <fraction after the last epoch>,
   "test_cross_entropy": ..., "train_seconds": ..., "threads": ...}

train_seconds covers the training loop including the per-epoch test evaluation (runvar evaluates
after every epoch too); it excludes interpreter start-up, imports and data loading (that
start-up time and the per-epoch progress go to stderr).

Presets
  mnist-mlp         MNIST, MLP 784-256-ReLU-256-ReLU-10, 3 epochs, batch 128, peak lr 0.05.
  fashion-resnet14  Fashion-MNIST, CIFAR-style ResNet-14 (option-A-like shortcut with a BN),
                    pad-4 / random-crop-28 / h-flip augmentation, 10 epochs, batch 512, peak lr 0.4.
Both: warmup 1 epoch (linear, per step) then cosine to 0, SGD momentum 0.9, weight decay 5e-4 on
all parameters, 1-D parameters (biases, BN weight/bias) at 0.1x the scheduled lr, fp32.

Usage (python from scripts/torch-venv.sh):
  .venv-torch/bin/python scripts/torch_reference.py --preset mnist-mlp \
      --data-dir ../shared/data/mnist --seed 0 --threads 2
  .venv-torch/bin/python scripts/torch_reference.py --preset fashion-resnet14 \
      --data-dir ../shared/data --seed 0 --threads 2 --epochs 1 --train-limit 5120 --test-limit 2000
  .venv-torch/bin/python scripts/torch_reference.py --check-params

--data-dir is the folder holding train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz,
t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz, or its parent with an mnist/ (mnist-mlp)
or fashion-mnist/ (fashion-resnet14) subfolder.
"""

import time

_T0 = time.perf_counter()  # before importing torch: startup cost is reported on stderr

import argparse
import gzip
import json
import math
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

PRESETS = {
    "mnist-mlp": dict(
        dataset="mnist", mean=0.1307, std=0.3081, model="mlp",
        epochs=3, batch=128, peak_lr=0.05, warmup_epochs=1.0, augment=False,
    ),
    "fashion-resnet14": dict(
        dataset="fashion-mnist", mean=0.2860, std=0.3530, model="resnet14",
        epochs=10, batch=512, peak_lr=0.4, warmup_epochs=1.0, augment=True,
    ),
}
MOMENTUM = 0.9
WEIGHT_DECAY = 5e-4
NDIM1_LR_SCALE = 0.1
EVAL_BATCH = 1000
PAD = 4
IDX_FILES = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
             "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")


# ----------------------------------------------------------------------------------------- data

def read_idx(path, expect_magic, expect_ndim):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    if len(raw) < 4 + 4 * expect_ndim:
        sys.exit(f"{path}: truncated IDX header")
    magic = int.from_bytes(raw[0:4], "big")
    if magic != expect_magic:
        sys.exit(f"{path}: bad IDX magic {magic:#010x}, expected {expect_magic:#010x}")
    dims = [int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(expect_ndim)]
    off = 4 + 4 * expect_ndim
    count = int(np.prod(dims))
    if len(raw) - off != count:
        sys.exit(f"{path}: expected {count} data bytes for shape {dims}, found {len(raw) - off}")
    return np.frombuffer(raw, dtype=np.uint8, offset=off).reshape(dims)


def resolve_data_dir(data_dir, dataset):
    for d in (data_dir, os.path.join(data_dir, dataset)):
        if all(os.path.isfile(os.path.join(d, f)) for f in IDX_FILES):
            return d
    sys.exit(f"data: no {dataset} IDX files ({', '.join(IDX_FILES)}) in {data_dir} "
             f"or {os.path.join(data_dir, dataset)}")


def load_split(d, prefix, limit):
    images = read_idx(os.path.join(d, f"{prefix}-images-idx3-ubyte.gz"), 0x00000803, 3)
    labels = read_idx(os.path.join(d, f"{prefix}-labels-idx1-ubyte.gz"), 0x00000801, 1)
    if images.shape[0] != labels.shape[0]:
        sys.exit(f"{d}: {prefix} has {images.shape[0]} images but {labels.shape[0]} labels")
    if limit is not None:
        images, labels = images[:limit], labels[:limit]
    return images, labels


def to_tensors(images, labels, mean, std):
    x = torch.from_numpy(images.copy()).float().div_(255.0).sub_(mean).div_(std)
    return x.unsqueeze(1), torch.from_numpy(labels.astype(np.int64))  # N x 1 x H x W


# --------------------------------------------------------------------------------------- models

def mlp():
    return nn.Sequential(
        nn.Flatten(),
        nn.Linear(784, 256), nn.ReLU(),
        nn.Linear(256, 256), nn.ReLU(),
        nn.Linear(256, 10),
    )


def conv3x3(cin, cout, stride=1):
    return nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)


class Shortcut(nn.Module):
    """Parameter-free subsampling, BatchNorm over the input channels, zero channel padding."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        self.stride, self.extra = stride, cout - cin
        self.bn = nn.BatchNorm2d(cin)

    def forward(self, x):
        if self.stride != 1:
            x = x[:, :, ::self.stride, ::self.stride]
        x = self.bn(x)
        if self.extra:
            x = F.pad(x, (0, 0, 0, 0, 0, self.extra))  # new channels after the old ones
        return x


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = conv3x3(cin, cout, stride)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = conv3x3(cout, cout)
        self.bn2 = nn.BatchNorm2d(cout)
        self.shortcut = Shortcut(cin, cout, stride) if (stride != 1 or cin != cout) else nn.Identity()

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + self.shortcut(x))


class ResNet(nn.Module):
    """CIFAR-style ResNet-(6n+2); n=2 gives ResNet-14."""

    def __init__(self, in_channels=1, n=2, widths=(16, 32, 64), num_classes=10):
        super().__init__()
        self.conv = conv3x3(in_channels, widths[0])
        self.bn = nn.BatchNorm2d(widths[0])
        blocks, cin = [], widths[0]
        for stage, w in enumerate(widths):
            for i in range(n):
                stride = 2 if (stage > 0 and i == 0) else 1
                blocks.append(BasicBlock(cin, w, stride))
                cin = w
        self.blocks = nn.Sequential(*blocks)
        self.fc = nn.Linear(cin, num_classes)  # PyTorch default init
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
        for b in self.blocks:
            nn.init.zeros_(b.bn2.weight)

    def forward(self, x):
        x = F.relu(self.bn(self.conv(x)))
        x = self.blocks(x)
        x = torch.flatten(F.adaptive_avg_pool2d(x, 1), 1)
        return self.fc(x)


def build_model(kind):
    return mlp() if kind == "mlp" else ResNet(in_channels=1)


def n_params(model):
    return sum(p.numel() for p in model.parameters())


def check_params():
    cifar = n_params(ResNet(in_channels=3))
    gray = n_params(ResNet(in_channels=1))
    mlp_n = n_params(mlp())
    print(f"resnet14 (3-channel CIFAR-10 input): {cifar} parameters (expected 172602)")
    print(f"resnet14 (1-channel Fashion-MNIST input): {gray} parameters")
    print(f"mnist-mlp: {mlp_n} parameters")
    assert cifar == 172602, f"ResNet-14 CIFAR parameter count {cifar} != 172602"
    print("ok")


# ------------------------------------------------------------------------------------- training

def lr_at(t, total, warmup, peak):
    if t < warmup:
        return peak * (t + 1) / warmup
    return peak * 0.5 * (1.0 + math.cos(math.pi * (t - warmup) / (total - warmup)))


def augment(padded, idx, gen, size):
    """Random size x size crop (offsets 0..=2*PAD per axis) and h-flip (p=0.5) of padded[idx]."""
    b = idx.numel()
    span = padded.shape[-1] - size  # 2 * PAD
    oy = torch.randint(0, span + 1, (b,), generator=gen)
    ox = torch.randint(0, span + 1, (b,), generator=gen)
    flip = torch.rand(b, generator=gen) < 0.5
    ar = torch.arange(size)
    rows = oy[:, None] + ar                                     # b x size
    cols = ox[:, None] + torch.where(flip[:, None], size - 1 - ar, ar)  # b x size
    xb = padded[idx]                                           # b x C x P x P
    bi = torch.arange(b)[:, None, None]
    out = xb[bi, :, rows[:, :, None], cols[:, None, :]]        # b x size x size x C
    return out.permute(0, 3, 1, 2).contiguous()


@torch.no_grad()
def evaluate(model, x, y):
    model.eval()
    loss_sum, correct = 0.0, 0
    for i in range(0, x.shape[0], EVAL_BATCH):
        logits = model(x[i:i + EVAL_BATCH])
        yb = y[i:i + EVAL_BATCH]
        loss_sum += F.cross_entropy(logits, yb, reduction="sum").item()
        correct += (logits.argmax(1) == yb).sum().item()
    model.train()
    n = x.shape[0]
    return correct / n, loss_sum / n


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--preset", choices=sorted(PRESETS))
    ap.add_argument("--data-dir")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--epochs", type=int, default=None)
    ap.add_argument("--train-limit", type=int, default=None)
    ap.add_argument("--test-limit", type=int, default=None)
    ap.add_argument("--check-params", action="store_true",
                    help="print ResNet-14/MLP parameter counts, assert 172602 for CIFAR input, exit")
    args = ap.parse_args()

    if args.threads is not None:
        torch.set_num_interop_threads(1)
        torch.set_num_threads(args.threads)
    if args.check_params:
        check_params()
        return
    if args.preset is None or args.data_dir is None:
        ap.error("--preset and --data-dir are required (unless --check-params)")

    cfg = PRESETS[args.preset]
    epochs = cfg["epochs"] if args.epochs is None else args.epochs
    batch = cfg["batch"]

    d = resolve_data_dir(args.data_dir, cfg["dataset"])
    tr_img, tr_lab = load_split(d, "train", args.train_limit)
    te_img, te_lab = load_split(d, "t10k", args.test_limit)
    x_train, y_train = to_tensors(tr_img, tr_lab, cfg["mean"], cfg["std"])
    x_test, y_test = to_tensors(te_img, te_lab, cfg["mean"], cfg["std"])
    n = x_train.shape[0]
    if cfg["augment"]:
        # Pad the raw [0,1] image with 0 == pad the normalized image with (0 - mean) / std.
        fill = (0.0 - cfg["mean"]) / cfg["std"]
        train_src = F.pad(x_train, (PAD, PAD, PAD, PAD), value=fill)
    else:
        train_src = x_train

    torch.manual_seed(args.seed)
    model = build_model(cfg["model"])
    gen = torch.Generator().manual_seed(args.seed)

    full = [p for p in model.parameters() if p.ndim != 1]
    small = [p for p in model.parameters() if p.ndim == 1]
    opt = torch.optim.SGD(
        [{"params": full, "lr_scale": 1.0}, {"params": small, "lr_scale": NDIM1_LR_SCALE}],
        lr=cfg["peak_lr"], momentum=MOMENTUM, dampening=0, nesterov=False,
        weight_decay=WEIGHT_DECAY,
    )

    steps_per_epoch = math.ceil(n / batch)
    total = epochs * steps_per_epoch
    # round half away from zero (Rust's f64::round, as runvar does); Python's round() is half-even
    warmup = math.floor(cfg["warmup_epochs"] * steps_per_epoch + 0.5)
    size = x_train.shape[-1]
    print(f"[torch_reference] {args.preset} seed={args.seed} threads={torch.get_num_threads()} "
          f"train={n} test={x_test.shape[0]} epochs={epochs} steps/epoch={steps_per_epoch} "
          f"warmup={warmup} params={n_params(model)} "
          f"startup(imports+data+model)={time.perf_counter() - _T0:.2f}s", file=sys.stderr)

    model.train()
    t = 0
    acc, ce = float("nan"), float("nan")
    start = time.perf_counter()
    for epoch in range(epochs):
        perm = torch.randperm(n, generator=gen)
        loss_sum = 0.0
        for s in range(steps_per_epoch):
            idx = perm[s * batch:(s + 1) * batch]
            xb = augment(train_src, idx, gen, size) if cfg["augment"] else train_src[idx]
            yb = y_train[idx]
            lr = lr_at(t, total, warmup, cfg["peak_lr"])
            for g in opt.param_groups:
                g["lr"] = lr * g["lr_scale"]
            loss = F.cross_entropy(model(xb), yb)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            loss_sum += loss.item()
            t += 1
        acc, ce = evaluate(model, x_test, y_test)
        print(f"[torch_reference] epoch {epoch + 1}/{epochs} train_loss={loss_sum / steps_per_epoch:.4f} "
              f"test_acc={acc:.4f} test_ce={ce:.4f} t={time.perf_counter() - start:.2f}s",
              file=sys.stderr)
    train_seconds = time.perf_counter() - start

    print(json.dumps({
        "preset": args.preset, "seed": args.seed, "epochs": epochs,
        "test_accuracy": acc, "test_cross_entropy": ce,
        "train_seconds": round(train_seconds, 3), "threads": torch.get_num_threads(),
    }), flush=True)


if __name__ == "__main__":
    main()

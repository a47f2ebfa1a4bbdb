#!/usr/bin/env python3
"""Plain-PyTorch reference for runvar presets: one run, or R replicas in one process.

Trains a preset with exactly runvar's recipe (data, model, init, augmentation, per-step
warmup+cosine LR, SGD with two parameter groups, per-epoch test evaluation) and prints ONE JSON
line on stdout at the end:

  {"preset": ..., "seed": ..., "epochs": ..., "test_accuracy": <fraction after the last epoch>,
   "test_cross_entropy": ..., "train_seconds": ..., "threads": ...}

With --replicas R (or --stack) test_accuracy / test_cross_entropy are the means over the R
replicas and the line also has "replicas", "mode" ("loop" or "stack"), "pack",
"test_accuracies" and "test_cross_entropies" (one per replica).

Replicas: replica i (i = 0..R-1) uses seed S+i (S = --seed, default 0) for its init
(torch.manual_seed) and for its own torch.Generator (data order, augmentation), like a runvar
study under condition `all`. Two ways to train them, what a competent user writes:
  loop (default)  a loop over seeds in one process: data loaded once, each replica built,
                  trained and evaluated after every epoch, one after the other.
  --stack         all replicas at once, torch.func style. Replica k draws exactly what the loop
                  draws for it (same init, same per-replica shuffle and augmentation generator,
                  same order of draws), so it trains on the same batches; results agree with the
                  loop up to float rounding (checked: test logits within ~1e-5, same accuracies).
                  mnist-mlp: torch.func.stack_module_state + vmap(functional_call), parameters
                  [R, ...], one SGD over the stacked tensors (SGD, momentum and weight decay are
                  elementwise, so this is R independent optimizers). fashion-resnet14 (BatchNorm:
                  vmap does not fit its running statistics / train mode): one network whose convs
                  are grouped (groups=R, replica k owns channel block k), BatchNorm over R*C
                  channels (per-channel statistics = per replica), per-replica zero-padding in
                  the shortcut, a batched-matmul classifier. --pack K bounds memory: replicas are
                  stacked K at a time (default all for mnist-mlp, 4 for fashion-resnet14: each
                  replica's activations at batch 512 take several hundred MB). On CPU the grouped
                  convolutions are not faster than the loop (oneDNN grouped-conv backward, larger
                  allocations); the stack pays off mainly for the MLP.
With --out DIR, each replica's test-set logits and penultimate features after the last epoch
go to DIR/<replica index, 4 digits>/logits.npy and features.npy (float32, like runvar's
logits.npy / features.npy), and the test labels to DIR/labels.npy.

train_seconds covers training of all replicas including the per-epoch test evaluation (runvar
evaluates after every epoch too) and the saving; it excludes interpreter start-up, imports and
data loading (that start-up time and the per-epoch progress go to stderr).

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
  .venv-torch/bin/python scripts/torch_reference.py --preset mnist-mlp --data-dir ../shared/data \
      --threads 2 --replicas 16 --epochs 3 --out /tmp/torch-replicas [--stack]
  .venv-torch/bin/python scripts/torch_reference.py --check-params

--data-dir is the folder holding train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz,
t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz, or its parent with an mnist/ (mnist-mlp)
or fashion-mnist/ (fashion-resnet14) subfolder.
"""

import time

_T0 = time.perf_counter()  # before importing torch: startup cost is reported on stderr

import argparse
import copy
import gzip
import json
import math
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.func import functional_call, stack_module_state, vmap

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
RESNET_PACK = 4  # default replicas per stacked ResNet (activations grow with pack x batch 512)
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

    def features(self, x):
        x = F.relu(self.bn(self.conv(x)))
        x = self.blocks(x)
        return torch.flatten(F.adaptive_avg_pool2d(x, 1), 1)

    def forward(self, x):
        return self.fc(self.features(x))


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


def split_model(model):
    """(body, head): body(x) is the penultimate feature vector, head(body(x)) the logits."""
    if isinstance(model, ResNet):
        return model.features, model.fc
    return model[:-1], model[-1]


# ------------------------------------------------------------------------ stacked (torch.func)

class StackedMLP:
    """K MLP replicas as one set of stacked [K, ...] parameters (torch.func.stack_module_state),
    run with vmap(functional_call(...)). Replica k's parameters are exactly models[k]'s."""

    def __init__(self, models):
        self.k = len(models)
        params, _ = stack_module_state(models)
        self.params = params  # name -> leaf tensor [K, ...] with requires_grad
        base = copy.deepcopy(models[0]).to("meta")
        self.base, self.body, self.head = base, base[:-1], base[-1]
        self.head_prefix = f"{len(base) - 1}."
        self._train = vmap(self._call)

    def _call(self, params, x):
        return functional_call(self.base, params, (x,))

    def _body(self, params, x):
        return functional_call(self.body, {k: v for k, v in params.items()
                                           if not k.startswith(self.head_prefix)}, (x,))

    def _head(self, params, f):
        n = len(self.head_prefix)
        return functional_call(self.head, {k[n:]: v for k, v in params.items()
                                           if k.startswith(self.head_prefix)}, (f,))

    def param_groups(self):
        """(full, small): small = the tensors that are 1-D per replica (biases)."""
        full = [p for p in self.params.values() if p.ndim != 2]
        small = [p for p in self.params.values() if p.ndim == 2]
        return full, small

    def train(self):
        pass

    def eval(self):
        pass

    def __call__(self, xb):
        """xb: [K, B, ...], replica k's own batch -> logits [K, B, classes]."""
        return self._train(self.params, xb)

    def eval_forward(self, x):
        """x: [N, ...], the same batch for every replica -> (logits [K,N,C], features [K,N,D])."""
        f = vmap(self._body, in_dims=(0, None))(self.params, x)
        return vmap(self._head)(self.params, f), f


def _gconv(convs):
    c, k = convs[0], len(convs)
    g = nn.Conv2d(k * c.in_channels, k * c.out_channels, c.kernel_size, stride=c.stride,
                  padding=c.padding, bias=False, groups=k)
    with torch.no_grad():
        g.weight.copy_(torch.cat([m.weight for m in convs]))
    return g


def _gbn(bns):
    b = bns[0]
    g = nn.BatchNorm2d(len(bns) * b.num_features, eps=b.eps, momentum=b.momentum)
    with torch.no_grad():
        for name in ("weight", "bias", "running_mean", "running_var"):
            getattr(g, name).copy_(torch.cat([getattr(m, name) for m in bns]))
    return g


class _GShortcut(nn.Module):
    def __init__(self, shortcuts):
        super().__init__()
        s = shortcuts[0]
        self.k, self.stride, self.extra = len(shortcuts), s.stride, s.extra
        self.bn = _gbn([m.bn for m in shortcuts])

    def forward(self, x):
        if self.stride != 1:
            x = x[:, :, ::self.stride, ::self.stride]
        x = self.bn(x)
        if self.extra:
            b, kc, h, w = x.shape
            x = F.pad(x.view(b, self.k, kc // self.k, h, w), (0, 0, 0, 0, 0, self.extra))
            x = x.view(b, -1, h, w)  # each replica's new channels after its old ones
        return x


class _GBlock(nn.Module):
    def __init__(self, blocks):
        super().__init__()
        self.conv1 = _gconv([b.conv1 for b in blocks])
        self.bn1 = _gbn([b.bn1 for b in blocks])
        self.conv2 = _gconv([b.conv2 for b in blocks])
        self.bn2 = _gbn([b.bn2 for b in blocks])
        self.shortcut = (_GShortcut([b.shortcut for b in blocks])
                         if isinstance(blocks[0].shortcut, Shortcut) else nn.Identity())

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + self.shortcut(x))


class StackedResNet(nn.Module):
    """K ResNet replicas as ONE network: replica k owns channel block k of every layer; convs are
    grouped (groups=K), BatchNorm runs over K*C channels (per-channel statistics, so per
    replica), the shortcut pads each replica's channels separately, the classifier is a batched
    matmul with [K, classes, D] weights. Input [B, K*C_in, H, W] carries replica k's own image b
    in channel block k. Replica k's initial parameters are exactly models[k]'s."""

    def __init__(self, models):
        super().__init__()
        self.k = len(models)
        self.conv = _gconv([m.conv for m in models])
        self.bn = _gbn([m.bn for m in models])
        self.blocks = nn.Sequential(*[_GBlock([m.blocks[i] for m in models])
                                      for i in range(len(models[0].blocks))])
        self.fc_w = nn.Parameter(torch.stack([m.fc.weight.detach() for m in models]))  # K x C x D
        self.fc_b = nn.Parameter(torch.stack([m.fc.bias.detach() for m in models]))    # K x C

    def param_groups(self):
        small_ids = {id(self.fc_b)} | {id(p) for p in self.parameters() if p.ndim == 1}
        full = [p for p in self.parameters() if id(p) not in small_ids]
        small = [p for p in self.parameters() if id(p) in small_ids]
        return full, small

    def _features(self, x):  # x: B x K*C_in x H x W -> K x B x D
        x = F.relu(self.bn(self.conv(x)))
        x = self.blocks(x)
        f = torch.flatten(F.adaptive_avg_pool2d(x, 1), 1)
        return f.view(f.shape[0], self.k, -1).transpose(0, 1)

    def _head(self, f):  # K x B x D -> K x B x classes
        return torch.baddbmm(self.fc_b.unsqueeze(1), f, self.fc_w.transpose(1, 2))

    def forward(self, xb):
        """xb: [K, B, C, H, W], replica k's own batch -> logits [K, B, classes]."""
        k, b = xb.shape[:2]
        x = xb.transpose(0, 1).reshape(b, k * xb.shape[2], *xb.shape[3:])
        return self._head(self._features(x))

    def eval_forward(self, x):
        """x: [N, C, H, W], the same batch for every replica -> (logits [K,N,C], features [K,N,D])."""
        f = self._features(x.repeat(1, self.k, 1, 1))
        return self._head(f), f


def build_stacked(kind, models):
    return StackedMLP(models) if kind == "mlp" else StackedResNet(models)


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


def make_sgd(full, small, peak_lr):
    return torch.optim.SGD(
        [{"params": full, "lr_scale": 1.0}, {"params": small, "lr_scale": NDIM1_LR_SCALE}],
        lr=peak_lr, momentum=MOMENTUM, dampening=0, nesterov=False, weight_decay=WEIGHT_DECAY,
    )


@torch.no_grad()
def evaluate(model, x, y, keep=False):
    """Test accuracy and mean cross-entropy; with keep, also the logits and features (numpy)."""
    model.eval()
    body, head = split_model(model)
    loss_sum, correct, logits_all, feats_all = 0.0, 0, [], []
    for i in range(0, x.shape[0], EVAL_BATCH):
        feats = body(x[i:i + EVAL_BATCH])
        logits = head(feats)
        yb = y[i:i + EVAL_BATCH]
        loss_sum += F.cross_entropy(logits, yb, reduction="sum").item()
        correct += (logits.argmax(1) == yb).sum().item()
        if keep:
            logits_all.append(logits)
            feats_all.append(feats)
    model.train()
    n = x.shape[0]
    kept = (torch.cat(logits_all).numpy(), torch.cat(feats_all).numpy()) if keep else None
    return correct / n, loss_sum / n, kept


@torch.no_grad()
def evaluate_stacked(smodel, x, y, keep=False):
    """Per replica: accuracies [K], mean cross-entropies [K]; with keep, logits/features [K,N,.]."""
    smodel.eval()
    chunk = max(1, EVAL_BATCH // smodel.k)  # ~EVAL_BATCH images per forward over all replicas
    loss_sum, correct, logits_all, feats_all = 0.0, 0, [], []
    for i in range(0, x.shape[0], chunk):
        logits, feats = smodel.eval_forward(x[i:i + chunk])  # K x b x C, K x b x D
        yb = y[i:i + chunk].expand(smodel.k, -1)
        loss_sum = loss_sum + F.cross_entropy(logits.transpose(1, 2), yb, reduction="none").sum(1)
        correct = correct + (logits.argmax(2) == yb).sum(1)
        if keep:
            logits_all.append(logits)
            feats_all.append(feats)
    smodel.train()
    n = x.shape[0]
    kept = (torch.cat(logits_all, 1).numpy(), torch.cat(feats_all, 1).numpy()) if keep else None
    return (correct.double() / n).tolist(), (loss_sum.double() / n).tolist(), kept


class Data:
    def __init__(self, cfg, data_dir, train_limit, test_limit):
        d = resolve_data_dir(data_dir, cfg["dataset"])
        tr_img, tr_lab = load_split(d, "train", train_limit)
        te_img, te_lab = load_split(d, "t10k", test_limit)
        self.x_train, self.y_train = to_tensors(tr_img, tr_lab, cfg["mean"], cfg["std"])
        self.x_test, self.y_test = to_tensors(te_img, te_lab, cfg["mean"], cfg["std"])
        self.n = self.x_train.shape[0]
        self.size = self.x_train.shape[-1]
        if cfg["augment"]:
            # Pad the raw [0,1] image with 0 == pad the normalized image with (0 - mean) / std.
            fill = (0.0 - cfg["mean"]) / cfg["std"]
            self.train_src = F.pad(self.x_train, (PAD, PAD, PAD, PAD), value=fill)
        else:
            self.train_src = self.x_train


def schedule(cfg, n, epochs):
    steps_per_epoch = math.ceil(n / cfg["batch"])
    # round half away from zero (Rust's f64::round, as runvar does); Python's round() is half-even
    warmup = math.floor(cfg["warmup_epochs"] * steps_per_epoch + 0.5)
    return steps_per_epoch, epochs * steps_per_epoch, warmup


def train_one(cfg, data, seed, epochs, tag):
    """One replica: init from torch.manual_seed(seed), shuffle + augmentation from its own
    generator seeded with seed. Returns (accuracy, cross-entropy, (logits, features))."""
    batch = cfg["batch"]
    torch.manual_seed(seed)
    model = build_model(cfg["model"])
    gen = torch.Generator().manual_seed(seed)
    full = [p for p in model.parameters() if p.ndim != 1]
    small = [p for p in model.parameters() if p.ndim == 1]
    opt = make_sgd(full, small, cfg["peak_lr"])
    steps_per_epoch, total, warmup = schedule(cfg, data.n, epochs)

    model.train()
    t = 0
    start = time.perf_counter()
    for epoch in range(epochs):
        perm = torch.randperm(data.n, generator=gen)
        loss_sum = 0.0
        for s in range(steps_per_epoch):
            idx = perm[s * batch:(s + 1) * batch]
            xb = augment(data.train_src, idx, gen, data.size) if cfg["augment"] else data.train_src[idx]
            yb = data.y_train[idx]
            lr = lr_at(t, total, warmup, cfg["peak_lr"])
            for g in opt.param_groups:
                g["lr"] = lr * g["lr_scale"]
            loss = F.cross_entropy(model(xb), yb)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            loss_sum += loss.item()
            t += 1
        acc, ce, kept = evaluate(model, data.x_test, data.y_test, keep=(epoch == epochs - 1))
        print(f"[torch_reference] {tag}seed {seed} epoch {epoch + 1}/{epochs} "
              f"train_loss={loss_sum / steps_per_epoch:.4f} test_acc={acc:.4f} test_ce={ce:.4f} "
              f"t={time.perf_counter() - start:.2f}s", file=sys.stderr)
    if epochs == 0:
        acc, ce, kept = evaluate(model, data.x_test, data.y_test, keep=True)
    return acc, ce, kept


def train_stacked(cfg, data, seeds, epochs, tag):
    """len(seeds) replicas trained at once as one stacked model. Replica k draws its init, its
    shuffle and its augmentation exactly as train_one(seed=seeds[k]) does (same generators, same
    order of draws), so it trains on the same batches; only the float rounding differs.
    Returns per-replica lists: accuracies, cross-entropies, [(logits, features)]."""
    batch, k = cfg["batch"], len(seeds)
    models = []
    for seed in seeds:
        torch.manual_seed(seed)
        models.append(build_model(cfg["model"]))
    smodel = build_stacked(cfg["model"], models)
    del models
    gens = [torch.Generator().manual_seed(seed) for seed in seeds]
    full, small = smodel.param_groups()
    opt = make_sgd(full, small, cfg["peak_lr"])
    steps_per_epoch, total, warmup = schedule(cfg, data.n, epochs)

    smodel.train()
    t = 0
    start = time.perf_counter()
    accs, ces, kept = [float("nan")] * k, [float("nan")] * k, None
    for epoch in range(epochs):
        perms = [torch.randperm(data.n, generator=g) for g in gens]
        loss_sum = torch.zeros(k)
        for s in range(steps_per_epoch):
            idxs = [p[s * batch:(s + 1) * batch] for p in perms]
            idx = torch.stack(idxs)                                  # K x B
            if cfg["augment"]:
                xb = torch.stack([augment(data.train_src, i, g, data.size)
                                  for i, g in zip(idxs, gens)])      # K x B x C x H x W
            else:
                xb = data.train_src[idx]
            yb = data.y_train[idx]
            lr = lr_at(t, total, warmup, cfg["peak_lr"])
            for g in opt.param_groups:
                g["lr"] = lr * g["lr_scale"]
            logits = smodel(xb)                                      # K x B x classes
            per_replica = F.cross_entropy(logits.transpose(1, 2), yb, reduction="none").mean(1)
            opt.zero_grad(set_to_none=True)
            per_replica.sum().backward()  # replicas share no parameter: each gets its own gradient
            opt.step()
            loss_sum += per_replica.detach()
            t += 1
        accs, ces, kept = evaluate_stacked(smodel, data.x_test, data.y_test,
                                           keep=(epoch == epochs - 1))
        print(f"[torch_reference] {tag}seeds {seeds[0]}..{seeds[-1]} stacked epoch {epoch + 1}/{epochs} "
              f"train_loss(mean)={loss_sum.mean().item() / steps_per_epoch:.4f} "
              f"test_acc(mean)={sum(accs) / k:.4f} t={time.perf_counter() - start:.2f}s",
              file=sys.stderr)
    if epochs == 0:
        accs, ces, kept = evaluate_stacked(smodel, data.x_test, data.y_test, keep=True)
    return accs, ces, [(kept[0][i], kept[1][i]) for i in range(k)]


def save_replica(out, index, logits, features):
    d = os.path.join(out, f"{index:04d}")
    os.makedirs(d, exist_ok=True)
    np.save(os.path.join(d, "logits.npy"), np.ascontiguousarray(logits, dtype=np.float32))
    np.save(os.path.join(d, "features.npy"), np.ascontiguousarray(features, dtype=np.float32))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--preset", choices=sorted(PRESETS))
    ap.add_argument("--data-dir")
    ap.add_argument("--seed", type=int, default=0, help="seed of the first replica (default 0)")
    ap.add_argument("--replicas", type=int, default=1,
                    help="replicas to train, seeds seed, seed+1, ... (default 1)")
    ap.add_argument("--stack", action="store_true",
                    help="train the replicas as one stacked model (torch.func / grouped conv) "
                         "instead of a loop over seeds")
    ap.add_argument("--pack", type=int, default=None,
                    help="with --stack: replicas per stacked model (default: all for mnist-mlp, "
                         f"{RESNET_PACK} for fashion-resnet14, bounding memory)")
    ap.add_argument("--out", default=None,
                    help="write <out>/<replica, 4 digits>/logits.npy and features.npy (test set, "
                         "after the last epoch) and <out>/labels.npy")
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
    if args.replicas < 1:
        ap.error("--replicas must be at least 1")
    if args.pack is not None and args.pack < 1:
        ap.error("--pack must be at least 1")

    cfg = PRESETS[args.preset]
    epochs = cfg["epochs"] if args.epochs is None else args.epochs
    data = Data(cfg, args.data_dir, args.train_limit, args.test_limit)
    seeds = list(range(args.seed, args.seed + args.replicas))
    steps_per_epoch, _, warmup = schedule(cfg, data.n, epochs)
    pack = args.pack or (args.replicas if cfg["model"] == "mlp" else RESNET_PACK)
    mode = f"stacked, {min(pack, args.replicas)} per pack" if args.stack else "loop over seeds"
    print(f"[torch_reference] {args.preset} replicas={args.replicas} ({mode}) seeds={seeds[0]}.."
          f"{seeds[-1]} threads={torch.get_num_threads()} train={data.n} test={data.x_test.shape[0]} "
          f"epochs={epochs} steps/epoch={steps_per_epoch} warmup={warmup} "
          f"params/replica={n_params(build_model(cfg['model']))} "
          f"startup(imports+data)={time.perf_counter() - _T0:.2f}s", file=sys.stderr)
    if args.out:
        os.makedirs(args.out, exist_ok=True)
        np.save(os.path.join(args.out, "labels.npy"), data.y_test.numpy())

    accs, ces = [], []
    start = time.perf_counter()
    if args.stack:
        for p0 in range(0, len(seeds), pack):
            part = seeds[p0:p0 + pack]
            tag = f"pack {p0 // pack + 1}/{math.ceil(len(seeds) / pack)} " if len(part) < len(seeds) else ""
            a, c, kept = train_stacked(cfg, data, part, epochs, tag)
            accs += a
            ces += c
            if args.out:
                for j, (logits, feats) in enumerate(kept):
                    save_replica(args.out, p0 + j, logits, feats)
    else:
        for i, seed in enumerate(seeds):
            tag = f"replica {i + 1}/{len(seeds)} " if len(seeds) > 1 else ""
            a, c, (logits, feats) = train_one(cfg, data, seed, epochs, tag)
            accs.append(a)
            ces.append(c)
            if args.out:
                save_replica(args.out, i, logits, feats)
    train_seconds = time.perf_counter() - start

    result = {
        "preset": args.preset, "seed": args.seed, "epochs": epochs,
        "test_accuracy": sum(accs) / len(accs), "test_cross_entropy": sum(ces) / len(ces),
        "train_seconds": round(train_seconds, 3), "threads": torch.get_num_threads(),
    }
    if args.replicas > 1 or args.stack:
        result.update(replicas=args.replicas, mode="stack" if args.stack else "loop",
                      pack=min(pack, args.replicas) if args.stack else None,
                      test_accuracies=accs, test_cross_entropies=ces)
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()

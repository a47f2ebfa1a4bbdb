#!/usr/bin/env python3
"""Plain-PyTorch speed reference for `runvar speed`, and the table of scripts/gpu-check.sh.

Workload (the same as `runvar speed --preset cifar10-resnet14`): CIFAR ResNet-14 (6n+2, n=2,
widths 16/32/64, shortcut = strided subsample + BatchNorm + zero channel padding, BN after every
conv, global average pool, linear), CIFAR-10 shapes (3x32x32, 10 classes), batch 512 per
replica, synthetic data already on the device, cross-entropy, SGD momentum 0.9, weight decay
5e-4 (1-D parameters at 0.1x the lr, as runvar's recipe), constant lr.

Variants (--variants, comma-separated)
  loop-det         one model (K=1), fp32, cudnn.deterministic + use_deterministic_algorithms
                   + CUBLAS_WORKSPACE_CONFIG=:4096:8 (a loop over seeds runs these one by one)
  loop-bench       one model, fp32, cudnn.benchmark on, deterministic off
  pack-fp32        K replicas in one grouped-conv network (groups=K convs, BN over K*C channels,
                   per-replica linear by einsum, per-replica data laid out [B, K*3, 32, 32]),
                   fp32, deterministic as loop-det (what `runvar speed` does with --low-level off)
  pack-fp32-bench  the same pack, fp32, cudnn.benchmark, deterministic off (not in the default)
  pack-bf16        the same pack, bf16 autocast + channels_last, cudnn.benchmark, deterministic
                   off (what `runvar speed --precision bf16 --low-level on` compares with)
For each: warm-up steps, then timed steps between torch.cuda.synchronize() calls (at most
--max-seconds of timed steps per variant: fewer steps when a step is slow); replica-steps/s =
K * steps / seconds; peak memory per replica = torch.cuda.max_memory_allocated() / K (reset
before each variant; it includes the synthetic batches). Out-of-memory marks the variant "oom"
and the run goes on. TF32 stays at PyTorch's (and libtorch's, so runvar's) defaults: fp32 cuDNN
convolutions may use TF32, fp32 matmuls do not; each row records both (conv_tf32, matmul_tf32).
Device ceilings: dense 8192^2 matmul FLOP/s (fp32 with TF32 off, TF32, bf16) and copy bandwidth
(bytes read + written / time of a 1 GiB tensor copy). FLOP counts: 2 x MACs of the convs and the
linear, x3 for forward + backward (flops_per_example, per replica).

Output: progress on stderr; with --json one JSON object on stdout:
  {"device", "torch", "batch_size", "flops_per_example", "params_per_replica",
   "ceilings": {"matmul_flops_fp32", "matmul_flops_tf32", "matmul_flops_bf16", "bandwidth"},
   "results": [{"variant", "pack", "precision", "deterministic", "benchmark", "channels_last",
                "conv_tf32", "matmul_tf32",
                "status": "ok" | "oom" | "error: ...", "steps", "replica_steps_per_s",
                "step_seconds", "achieved_flops", "flops_fraction", "memory_per_replica"}]}
--out FILE also writes that object to FILE after every variant (with "complete": false until
the end), so a run killed by a timeout leaves what it measured.

Other modes
  --self-test          CPU check that a K=2 pack trains exactly like two separate ResNet-14s
                       (scripts/torch_reference.py's ResNet), and 172602 parameters per replica.
  --summarize DIR      print the gpu-check table from DIR/{speed-fp32,speed-bf16,reference}.json
                       (runvar speed --json and this script's --json); missing files = FAILED;
                       speed-{fp32,bf16}-cl.json (--layout channels-last) are added when present.

Usage
  python3 scripts/gpu_reference.py --json --out /tmp/runvar-gpu/reference.json     # on the GPU
  .venv-torch/bin/python scripts/gpu_reference.py --device cpu --batch-size 8 --steps 2 \\
      --warmup 1 --packs 1,2 --json                                                  # smoke test
  .venv-torch/bin/python scripts/gpu_reference.py --self-test
  python3 scripts/gpu_reference.py --summarize /tmp/runvar-gpu
"""

import os

# cuBLAS reads this when its first handle is made; deterministic variants need it. Set before
# torch touches CUDA (it applies to every variant, as in runvar).
os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")

import argparse
import json
import math
import sys
import time

# The paper's protocol: 700 runs x 500 epochs of CIFAR-10 at batch 512 (98 steps per epoch).
PAPER_RUNS, PAPER_EPOCHS, PAPER_STEPS_PER_EPOCH = 700, 500, math.ceil(50_000 / 512)
PAPER_REPLICA_STEPS = PAPER_RUNS * PAPER_EPOCHS * PAPER_STEPS_PER_EPOCH  # 34.3M
TARGET_FP32, TARGET_BF16 = 400.0, 700.0

VARIANTS = {
    # name: (pack?, precision, deterministic, cudnn.benchmark, channels_last)
    "loop-det": (False, "fp32", True, False, False),
    "loop-bench": (False, "fp32", False, True, False),
    "pack-fp32": (True, "fp32", True, False, False),
    "pack-fp32-bench": (True, "fp32", False, True, False),
    "pack-bf16": (True, "bf16", False, True, True),
}
DEFAULT_VARIANTS = "loop-det,loop-bench,pack-fp32,pack-bf16"
MOMENTUM, WEIGHT_DECAY, LR, SMALL_LR_SCALE = 0.9, 5e-4, 0.1, 0.1
IN_CHANNELS, SIZE, CLASSES, WIDTHS, BLOCKS_PER_STAGE = 3, 32, 10, (16, 32, 64), 2


def log(msg):
    print(f"[gpu_reference] {msg}", file=sys.stderr, flush=True)


# ------------------------------------------------------------------------------ packed ResNet-14

PAD_PATHS = None  # a list while the self-test records which path pad_channels took


def pad_channels(x, k, cin, extra):
    """[B, K*cin, H, W] -> [B, K*(cin+extra), H, W], zeros after each replica's channels."""
    import torch
    import torch.nn.functional as F
    b, _, h, w = x.shape
    if x.is_contiguous(memory_format=torch.channels_last) and not x.is_contiguous():
        if PAD_PATHS is not None:
            PAD_PATHS.append("nhwc")
        y = x.permute(0, 2, 3, 1).reshape(b, h, w, k, cin)           # NHWC view
        y = F.pad(y, (0, extra))
        return y.reshape(b, h, w, k * (cin + extra)).permute(0, 3, 1, 2)  # channels_last
    if PAD_PATHS is not None:
        PAD_PATHS.append("nchw")
    y = F.pad(x.reshape(b, k, cin, h, w), (0, 0, 0, 0, 0, extra))
    return y.reshape(b, k * (cin + extra), h, w)


def build_model_classes():
    """The model classes (torch is imported lazily: --summarize must not need it)."""
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    class PackConv(nn.Module):
        """K independent 3x3 convs (no bias) as one conv with groups=K: weight [K*cout, cin, 3, 3],
        Kaiming normal fan_out per replica (std sqrt(2 / (cout * 9)))."""

        flops = None  # a list while counting FLOPs

        def __init__(self, k, cin, cout, stride):
            super().__init__()
            self.k, self.cin, self.stride = k, cin, stride
            self.weight = nn.Parameter(torch.randn(k * cout, cin, 3, 3) * math.sqrt(2.0 / (cout * 9)))

        def forward(self, x):
            y = F.conv2d(x, self.weight, None, self.stride, 1, 1, self.k)
            if PackConv.flops is not None:  # per replica and example
                PackConv.flops.append(2 * y[0].numel() // self.k * self.cin * 9)
            return y

    def bn(c, gamma=1.0):
        m = nn.BatchNorm2d(c)
        nn.init.constant_(m.weight, gamma)
        nn.init.zeros_(m.bias)
        return m

    class Block(nn.Module):
        def __init__(self, k, cin, cout, stride):
            super().__init__()
            self.k, self.cin, self.cout, self.stride = k, cin, cout, stride
            self.conv1, self.bn1 = PackConv(k, cin, cout, stride), bn(k * cout)
            self.conv2, self.bn2 = PackConv(k, cout, cout, 1), bn(k * cout, 0.0)
            self.shortcut_bn = bn(k * cin) if (stride != 1 or cin != cout) else None

        def forward(self, x):
            h = F.relu(self.bn1(self.conv1(x)))
            h = self.bn2(self.conv2(h))
            if self.shortcut_bn is None:
                s = x
            else:
                s = x[:, :, ::self.stride, ::self.stride] if self.stride > 1 else x
                s = pad_channels(self.shortcut_bn(s), self.k, self.cin, self.cout - self.cin)
            return F.relu(h + s)

    class PackResNet(nn.Module):
        """K replicas of the CIFAR ResNet-14. Input [B, K*3, H, W] (replica r's images are
        channels 3r..3r+2), labels [B, K]; logits [B, K, classes]."""

        def __init__(self, k):
            super().__init__()
            self.k = k
            self.conv1, self.bn1 = PackConv(k, IN_CHANNELS, WIDTHS[0], 1), bn(k * WIDTHS[0])
            blocks, cin = [], WIDTHS[0]
            for stage, w in enumerate(WIDTHS):
                for i in range(BLOCKS_PER_STAGE):
                    blocks.append(Block(k, cin, w, 2 if (stage > 0 and i == 0) else 1))
                    cin = w
            self.blocks = nn.Sequential(*blocks)
            bound = 1.0 / math.sqrt(cin)  # nn.Linear's default init, per replica
            self.fc_weight = nn.Parameter(torch.empty(k, cin, CLASSES).uniform_(-bound, bound))
            self.fc_bias = nn.Parameter(torch.empty(k, CLASSES).uniform_(-bound, bound))

        def forward(self, x):
            h = F.relu(self.bn1(self.conv1(x)))
            h = self.blocks(h)
            f = h.mean((2, 3))  # not adaptive_avg_pool2d: its CUDA backward is nondeterministic
            f = f.reshape(f.shape[0], self.k, -1)
            if PackConv.flops is not None:
                PackConv.flops.append(2 * f.shape[-1] * CLASSES)
            return torch.einsum("bkc,kco->bko", f, self.fc_weight) + self.fc_bias

        def param_groups(self):
            """runvar's two groups: weights at the lr; 1-D (per replica) parameters at 0.1x."""
            small = [p for n, p in self.named_parameters() if p.ndim == 1 or n == "fc_bias"]
            ids = {id(p) for p in small}
            full = [p for p in self.parameters() if id(p) not in ids]
            return [{"params": full, "lr": LR}, {"params": small, "lr": LR * SMALL_LR_SCALE}]

    return PackConv, PackResNet


def pack_loss(logits, y):
    """Sum over replicas of each replica's mean cross-entropy: each replica's gradient is the one
    it would get alone."""
    import torch.nn.functional as F
    b, k, c = logits.shape
    return F.cross_entropy(logits.reshape(b * k, c), y.reshape(b * k)) * k  # fp32 under autocast


def training_flops_per_example():
    """Forward FLOPs (2 x MACs of convs and the linear) of one replica on one example, x3 for
    forward + backward (input and weight gradients)."""
    import torch
    PackConv, PackResNet = build_model_classes()
    model = PackResNet(1)
    PackConv.flops = []
    try:
        with torch.no_grad():
            model.eval()(torch.zeros(1, IN_CHANNELS, SIZE, SIZE))
        fwd = sum(PackConv.flops)
    finally:
        PackConv.flops = None
    return 3 * fwd, sum(p.numel() for p in model.parameters())


# ----------------------------------------------------------------------------------- measuring

def sync(dev):
    import torch
    if dev.type == "cuda":
        torch.cuda.synchronize(dev)


def time_op(fn, dev, min_seconds):
    """Seconds per call of fn: 2 warm-up calls, then repeat until min_seconds have passed."""
    fn(), fn()
    sync(dev)
    n, start = 0, time.perf_counter()
    while True:
        fn()
        n += 1
        if n in (1, 2, 4) or n % 8 == 0:
            sync(dev)
            elapsed = time.perf_counter() - start
            if elapsed >= min_seconds:
                return elapsed / n


def matmul_tf32(on=None):
    """Get (on=None) or set whether fp32 matmuls may use TF32 (PyTorch's default: no)."""
    import torch
    m = torch.backends.cuda.matmul
    if hasattr(m, "fp32_precision"):  # PyTorch >= 2.9; the legacy flag must not be mixed in
        if on is None:
            return m.fp32_precision == "tf32"
        m.fp32_precision = "tf32" if on else "ieee"
    else:
        if on is None:
            return m.allow_tf32
        m.allow_tf32 = on
    return on


def conv_tf32():
    """Whether fp32 cuDNN convolutions may use TF32 (PyTorch's and libtorch's default: yes)."""
    import torch
    conv = getattr(torch.backends.cudnn, "conv", None)
    if conv is not None and hasattr(conv, "fp32_precision"):
        return conv.fp32_precision == "tf32"
    return torch.backends.cudnn.allow_tf32


def measure_ceilings(dev):
    import torch
    cuda = dev.type == "cuda"
    n = 8192 if cuda else 256
    out = {}
    m = torch.backends.cuda.matmul
    attr = "fp32_precision" if hasattr(m, "fp32_precision") else "allow_tf32"
    old = getattr(m, attr)
    try:
        for name, dtype, tf32 in (("matmul_flops_fp32", torch.float32, False),
                                  ("matmul_flops_tf32", torch.float32, True),
                                  ("matmul_flops_bf16", torch.bfloat16, False)):
            if tf32 and not cuda:
                continue
            matmul_tf32(tf32)
            a = torch.randn(n, n, device=dev, dtype=dtype)
            b = torch.randn(n, n, device=dev, dtype=dtype)
            c = torch.empty(n, n, device=dev, dtype=dtype)
            s = time_op(lambda: torch.mm(a, b, out=c), dev, 0.4 if cuda else 0.05)
            out[name] = 2.0 * n ** 3 / s
            del a, b, c
    finally:
        setattr(m, attr, old)
    numel = (1 << 28) if cuda else (1 << 22)  # 1 GiB of fp32 on the GPU
    src = torch.empty(numel, device=dev, dtype=torch.float32).fill_(1.0)
    dst = torch.empty_like(src)
    s = time_op(lambda: dst.copy_(src), dev, 0.3 if cuda else 0.05)
    out["bandwidth"] = 2.0 * 4 * numel / s
    del src, dst
    if cuda:
        torch.cuda.empty_cache()
    return out


def set_modes(deterministic, benchmark):
    import torch
    torch.backends.cudnn.deterministic = deterministic
    torch.backends.cudnn.benchmark = benchmark
    torch.use_deterministic_algorithms(deterministic)
    # TF32 stays at the defaults, as in runvar (libtorch's): cuDNN convs may use it, matmuls not.


def run_variant(name, k, args, dev, flops_per_example, ceilings):
    import torch
    _, precision, det, bench, channels_last = VARIANTS[name]
    row = dict(variant=name, pack=k, precision=precision, deterministic=det, benchmark=bench,
               channels_last=channels_last, conv_tf32=conv_tf32(), matmul_tf32=matmul_tf32(),
               status="ok")
    cuda = dev.type == "cuda"
    set_modes(det, bench)
    if cuda:
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats(dev)
    _, PackResNet = build_model_classes()
    model = opt = xs = ys = loss = None
    try:
        torch.manual_seed(0)
        model = PackResNet(k).to(dev)
        fmt = torch.channels_last if channels_last else torch.contiguous_format
        model = model.to(memory_format=fmt)
        opt = torch.optim.SGD(model.param_groups(), lr=LR, momentum=MOMENTUM,
                              weight_decay=WEIGHT_DECAY)
        b = args.batch_size
        xs = [torch.randn(b, k * IN_CHANNELS, SIZE, SIZE, device=dev).contiguous(memory_format=fmt)
              for _ in range(2)]
        ys = [torch.randint(0, CLASSES, (b, k), device=dev) for _ in range(2)]
        autocast = torch.autocast(dev.type, dtype=torch.bfloat16, enabled=precision == "bf16")
        model.train()

        def step(i):
            with autocast:
                loss = pack_loss(model(xs[i % 2]), ys[i % 2])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            return loss

        t0 = time.perf_counter()
        for i in range(args.warmup):
            loss = step(i)
        sync(dev)
        t1 = time.perf_counter()
        loss = step(0)  # one more, timed alone, to size the timed loop
        sync(dev)
        one = time.perf_counter() - t1
        steps = max(1, min(args.steps, max(3, int(args.max_seconds / max(one, 1e-9)))))
        start = time.perf_counter()
        for i in range(steps):
            loss = step(i + 1)
        sync(dev)
        seconds = time.perf_counter() - start
        final_loss = loss.detach().item() / k  # mean over the replicas
        rsps = k * steps / seconds
        row.update(steps=steps, warmup_seconds=round(t1 - t0, 3), step_seconds=seconds / steps,
                   replica_steps_per_s=rsps, loss=final_loss,
                   achieved_flops=rsps * b * flops_per_example)
        ceiling = ceilings.get("matmul_flops_bf16" if precision == "bf16" else "matmul_flops_fp32")
        if ceiling:
            row["flops_fraction"] = row["achieved_flops"] / ceiling
        if cuda:
            row["memory_per_replica"] = torch.cuda.max_memory_allocated(dev) / k
        log(f"{name:16s} K={k:<4d} {rsps:8.1f} replica-steps/s  {steps} steps in {seconds:.2f}s  "
            f"loss {final_loss:.3f}"
            + (f"  {row['memory_per_replica'] / 2**20:.0f} MiB/replica" if cuda else ""))
    except Exception as e:  # noqa: BLE001 -- one variant failing must not stop the others
        oom = "out of memory" in str(e).lower() or type(e).__name__ == "OutOfMemoryError"
        row["status"] = "oom" if oom else f"error: {type(e).__name__}: {str(e).splitlines()[0][:200]}"
        log(f"{name:16s} K={k:<4d} {row['status']}")
    finally:
        del model, opt, xs, ys, loss
        if cuda:
            torch.cuda.empty_cache()
        set_modes(False, False)
    return row


def benchmark(args):
    import torch
    dev = torch.device(args.device)
    if dev.type == "cuda":
        if not torch.cuda.is_available():
            sys.exit("gpu_reference: CUDA is not available (use --device cpu for a smoke test)")
        dev = torch.device("cuda", torch.cuda.current_device())
        name = f"{dev} {torch.cuda.get_device_name(dev)}"
    else:
        if args.threads:
            torch.set_num_threads(args.threads)
        name = f"cpu ({torch.get_num_threads()} threads)"
    names = [v for v in args.variants.split(",") if v]
    for v in names:
        if v not in VARIANTS:
            sys.exit(f"gpu_reference: unknown variant {v!r} (known: {', '.join(VARIANTS)})")
    packs = [int(p) for p in args.packs.split(",") if p]
    packs_bf16 = [int(p) for p in (args.packs_bf16 or args.packs).split(",") if p]
    flops, n_params = training_flops_per_example()
    doc = dict(device=name, torch=torch.__version__, batch_size=args.batch_size,
               flops_per_example=flops, params_per_replica=n_params, ceilings={}, results=[],
               complete=False)

    def save():
        if args.out:
            tmp = args.out + ".tmp"
            with open(tmp, "w") as f:
                json.dump(doc, f, indent=1)
            os.replace(tmp, args.out)

    log(f"{name}, torch {torch.__version__}, {flops / 1e6:.1f} MFLOP per example (train), "
        f"{n_params} parameters per replica")
    t = time.perf_counter()
    doc["ceilings"] = measure_ceilings(dev)
    c = doc["ceilings"]
    tf = f", tf32 {c['matmul_flops_tf32'] / 1e12:.1f}" if "matmul_flops_tf32" in c else ""
    log(f"ceilings: fp32 matmul {c['matmul_flops_fp32'] / 1e12:.1f} TFLOP/s (TF32 off{tf}), bf16 matmul "
        f"{c['matmul_flops_bf16'] / 1e12:.1f} TFLOP/s, copy {c['bandwidth'] / 1e9:.0f} GB/s "
        f"({time.perf_counter() - t:.1f}s)")
    save()
    for v in names:
        is_pack, precision = VARIANTS[v][0], VARIANTS[v][1]
        for k in ((packs_bf16 if precision == "bf16" else packs) if is_pack else [1]):
            doc["results"].append(run_variant(v, k, args, dev, flops, doc["ceilings"]))
            save()
    doc["complete"] = True
    save()
    return doc


# ----------------------------------------------------------------------------------- self-test

def self_test():
    """A K=2 pack = two separate ResNet-14s (torch_reference.py's), step for step, on CPU."""
    import torch
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import torch_reference as ref

    torch.manual_seed(1)
    _, PackResNet = build_model_classes()
    k, b = 2, 6
    pack = PackResNet(k).double()
    singles = [ref.ResNet(in_channels=IN_CHANNELS).double() for _ in range(k)]
    n_single = sum(p.numel() for p in singles[0].parameters())
    n_pack = sum(p.numel() for p in pack.parameters())
    assert n_pack == k * n_single == k * 172602, (n_pack, n_single)

    # Copy the pack's (random) parameters into the singles; give BN weights random values so
    # the zero-initialized ones do not hide mistakes.
    with torch.no_grad():
        for p in pack.parameters():
            if p.ndim == 1:
                p.uniform_(0.5, 1.5)
        for r, m in enumerate(singles):
            for (pn, pp), (sn, sp) in zip(pack_param_map(pack), single_param_map(m)):
                assert pn == sn, (pn, sn)
                sp.copy_(pack_slice(pn, pp, r, k))
    x = torch.randn(b, k * IN_CHANNELS, SIZE, SIZE, dtype=torch.float64)
    y = torch.randint(0, CLASSES, (b, k))
    opts = [torch.optim.SGD(pack.param_groups(), lr=LR, momentum=MOMENTUM, weight_decay=WEIGHT_DECAY)]
    for m in singles:
        full = [p for p in m.parameters() if p.ndim != 1]
        small = [p for p in m.parameters() if p.ndim == 1]
        opts.append(torch.optim.SGD([{"params": full, "lr": LR},
                                     {"params": small, "lr": LR * SMALL_LR_SCALE}],
                                    lr=LR, momentum=MOMENTUM, weight_decay=WEIGHT_DECAY))
    import torch.nn.functional as F
    worst = 0.0
    for _ in range(3):
        logits = pack(x)
        loss = pack_loss(logits, y)
        for o in opts:
            o.zero_grad()
        loss.backward()
        for r, m in enumerate(singles):
            lr_ = m(x[:, IN_CHANNELS * r:IN_CHANNELS * (r + 1)])
            worst = max(worst, (lr_ - logits[:, r]).abs().max().item())
            F.cross_entropy(lr_, y[:, r]).backward()
        for o in opts:
            o.step()
    for r, m in enumerate(singles):
        for (pn, pp), (_, sp) in zip(pack_param_map(pack), single_param_map(m)):
            worst = max(worst, (pack_slice(pn, pp, r, k) - sp).abs().max().item())
    assert worst < 1e-9, f"pack and separate models differ by {worst}"
    # channels_last (the bf16 variant's layout; pad_channels takes its NHWC path) computes the same
    global PAD_PATHS
    PAD_PATHS = []
    try:
        out_cl = pack.to(memory_format=torch.channels_last)(x.contiguous(memory_format=torch.channels_last))
        nhwc = "nhwc" in PAD_PATHS
        out_cf = pack.to(memory_format=torch.contiguous_format)(x)
    finally:
        PAD_PATHS = None
    assert nhwc, "channels_last input did not take the NHWC padding path"
    d_cl = (out_cl - out_cf).abs().max().item()
    assert d_cl < 1e-9, f"channels_last differs by {d_cl}"
    worst = max(worst, d_cl)
    flops, n = training_flops_per_example()
    print(f"self-test ok: K=2 pack == 2 separate ResNet-14s over 3 SGD steps (max diff {worst:.1e}); "
          f"{n} parameters per replica; {flops / 1e6:.1f} MFLOP per example (train)")


def pack_param_map(pack):
    """(canonical name, parameter) of the pack, in the singles' order."""
    out = []
    for n, p in pack.named_parameters():
        n = n.replace("shortcut_bn", "shortcut.bn")
        out.append((n, p))
    rename = {"fc_weight": "fc.weight", "fc_bias": "fc.bias", "conv1.weight": "conv.weight",
              "bn1.weight": "bn.weight", "bn1.bias": "bn.bias"}  # torch_reference's stem names
    return sorted(((rename.get(n, n), p) for n, p in out), key=lambda t: t[0])


def single_param_map(m):
    return sorted(m.named_parameters(), key=lambda t: t[0])


def pack_slice(name, p, r, k):
    if name == "fc.weight":
        return p[r].t()
    if name == "fc.bias":
        return p[r]
    n = p.shape[0] // k
    return p[r * n:(r + 1) * n]


# ----------------------------------------------------------------------------------- summarize

def load_json(path):
    try:
        with open(path) as f:
            return json.load(f), None
    except FileNotFoundError:
        return None, "missing (the step was skipped; see the log above the table)"
    except (OSError, ValueError) as e:
        err = os.path.splitext(path)[0] + ".err"
        why = ""
        try:
            with open(err) as f:
                lines = [ln.strip() for ln in f if ln.strip()]
            why = f": {lines[-1][:160]}" if lines else ""
        except OSError:
            pass
        return None, f"unreadable ({type(e).__name__}){why}"


def fmt(v, spec, scale=1.0):
    return "-" if v is None else format(v / scale, spec)


def summarize(d):
    rv32, e32 = load_json(os.path.join(d, "speed-fp32.json"))
    rv16, e16 = load_json(os.path.join(d, "speed-bf16.json"))
    # Optional: the same with --layout channels-last (absent from older gpu-check runs).
    rv32cl, e32cl = load_json(os.path.join(d, "speed-fp32-cl.json"))
    rv16cl, e16cl = load_json(os.path.join(d, "speed-bf16-cl.json"))
    ref, eref = load_json(os.path.join(d, "reference.json"))
    rows = []  # (label, status, rsps, tflops, flop_frac, bw_frac, mib, est_mib)
    ref_results = (ref or {}).get("results", [])
    base = next((r.get("replica_steps_per_s") for r in ref_results
                 if r.get("variant") == "loop-det" and r.get("status") == "ok"), None)
    rc = (ref or {}).get("ceilings", {})

    def rv_rows(doc, err, label, fname):
        if doc is None:
            rows.append((label, f"FAILED: {fname} {err}",) + (None,) * 6)
            return []
        ok = []
        for r in doc.get("results", []):
            st = r.get("status", "?")
            mem, est = r.get("memory_per_replica"), r.get("estimated_memory_per_replica")
            rows.append((f"{label} K={r.get('pack')}", st, r.get("replica_steps_per_s"),
                         r.get("achieved_flops"), r.get("flops_fraction"),
                         r.get("bandwidth_fraction"), mem, est))
            if st == "ok" and r.get("replica_steps_per_s") is not None:
                ok.append(r)
        if not doc.get("results"):
            rows.append((label, "FAILED: no results") + (None,) * 6)
        return ok

    ok32 = rv_rows(rv32, e32, "runvar fp32 det" if (rv32 or {}).get("deterministic", True)
                   else "runvar fp32 NONDET", "speed-fp32.json")
    ok16 = rv_rows(rv16, e16, "runvar bf16", "speed-bf16.json")
    if os.path.exists(os.path.join(d, "speed-fp32-cl.json")):
        ok32 += [dict(r, layout="channels-last") for r in
                 rv_rows(rv32cl, e32cl, "runvar fp32 det cl", "speed-fp32-cl.json")]
    if os.path.exists(os.path.join(d, "speed-bf16-cl.json")):
        ok16 += [dict(r, layout="channels-last") for r in
                 rv_rows(rv16cl, e16cl, "runvar bf16 cl", "speed-bf16-cl.json")]
    labels = {"loop-det": "pytorch loop det", "loop-bench": "pytorch loop benchmark",
              "pack-fp32": "pytorch pack fp32 det", "pack-fp32-bench": "pytorch pack fp32 bench",
              "pack-bf16": "pytorch pack bf16"}
    if ref is None:
        rows.append(("pytorch reference", f"FAILED: reference.json {eref}") + (None,) * 6)
    for r in ref_results:
        label = labels.get(r.get("variant"), r.get("variant"))
        if r.get("variant", "").startswith("pack"):
            label += f" K={r.get('pack')}"
        rows.append((label, r.get("status", "?"), r.get("replica_steps_per_s"),
                     r.get("achieved_flops"), r.get("flops_fraction"), None,
                     r.get("memory_per_replica"), None))
    if ref is not None and not ref.get("complete", False):
        rows.append(("pytorch reference", "INCOMPLETE (killed or crashed; rows above are what it measured)")
                    + (None,) * 6)

    print("== devices and ceilings")
    for doc, who in ((rv32, "runvar fp32"), (rv16, "runvar bf16")):
        if doc:
            c = doc.get("ceilings", {})
            print(f"{who:12s} {doc.get('device', '?')}; batch {doc.get('batch_size')}, "
                  f"{doc.get('precision')}, deterministic {doc.get('deterministic')}; ceilings: matmul "
                  f"{fmt(c.get('matmul_flops'), '.1f', 1e12)} TFLOP/s, bandwidth "
                  f"{fmt(c.get('bandwidth'), '.0f', 1e9)} GB/s; "
                  f"{fmt(doc.get('flops_per_example'), '.1f', 1e6)} MFLOP/example")
    if ref:
        print(f"{'pytorch':12s} {ref.get('device', '?')}, torch {ref.get('torch')}; batch "
              f"{ref.get('batch_size')}; ceilings: fp32 matmul (TF32 off) "
              f"{fmt(rc.get('matmul_flops_fp32'), '.1f', 1e12)} TFLOP/s (TF32 "
              f"{fmt(rc.get('matmul_flops_tf32'), '.1f', 1e12)}), bf16 matmul "
              f"{fmt(rc.get('matmul_flops_bf16'), '.1f', 1e12)} TFLOP/s, copy "
              f"{fmt(rc.get('bandwidth'), '.0f', 1e9)} GB/s; "
              f"{fmt(ref.get('flops_per_example'), '.1f', 1e6)} MFLOP/example")
        for doc, who in ((rv32, "runvar fp32"), (rv16, "runvar bf16")):
            if doc and doc.get("batch_size") != ref.get("batch_size"):
                print(f"note: {who} ran batch {doc.get('batch_size')}, pytorch batch "
                      f"{ref.get('batch_size')}: the ratios compare different workloads")
        if any(r.get("conv_tf32") for r in ref_results if r.get("precision") == "fp32"):
            print("note: PyTorch's fp32 rows let cuDNN convolutions use TF32 (the default in PyTorch "
                  "and libtorch, so in runvar unless it turns it off); FLOP % of fp32 rows is "
                  "against the TF32-off matmul ceiling")
        fr = ref.get("flops_per_example")
        for doc, who in ((rv32, "runvar fp32"), (rv16, "runvar bf16")):
            fv = (doc or {}).get("flops_per_example")
            if fr and fv and abs(fv / fr - 1) > 0.1:
                print(f"note: {who} counts {fv / 1e6:.1f} MFLOP/example, pytorch {fr / 1e6:.1f}: "
                      f"FLOP/s columns are not comparable across the two")
    print()
    print("== replica-steps/s (ResNet-14, CIFAR-10 shapes, synthetic data; x loop det = ratio to "
          "the PyTorch seed loop, deterministic fp32; FLOP % and BW % of each tool's own measured "
          "ceiling for its precision)")
    head = ("variant", "rsteps/s", "x loop det", "TFLOP/s", "FLOP %", "BW %", "MiB/rep", "est MiB",
            "status")
    table = [head]
    for label, st, rsps, fl, ff, bf, mem, est in rows:
        ratio = rsps / base if (rsps is not None and base) else None
        table.append((label, fmt(rsps, ".1f"), fmt(ratio, ".2f"), fmt(fl, ".2f", 1e12),
                      fmt(ff, ".1f", 0.01), fmt(bf, ".1f", 0.01), fmt(mem, ".0f", 2**20),
                      fmt(est, ".0f", 2**20), st))
    widths = [max(len(str(r[i])) for r in table) for i in range(len(head))]
    for j, r in enumerate(table):
        cells = [str(c).ljust(widths[i]) if i in (0, len(head) - 1) else str(c).rjust(widths[i])
                 for i, c in enumerate(r)]
        print("  ".join(cells).rstrip())
        if j == 0:
            print("  ".join("-" * w for w in widths))
    print()

    try:
        with open(os.path.join(d, "determinism.txt")) as f:
            det = [ln.rstrip() for ln in f if ln.startswith(("deterministic", "low-level"))]
    except OSError:
        det = ["determinism: FAILED (no determinism.txt)"]
    for ln in det:
        print(ln)

    def best(rs):
        return max(rs, key=lambda r: r["replica_steps_per_s"]) if rs else None

    b32, b16 = best(ok32), best(ok16)
    det_note = "" if (rv32 or {}).get("deterministic", True) else " (NOT deterministic)"
    for b, target, what in ((b32, TARGET_FP32, "fp32"), (b16, TARGET_BF16, "bf16")):
        if b is None:
            print(f"target {what} >= {target:.0f}: FAIL (no runvar {what} result)")
        else:
            v = b["replica_steps_per_s"]
            print(f"target {what} >= {target:.0f}: {'PASS' if v >= target else 'FAIL'} "
                  f"(best {v:.1f} at K={b.get('pack')}, layout {b.get('layout', 'auto')})"
                  f"{det_note if what == 'fp32' else ''}")
    print()
    print(f"paper protocol ({PAPER_RUNS} runs x {PAPER_EPOCHS} epochs x {PAPER_STEPS_PER_EPOCH} "
          f"steps = {PAPER_REPLICA_STEPS / 1e6:.1f}M replica-steps) on this GPU:")
    proj = [("runvar fp32 det", b32), ("runvar bf16", b16)]
    okref = [r for r in ref_results if r.get("status") == "ok" and r.get("replica_steps_per_s")]
    for v in ("loop-det", "loop-bench", "pack-fp32", "pack-fp32-bench", "pack-bf16"):
        proj.append((labels[v], best([r for r in okref if r.get("variant") == v])))
    for label, b in proj:
        if b is None:
            continue
        h = PAPER_REPLICA_STEPS / b["replica_steps_per_s"] / 3600
        extra = f" (K={b.get('pack')})" if b.get("pack", 1) != 1 else ""
        print(f"  {label + extra:28s} {h:8.1f} h  ({h / 24:.1f} days)")
    for doc, who in ((rv32, "runvar fp32"), (rv16, "runvar bf16")):
        if doc and doc.get("projection_hours") is not None:
            print(f"  ({who} itself reports {doc['projection_hours']:.1f} h)")


# ---------------------------------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--device", default="cuda", help="cuda (default) or cpu (smoke test)")
    ap.add_argument("--variants", default=DEFAULT_VARIANTS,
                    help=f"comma-separated, of {', '.join(VARIANTS)} (default {DEFAULT_VARIANTS})")
    ap.add_argument("--packs", default="32,64", help="K values of the fp32 packs (default 32,64)")
    ap.add_argument("--packs-bf16", default="32,64,128",
                    help="K values of the bf16 packs (default 32,64,128; empty = --packs)")
    ap.add_argument("--steps", type=int, default=25, help="timed steps per variant (default 25)")
    ap.add_argument("--warmup", type=int, default=5, help="warm-up steps per variant (default 5)")
    ap.add_argument("--max-seconds", type=float, default=8.0,
                    help="at most this long of timed steps per variant (default 8; at least 3 steps)")
    ap.add_argument("--batch-size", type=int, default=512)
    ap.add_argument("--threads", type=int, default=0, help="CPU threads (cpu device only)")
    ap.add_argument("--json", action="store_true", help="print the JSON object on stdout")
    ap.add_argument("--out", help="also write the JSON object here, after every variant")
    ap.add_argument("--self-test", action="store_true", help="CPU check of the pack (see above)")
    ap.add_argument("--summarize", metavar="DIR", help="print the gpu-check table of DIR")
    args = ap.parse_args()
    if args.summarize:
        summarize(args.summarize)
        return
    if args.self_test:
        self_test()
        return
    doc = benchmark(args)
    if args.json:
        print(json.dumps(doc), flush=True)
    else:
        for r in doc["results"]:
            print(f"{r['variant']:16s} K={r['pack']:<4d} {r['status']:4s} "
                  f"{fmt(r.get('replica_steps_per_s'), '8.1f')} replica-steps/s")


if __name__ == "__main__":
    main()

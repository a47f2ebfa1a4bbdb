#!/usr/bin/env python3
"""Perplexity parity check: runvar vs the same LSTM language model in plain PyTorch.

For seeds 0..N-1 (N = --seeds, default 5) it runs
`runvar train --preset shakespeare-char-lstm --seed-init S --seed-shuffle S --seed-dropout S
--threads 1 --out DIR` and reads DIR/record.json's `lm.test_perplexity` and
`lm.valid_perplexity`; then it trains the same model and recipe in PyTorch from the spec runvar
resolved (DIR/spec.json, so a retuned preset stays compared), with `torch.manual_seed(S)` and
one thread. What the PyTorch side reproduces (crates/engine/src/lm/, crates/core/src/schedule.rs):

- corpus: the embedded crates/core/assets/shakespeare-{train,valid,test}.txt.gz at char level,
  tokenized by scripts/text_reference.py (imported: one independent tokenizer, not two);
- model (lstm.rs): embedding uniform in +-0.1, dropout on it, each LSTM layer its own one-layer
  nn.LSTM (PyTorch's default init, uniform in +-1/sqrt(hidden)) with dropout between layers,
  dropout on the last layer's output, a linear decoder with weight uniform in +-0.1 and zero
  bias (or the embedding, tied);
- data (stream.rs): the training stream cut into batch_size columns of rows = L // B tokens;
  an epoch has S = (rows - bptt) // bptt segments; order `offset`: a start o drawn in [0, bptt)
  per epoch and segments at o + s*bptt in order, the state zero at the epoch's start, carried
  and detached from segment to segment; order `segments`: starts s*bptt in a random order, the
  state zero in each; loss the mean cross-entropy of the segment;
- optimizer (mod.rs): Adam (betas 0.9/0.999, eps 1e-8) or SGD (momentum, no dampening) with the
  spec's weight decay; the gradient clipped to train.clip (total L2 norm, clip_grad_norm_); the
  learning rate of step t from LrSchedule with S steps per epoch (linear warm-up over
  round(warmup_epochs * S) steps, then cosine or constant; cycles restart it); biases at
  lr * reduced_lr_factor;
- evaluation (eval.rs): valid and test cut into eval_batch_size columns, consecutive segments
  of bptt rows from row 0 (the last shorter), the state carried, the cross-entropy summed over
  every predicted token (columns * (rows - 1)) and divided; perplexity = exp(mean CE).

The random numbers are PyTorch's own, so runs agree in distribution, not bit for bit. The
verdict is on the mean test perplexity over the seeds:

    PASS  if  |mean_runvar - mean_pytorch| <= 2 * sqrt(se_runvar^2 + se_pytorch^2),

se = sample SD / sqrt(N). Wall times: runvar's `wall_seconds` (training and evaluation, as
record.json has it) and the whole process; PyTorch's training and evaluation in this process.
Exit status: 0 PASS, 1 FAIL, 2 a missing binary, torch, asset, an unsupported spec or a failed run.

Usage (from the repo root, after `cargo build --release` and scripts/torch-venv.sh):
  .venv-torch/bin/python scripts/lm_parity.py [--runvar target/release/runvar] [--seeds N]
                                              [--epochs E]
"""

import argparse
import gzip
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
import text_reference  # noqa: E402  (the plain-Python tokenizer of crates/core/src/data/text)

PRESET = "shakespeare-char-lstm"
THREADS = 1


def fail(msg, code=2):
    print(f"lm-parity: {msg}", file=sys.stderr)
    sys.exit(code)


# ---- the spec runvar resolved ---------------------------------------------------------------

def check_spec(spec, path):
    """Refuse what this script does not reproduce, naming the key, rather than compare unlike runs."""
    data, model, train = spec["data"], spec["model"], spec["train"]
    problems = []
    if data.get("dataset") != "shakespeare":
        problems.append(f"data.dataset {data.get('dataset')!r} (only the embedded shakespeare)")
    for key in ("dir", "train_limit", "test_limit"):
        if key in data:
            problems.append(f"data.{key} is set")
    if model.get("kind") != "lstm":
        problems.append(f"model.kind {model.get('kind')!r} (only lstm)")
    if spec["seeds"].get("data") is not None:
        problems.append("seeds.data is set (bootstrap resampling)")
    if spec.get("bit_flip") is not None:
        problems.append("bit_flip is set")
    if train.get("precision", "fp32") != "fp32":
        problems.append(f"train.precision {train['precision']!r} (only fp32)")
    if train.get("optimizer", "sgd") not in ("sgd", "adam"):
        problems.append(f"train.optimizer {train['optimizer']!r}")
    if train.get("schedule") not in ("cosine", "constant"):
        problems.append(f"train.schedule {train.get('schedule')!r}")
    if data.get("order", "offset") not in ("offset", "segments"):
        problems.append(f"data.order {data['order']!r}")
    if model.get("tie") and model["embed"] != model["hidden"]:
        problems.append("model.tie with embed != hidden")
    if problems:
        fail(f"{path}: the PyTorch side does not reproduce: " + "; ".join(problems))


def without_seeds(spec):
    return {k: v for k, v in spec.items() if k != "seeds"}


# ---- corpus and columns (crates/core/src/data/text, crates/engine/src/lm/stream.rs) ---------

def load_corpus():
    texts = {}
    for split in text_reference.SPLITS:
        path = os.path.join(text_reference.ASSETS, f"shakespeare-{split}.txt.gz")
        try:
            with gzip.open(path) as f:
                texts[split] = f.read().decode("utf-8")
        except (OSError, UnicodeDecodeError) as e:
            fail(f"{path}: cannot read the embedded corpus: {e}")
    vocab, _unk, ids = text_reference.corpus(texts, "char")
    return len(vocab), ids


def columns(torch, ids, b):
    """`ids` as [rows, b], column j holding tokens j*rows .. (j+1)*rows (the tail dropped)."""
    rows = len(ids) // b
    t = torch.tensor(ids[: rows * b], dtype=torch.long)
    return t.view(b, rows).t().contiguous()


def eval_segments(rows, bptt):
    """(start, len) from row 0 in steps of bptt, each predicting rows start+1 ..= start+len."""
    last = max(rows - 1, 0)
    return [(s, min(bptt, last - s)) for s in range(0, last, bptt)]


# ---- the learning-rate schedule (crates/core/src/schedule.rs, LrSchedule) --------------------

def round_half_away(x):
    """Rust's f64::round for x >= 0 (Python's round() rounds half to even)."""
    f = math.floor(x)
    return int(f) + (1 if x - f >= 0.5 else 0)


class LrSchedule:
    def __init__(self, train, n_train):
        self.per_epoch = -(-n_train // train["batch_size"])  # ceil: the last partial batch counts
        self.peak = train["lr"]
        self.warmup = round_half_away(train["warmup_epochs"] * self.per_epoch)
        self.total = train["epochs"] * self.per_epoch
        self.shape = train["schedule"]
        self.cycles = max(train.get("cycles", 1), 1)

    def lr(self, t):
        if self.cycles > 1:
            ends = [round_half_away(k * self.total / self.cycles) for k in range(1, self.cycles + 1)]
            k = next((i for i, e in enumerate(ends) if t < e), self.cycles - 1)
            start = ends[k - 1] if k > 0 else 0
            one = LrSchedule.__new__(LrSchedule)
            one.__dict__.update(self.__dict__, total=ends[k] - start, cycles=1)
            return one.lr(t - start)
        w = self.warmup
        if t < w:
            return self.peak * (t + 1) / w
        if self.shape == "constant":
            return self.peak
        span = float(max(self.total - w, 1))
        progress = min((t - w) / span, 1.0)
        return self.peak * 0.5 * (1.0 + math.cos(math.pi * progress))


# ---- the model (crates/engine/src/lm/lstm.rs) ------------------------------------------------

def lstm_model(torch, model, vocab):
    nn, F = torch.nn, torch.nn.functional
    # dropout_embed and dropout_out default to dropout (absent from spec.json when unset).
    p_between = model["dropout"]
    p_embed = model.get("dropout_embed") if model.get("dropout_embed") is not None else p_between
    p_out = model.get("dropout_out") if model.get("dropout_out") is not None else p_between

    class LstmLM(nn.Module):
        def __init__(self):
            super().__init__()
            e, h = model["embed"], model["hidden"]
            self.encoder = nn.Embedding(vocab, e)
            self.rnns = nn.ModuleList(nn.LSTM(e if l == 0 else h, h) for l in range(model["layers"]))
            self.decoder = nn.Linear(h, vocab)
            with torch.no_grad():
                self.encoder.weight.uniform_(-0.1, 0.1)
                self.decoder.weight.uniform_(-0.1, 0.1)
                self.decoder.bias.zero_()
            if model.get("tie"):
                self.decoder.weight = self.encoder.weight

        def forward(self, x, state):
            """x [T, B] -> logits [T, B, vocab] and the state after it, [(h, c)] per layer."""
            out = F.dropout(self.encoder(x), p_embed, self.training)
            nxt = []
            for l, rnn in enumerate(self.rnns):
                if l > 0:
                    out = F.dropout(out, p_between, self.training)
                out, hc = rnn(out, None if state is None else state[l])
                nxt.append(hc)
            return self.decoder(F.dropout(out, p_out, self.training)), nxt

    return LstmLM()


def optimizer(torch, net, train):
    """Group 0: weights (and the embedding); group 1: biases at lr * reduced_lr_factor."""
    weights = [p for n, p in net.named_parameters() if "bias" not in n]
    biases = [p for n, p in net.named_parameters() if "bias" in n]
    groups = [{"params": weights}, {"params": biases}]
    wd = train["weight_decay"]
    if train.get("optimizer", "sgd") == "adam":
        return torch.optim.Adam(groups, lr=train["lr"], betas=(0.9, 0.999), eps=1e-8, weight_decay=wd)
    return torch.optim.SGD(groups, lr=train["lr"], momentum=train["momentum"], dampening=0.0,
                           weight_decay=wd, nesterov=False)


# ---- training and evaluation (crates/engine/src/lm/mod.rs, eval.rs) --------------------------

def evaluate(torch, net, cols, bptt):
    """Mean cross-entropy over every predicted token, summed per segment in float64."""
    F = torch.nn.functional
    net.eval()
    rows, b = cols.shape
    total, state = 0.0, None
    with torch.no_grad():
        for start, n in eval_segments(rows, bptt):
            logits, state = net(cols[start:start + n], state)
            y = cols[start + 1:start + 1 + n].reshape(-1)
            total += F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y, reduction="sum").item()
    tokens = b * max(rows - 1, 0)
    return total / tokens if tokens else 0.0, tokens


def torch_run(torch, spec, vocab, ids, seed):
    """Train and evaluate one PyTorch replica; (valid ppl, test ppl, tokens, seconds)."""
    F = torch.nn.functional
    torch.manual_seed(seed)
    data, train = spec["data"], spec["train"]
    bptt, b = data["bptt"], train["batch_size"]
    start_time = time.perf_counter()
    net = lstm_model(torch, spec["model"], vocab)
    opt = optimizer(torch, net, train)
    tr = columns(torch, ids["train"], b)
    valid = columns(torch, ids["valid"], train["eval_batch_size"])
    test = columns(torch, ids["test"], train["eval_batch_size"])
    segments = max(tr.shape[0] - bptt, 0) // bptt
    schedule = LrSchedule(train, segments * b)
    offset = data.get("order", "offset") == "offset"
    reduced = train["reduced_lr_factor"]
    for epoch in range(train["epochs"]):
        net.train()
        if offset:
            o = int(torch.randint(0, bptt, ()).item())
            starts = [o + s * bptt for s in range(segments)]
        else:
            starts = [int(s) * bptt for s in torch.randperm(segments)]
        state = None
        for s, row in enumerate(starts):
            lr = schedule.lr(epoch * segments + s)
            logits, nxt = net(tr[row:row + bptt], state)
            loss = F.cross_entropy(logits.reshape(-1, vocab), tr[row + 1:row + 1 + bptt].reshape(-1))
            opt.zero_grad()
            loss.backward()
            if train.get("clip") is not None:
                torch.nn.utils.clip_grad_norm_(net.parameters(), train["clip"])
            opt.param_groups[0]["lr"] = lr
            opt.param_groups[1]["lr"] = lr * reduced
            opt.step()
            if not math.isfinite(loss.item()):
                fail(f"pytorch seed {seed}: non-finite loss at epoch {epoch + 1}, step {s}")
            state = [(h.detach(), c.detach()) for h, c in nxt] if offset else None
        ce_valid, n_valid = evaluate(torch, net, valid, bptt)
        ce_test, n_test = evaluate(torch, net, test, bptt)
    return math.exp(ce_valid), math.exp(ce_test), (n_valid, n_test), time.perf_counter() - start_time


# ---- runvar ---------------------------------------------------------------------------------

def runvar_run(args, seed, tmp):
    """Train one runvar replica; (spec, valid ppl, test ppl, tokens, wall_seconds, process seconds)."""
    out = os.path.join(tmp, str(seed))
    cmd = [args.runvar, "train", "--preset", PRESET, "--seed-init", str(seed),
           "--seed-shuffle", str(seed), "--seed-dropout", str(seed), "--threads", str(THREADS),
           "--out", out, "--quiet"]
    if args.epochs is not None:
        cmd += ["--epochs", str(args.epochs)]
    t0 = time.perf_counter()
    p = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seconds = time.perf_counter() - t0
    if p.returncode != 0:
        sys.stderr.write(p.stdout + p.stderr)
        fail(f"command failed (exit {p.returncode}): {' '.join(cmd)}")
    docs = {}
    for name in ("spec.json", "record.json"):
        path = os.path.join(out, name)
        try:
            with open(path) as f:
                docs[name] = json.load(f)
        except (OSError, ValueError) as e:
            fail(f"cannot read {path}: {e}")
    path = os.path.join(out, "record.json")
    try:
        spec = docs["spec.json"]["spec"]
        lm, rec = docs["record.json"]["lm"], docs["record.json"]
        result = (spec, float(lm["valid_perplexity"]), float(lm["test_perplexity"]),
                  (int(lm["valid_tokens"]), int(lm["test_tokens"])), float(rec["wall_seconds"]), seconds)
    except (KeyError, TypeError, ValueError) as e:
        fail(f"{path} (or spec.json beside it): missing or bad field {e} (lm.test_perplexity, "
             f"lm.valid_perplexity, lm.valid_tokens, lm.test_tokens, wall_seconds)")
    check_spec(spec, os.path.join(out, "spec.json"))
    return result


# ---- report ---------------------------------------------------------------------------------

def mean_se(values):
    return statistics.fmean(values), statistics.stdev(values) / math.sqrt(len(values))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runvar", default=os.path.join(ROOT, "target", "release", "runvar"))
    ap.add_argument("--seeds", type=int, default=5, help="seeds 0..N-1 (default 5)")
    ap.add_argument("--epochs", type=int, default=None, help="override the preset's epochs (both sides)")
    args = ap.parse_args()
    args.runvar = os.path.abspath(args.runvar)
    if args.seeds < 2:
        fail("--seeds must be at least 2 (the test needs a standard error)")
    if args.epochs is not None and args.epochs < 1:
        fail("--epochs must be at least 1")
    if not (os.path.isfile(args.runvar) and os.access(args.runvar, os.X_OK)):
        fail(f"runvar binary not found: {args.runvar} (build it with `cargo build --release` or pass --runvar)")
    try:
        import torch
    except ImportError:
        fail(f"torch is not importable from {sys.executable} (run this with .venv-torch/bin/python; "
             f"scripts/torch-venv.sh creates it)")
    torch.set_num_threads(THREADS)
    vocab, ids = load_corpus()

    seeds = list(range(args.seeds))
    rv, pt, first = [], [], None
    with tempfile.TemporaryDirectory(prefix="runvar-lm-parity-") as tmp:
        for s in seeds:
            spec, *r = runvar_run(args, s, tmp)
            if first is None:
                first = spec
            elif without_seeds(spec) != without_seeds(first):
                fail(f"seed {s}: runvar resolved another spec than for seed {seeds[0]} (beyond the seeds)")
            rv.append(r)
            print(f"seed {s}: runvar  test ppl {r[1]:.4f}  valid ppl {r[0]:.4f}  "
                  f"({r[3]:.1f} s training, {r[4]:.1f} s process)", flush=True)
            p = torch_run(torch, first, vocab, ids, s)
            if p[2] != r[2]:
                fail(f"seed {s}: evaluated tokens differ (valid, test): runvar {r[2]}, pytorch {p[2]}")
            pt.append(p)
            print(f"seed {s}: pytorch test ppl {p[1]:.4f}  valid ppl {p[0]:.4f}  ({p[3]:.1f} s)", flush=True)

    n = len(seeds)
    m, d, t = first["model"], first["data"], first["train"]
    print(f"\n{PRESET}: lstm {m['layers']}x{m['hidden']} (embed {m['embed']}, dropout {m['dropout']}), "
          f"bptt {d['bptt']}, batch {t['batch_size']}, {t.get('optimizer', 'sgd')} lr {t['lr']}, "
          f"clip {t.get('clip')}, epochs {t['epochs']}; seeds 0..{n - 1}, threads {THREADS}; "
          f"{rv[0][2][1]} test tokens")
    print(f"{'seed':>4}  {'runvar test':>11} {'valid':>8} {'wall s':>7}   {'pytorch test':>12} {'valid':>8} {'wall s':>7}")
    for s, r, p in zip(seeds, rv, pt):
        print(f"{s:>4}  {r[1]:>11.4f} {r[0]:>8.4f} {r[3]:>7.1f}   {p[1]:>12.4f} {p[0]:>8.4f} {p[3]:>7.1f}")
    (mr, ser), (mp, sep) = mean_se([r[1] for r in rv]), mean_se([p[1] for p in pt])
    (mvr, sevr), (mvp, sevp) = mean_se([r[0] for r in rv]), mean_se([p[0] for p in pt])
    for name, (m_t, se_t), (m_v, se_v), wall in (
            ("runvar", (mr, ser), (mvr, sevr), statistics.fmean(r[3] for r in rv)),
            ("pytorch", (mp, sep), (mvp, sevp), statistics.fmean(p[3] for p in pt))):
        print(f"{name:8s} mean test ppl {m_t:.4f} ± {se_t:.4f}, valid ppl {m_v:.4f} ± {se_v:.4f} "
              f"(± one SE), {wall:.1f} s a run")
    diff, se = mr - mp, math.sqrt(ser ** 2 + sep ** 2)
    print(f"valid: runvar - pytorch = {mvr - mvp:+.4f}, combined SE {math.sqrt(sevr ** 2 + sevp ** 2):.4f} "
          f"(not tested)")
    ok = abs(diff) <= 2 * se
    print(f"test:  runvar - pytorch = {diff:+.4f}, combined SE sqrt(se_r^2 + se_p^2) = {se:.4f}; "
          f"|diff| {'<=' if ok else '>'} 2 SE = {2 * se:.4f}")
    print(f"verdict: {'PASS' if ok else 'FAIL'}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Reference values for the text corpora (crates/core/src/data/text): token counts, vocabulary
sizes and digests of the token streams, computed by an independent implementation of the rules
of that module's doc in plain Python, the way PyTorch's word_language_model example tokenizes
(`line.split() + ['<eos>']`).

Rules, as in the module doc: decode UTF-8, replace "\\r\\n" by "\\n"; char level: every code point
is a token; word level: the text's lines (split at "\\n", no empty line after a final newline),
each `line.split()` (Python's whitespace) then "<eos>". Vocabulary: train's tokens in order of
first appearance, then "<unk>" if train lacks it; other splits' unknown tokens map to "<unk>".

Digests, as the Rust tests compute them: `ids` is the SHA-256 of the ids as little-endian u32;
`vocab` is the SHA-256 of every token's UTF-8 followed by one 0xff byte (never in UTF-8).
The Rust tests (crates/core/src/data/text/tests_corpus.rs) commit what this prints; no test runs
Python. It also prints the code points Python's str.split() splits on (tests_tokenize.rs).

Usage: python3 scripts/text_reference.py [SHARED_TEXT_DIR]   (stdlib only)
"""

import gzip
import hashlib
import os
import struct
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ASSETS = os.path.join(ROOT, "crates", "core", "assets")
SHARED = os.path.join(os.path.dirname(ROOT), "shared", "data", "text", "shakespeare")
SPLITS = ("train", "valid", "test")


def tokens(text: str, level: str) -> list[str]:
    text = text.replace("\r\n", "\n")
    if level == "char":
        return list(text)
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    return [w for line in lines for w in line.split() + ["<eos>"]]


def corpus(texts: dict, level: str):
    streams = {s: tokens(texts[s], level) for s in SPLITS}
    vocab = {}
    for t in streams["train"]:
        vocab.setdefault(t, len(vocab))
    vocab.setdefault("<unk>", len(vocab))
    unk = vocab["<unk>"]
    ids = {s: [vocab.get(t, unk) for t in streams[s]] for s in SPLITS}
    return vocab, unk, ids


def report(name: str, texts: dict, level: str) -> None:
    vocab, unk, ids = corpus(texts, level)
    print(f"{name} ({level}): vocab {len(vocab)}, unk id {unk}")
    digest = hashlib.sha256(b"".join(t.encode() + b"\xff" for t in vocab)).hexdigest()
    print(f"  vocab sha256 {digest}")
    for s in SPLITS:
        v = ids[s]
        packed = struct.pack(f"<{len(v)}I", *v)
        print(
            f"  {s}: {len(v)} tokens, {v.count(unk)} <unk>, "
            f"ids sha256 {hashlib.sha256(packed).hexdigest()}"
        )


def main() -> None:
    shared = sys.argv[1] if len(sys.argv) > 1 else SHARED
    spaces = [hex(c) for c in range(0x110000) if chr(c).isspace()]
    print(f"str.split() splits on {len(spaces)} code points: {', '.join(spaces)}")

    embedded = {}
    for s in SPLITS:
        with gzip.open(os.path.join(ASSETS, f"shakespeare-{s}.txt.gz")) as f:
            embedded[s] = f.read().decode("utf-8")
    print(f"embedded train's first 40 chars: {embedded['train'][:40]!r}")
    report("embedded shakespeare", embedded, "char")
    report("embedded shakespeare", embedded, "word")

    if os.path.isdir(shared):
        texts = {}
        for s in SPLITS:
            with open(os.path.join(shared, f"{s}.txt"), "rb") as f:
                texts[s] = f.read().decode("utf-8")
        report("shared shakespeare", texts, "char")
        report("shared shakespeare", texts, "word")
    else:
        print(f"{shared}: not found; the shared corpus's numbers are left out")


if __name__ == "__main__":
    main()

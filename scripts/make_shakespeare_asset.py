#!/usr/bin/env python3
"""Make the embedded Shakespeare corpus (crates/core/assets/shakespeare-*.txt.gz).

Why: the default language-modelling study must run without a download, so a small public-domain
corpus is compiled into the binary, as the digits set is. Its source is the Project Gutenberg
text of Shakespeare's works split by work (../shared/data/text/shakespeare/{train,valid,test}.txt,
described in ../shared/data/README.md; public domain). Each embedded split is a prefix of the
shared split, byte for byte:

- train: the first three works, whole: All's Well That Ends Well, Antony and Cleopatra, As You
  Like It. The shared file runs the works together (the next title follows the last line of a
  work without a newline, e.g. "[Exeunt.]THE COMEDY OF ERRORS"), so the cut is at the first
  byte of the fourth work's title; the split ends with As You Like It's closing "[Exeunt.]".
- valid, test: the bytes up to and including the first newline at or after byte 40,000 of the
  shared valid (Troilus and Cressida) and test (The Two Gentlemen of Verona) files.

Each split is gzip-compressed (level 9, no file name, mtime 0), so the output is the same on
every run with the same zlib. The script checks the source files' SHA-256 against the shared
README's and prints each split's size, SHA-256 (of the text and of the .gz) and first line, for
the module doc of crates/core/src/data/text/embedded.rs and the README's data credits.

Usage: python3 scripts/make_shakespeare_asset.py [SOURCE_DIR]   (stdlib only)
"""

import gzip
import hashlib
import io
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SOURCE = os.path.join(os.path.dirname(ROOT), "shared", "data", "text", "shakespeare")
ASSETS = os.path.join(ROOT, "crates", "core", "assets")

# SHA-256 of the shared files, as ../shared/data/README.md lists them.
SOURCE_SHA256 = {
    "train": "ac04eff2b10768c3588824f9b97030aeeba858204db0034cba4d13e23e5bd433",
    "valid": "30038897363bb202d3107ff5b018f9028936e3ebf8c904888dd413d3fb6a6de9",
    "test": "9913ef7411180a2614995f1182e390e67dafd637bda4ea3bff96b8a4d405b8f1",
}

# Every work starts with its title, a blank line, then this line.
BYLINE = b"\n\nby William Shakespeare\n"
TRAIN_WORKS = [b"ALL'S WELL THAT ENDS WELL", b"ANTONY AND CLEOPATRA", b"AS YOU LIKE IT"]
TRAIN_NEXT = b"THE COMEDY OF ERRORS"
HELD_OUT_BYTES = 40_000


def title_at(text: bytes, title: bytes, start: int) -> int:
    """The offset of `title` where it heads a work (followed by the byline), from `start`."""
    at = text.find(title + BYLINE, start)
    if at < 0:
        sys.exit(f"title {title!r} not found after byte {start}: is this the shared split?")
    return at


def cut_train(text: bytes) -> bytes:
    at = 0
    for title in TRAIN_WORKS:
        found = title_at(text, title, at)
        if at == 0 and found != 0:
            sys.exit(f"the training file does not start with {TRAIN_WORKS[0]!r}")
        at = found + len(title)
    return text[: title_at(text, TRAIN_NEXT, at)]


def cut_held_out(text: bytes) -> bytes:
    end = text.find(b"\n", HELD_OUT_BYTES - 1)
    if end < 0:
        sys.exit(f"no newline after byte {HELD_OUT_BYTES}")
    return text[: end + 1]


def compress(data: bytes) -> bytes:
    out = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", compresslevel=9, fileobj=out, mtime=0) as gz:
        gz.write(data)
    return out.getvalue()


def main() -> None:
    source = sys.argv[1] if len(sys.argv) > 1 else SOURCE
    os.makedirs(ASSETS, exist_ok=True)
    for split, cut in [("train", cut_train), ("valid", cut_held_out), ("test", cut_held_out)]:
        raw = open(os.path.join(source, f"{split}.txt"), "rb").read()
        sha = hashlib.sha256(raw).hexdigest()
        if sha != SOURCE_SHA256[split]:
            sys.exit(f"{split}.txt: SHA-256 {sha}, expected {SOURCE_SHA256[split]}")
        text = cut(raw)
        packed = compress(text)
        name = f"shakespeare-{split}.txt.gz"
        with open(os.path.join(ASSETS, name), "wb") as f:
            f.write(packed)
        lines = text.split(b"\n")
        print(
            f"{split}: {len(text)} bytes, {len(lines) - 1} newlines, "
            f"sha256 {hashlib.sha256(text).hexdigest()}; {name}: {len(packed)} bytes, "
            f"sha256 {hashlib.sha256(packed).hexdigest()}; first line {lines[0]!r}"
        )


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Fail when a workspace crate declares a dependency its code never names.

`make lint` runs this: a dependency nobody uses costs build time, binary size and audit work,
and clippy does not catch it. For every crate under crates/, each name in [dependencies],
[dev-dependencies] and [build-dependencies] (dashes read as underscores) must appear as a path
(`name::`), in a `use name` or `extern crate name`, somewhere in the crate's Rust sources
(src/, tests/, benches/, examples/, build.rs). That is what cargo-machete checks, without a
tool to install.

Usage: scripts/check-deps.py [WORKSPACE_ROOT]
"""

import pathlib
import re
import sys
import tomllib

SECTIONS = ("dependencies", "dev-dependencies", "build-dependencies")


def rust_sources(crate: pathlib.Path):
    for sub in ("src", "tests", "benches", "examples"):
        yield from (crate / sub).rglob("*.rs")
    if (crate / "build.rs").is_file():
        yield crate / "build.rs"


def unused(crate: pathlib.Path) -> list[str]:
    manifest = tomllib.loads((crate / "Cargo.toml").read_text())
    names = {n for s in SECTIONS for n in manifest.get(s, {})}
    text = "\n".join(p.read_text() for p in rust_sources(crate))
    missing = []
    for name in sorted(names):
        ident = re.escape(name.replace("-", "_"))
        used = re.search(rf"\b{ident}::|\buse\s+{ident}\b|\bextern\s+crate\s+{ident}\b", text)
        if not used:
            missing.append(name)
    return missing


def main() -> int:
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".")
    failed = False
    for manifest in sorted(root.glob("crates/*/Cargo.toml")):
        for name in unused(manifest.parent):
            print(f"{manifest}: dependency `{name}` is never used; remove it", file=sys.stderr)
            failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Fail when modules of a crate depend on each other in a cycle (run by `make lint`).

For every crate under crates/, each source file is a module (`a/b.rs` and `a/b/mod.rs` are
`a::b`). A path in code (`crate::a::b::C`, `super::x`, `self::x`; comments and `#[cfg(test)]`
modules left out) is an edge from the file's module to the deepest module it names. Edges
between a module and its own ancestor or descendant are the usual `mod.rs` re-exports and are
not counted. Every other edge is lifted to the two sibling modules under the nearest common
parent, and a strongly connected set of more than one sibling is a cycle: printed, exit 1.
"""

import os
import re
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "crates")


def module_of(src: str, path: str) -> tuple:
    parts = os.path.relpath(path, src)[:-3].split(os.sep)
    if parts[-1] in ("mod", "lib", "main"):
        parts = parts[:-1]
    return tuple(parts)


def code_only(text: str) -> str:
    text = text.split("#[cfg(test)]")[0]
    lines = [l for l in text.splitlines() if not l.strip().startswith("//")]
    return "\n".join(lines)


def resolve(modules: set, path: tuple) -> tuple:
    """The deepest known module that `path` starts with."""
    for n in range(len(path), 0, -1):
        if path[:n] in modules:
            return path[:n]
    return ()


def paths_in(text: str, me: tuple):
    """Absolute module paths named in `text` (use trees with braces expanded one level)."""
    out = []
    for m in re.finditer(r"\b(crate|super|self)((?:::\w+)+)(::\{([^}]*)\})?", text):
        head, tail, _, group = m.group(1), m.group(2), m.group(3), m.group(4)
        base = list(me) if head == "self" else list(me[:-1]) if head == "super" else []
        if head == "super" and me == ():
            continue
        parts = base + [p for p in tail.split("::") if p]
        out.append(tuple(parts))
        if group:
            for item in group.split(","):
                item = item.strip().split("::")[0].split(" ")[0]
                if item and item != "self":
                    out.append(tuple(parts + [item]))
    return out


def cycles(src: str):
    files = []
    for dirpath, _, names in os.walk(src):
        for n in names:
            if n.endswith(".rs"):
                files.append(os.path.join(dirpath, n))
    modules = {module_of(src, f) for f in files}
    edges = {}
    for f in files:
        me = module_of(src, f)
        if "tests" in me:
            continue
        with open(f, encoding="utf-8") as fh:
            text = code_only(fh.read())
        for p in paths_in(text, me):
            to = resolve(modules, p)
            n = 0
            while n < min(len(me), len(to)) and me[n] == to[n]:
                n += 1
            if n == len(me) or n == len(to):
                continue  # ancestor or descendant
            a, b = me[: n + 1], to[: n + 1]
            edges.setdefault(a, set()).add(b)
    # Tarjan's strongly connected components.
    index, low, stack, on, found = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted("::".join(c) for c in comp))

    sys.setrecursionlimit(10000)
    for v in list(edges):
        if v not in index:
            visit(v)
    return found


def main() -> int:
    bad = 0
    for crate in sorted(os.listdir(ROOT)):
        src = os.path.join(ROOT, crate, "src")
        if not os.path.isdir(src):
            continue
        for c in cycles(src):
            print(f"crates/{crate}: module cycle: {' <-> '.join(c)}")
            bad += 1
    if bad:
        return 1
    print("no module cycles")
    return 0


if __name__ == "__main__":
    sys.exit(main())

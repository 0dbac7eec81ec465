#!/usr/bin/env python3
"""Find cycles between the modules (files) of each crate of the workspace.

A module is one .rs file. An edge A -> B means A's code names B through a `crate::` or
`super::` path (a `use` or an inline path). Edges to A's own ancestors are left out: a
child reading what its parent module defines is how Rust modules nest, not a cycle.
Prints every strongly connected component with more than one module; exits 1 if any.
"""
import os
import re
import sys

ROOTS = ["src"] + sorted(os.path.join("crates", c, "src") for c in os.listdir("crates"))
PATH = re.compile(r"\b((?:crate|super)(?:::(?:super|[a-z_][a-z0-9_]*))*)(?:::\{([^}]*)\})?")


def modules(root):
    """Map module path tuple -> file, for every .rs file under root."""
    found = {}
    for dirpath, _, files in os.walk(root):
        for name in files:
            if not name.endswith(".rs"):
                continue
            rel = os.path.relpath(os.path.join(dirpath, name), root)
            parts = rel[:-3].split(os.sep)
            if parts[-1] in ("mod", "lib", "main"):
                parts = parts[:-1]
            found[tuple(parts)] = os.path.join(dirpath, name)
    return found


def resolve(mods, base, segments):
    """The deepest existing module that `segments` (relative to base) names."""
    path = list(base)
    for seg in segments:
        if seg == "super":
            if not path:
                return None
            path.pop()
        else:
            path.append(seg)
    while tuple(path) not in mods and path:
        path.pop()
    return tuple(path)


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    return "\n".join(line.split("//")[0] for line in text.splitlines())


def edges(mods):
    graph = {m: set() for m in mods}
    for mod, file in mods.items():
        with open(file, encoding="utf-8") as f:
            text = strip_comments(f.read())
        # Inline `mod x { ... }` blocks are ignored: `super` there is resolved as if at file level,
        # which can only add an edge to the file's own parent (an ancestor, left out below).
        for m in PATH.finditer(text):
            segs = m.group(1).split("::")
            base = () if segs[0] == "crate" else mod
            rel = segs[1:] if segs[0] == "crate" else segs
            targets = [rel]
            if m.group(2):
                targets = [rel + [t.strip().split("::")[0]] for t in m.group(2).split(",") if t.strip()]
            for t in targets:
                t = [s for s in t if re.fullmatch(r"super|[a-z_][a-z0-9_]*", s)]
                target = resolve(mods, base, t)
                if target is None or target == mod:
                    continue
                if mod[: len(target)] == target:  # an ancestor
                    continue
                graph[mod].add(target)
    return graph


def cycles(graph):
    """Tarjan's strongly connected components of size > 1."""
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]
    sys.setrecursionlimit(10000)

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph[v]:
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
                out.append(sorted(comp))

    for v in graph:
        if v not in index:
            visit(v)
    return out


def main():
    found = 0
    for root in ROOTS:
        mods = modules(root)
        for comp in cycles(edges(mods)):
            found += 1
            names = ", ".join("::".join(m) or "(root)" for m in comp)
            print(f"{root}: cycle between {names}")
    if found:
        print(f"{found} module cycle(s)")
        return 1
    print(f"no module cycles in {len(ROOTS)} source trees")
    return 0


if __name__ == "__main__":
    sys.exit(main())

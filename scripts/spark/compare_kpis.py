#!/usr/bin/env python3
"""Compares two kpis.json files (e.g. `streamlens kpis --json` and scripts/spark/kpis_job.py)
recursively: same keys, same nulls, same list lengths, integers equal, and numbers equal within
a tolerance — |a − b| ≤ tol · max(1, |a|, |b|), i.e. relative for magnitudes above 1 and
absolute below (default tol 1e-9). Exits 1 listing every differing path, 0 when equal.

    python3 compare_kpis.py EXPECTED.json ACTUAL.json [--tol 1e-9]
"""

import argparse
import json
import sys


def diff(a, b, path, tol, out):
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            p = f"{path}.{k}" if path else k
            if k not in a:
                out.append(f"{p}: only in the second file")
            elif k not in b:
                out.append(f"{p}: only in the first file")
            else:
                diff(a[k], b[k], p, tol, out)
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            out.append(f"{path}: {len(a)} items against {len(b)}")
        for i, (x, y) in enumerate(zip(a, b)):
            diff(x, y, f"{path}[{i}]", tol, out)
    elif isinstance(a, bool) or isinstance(b, bool) or a is None or b is None:
        if a != b or type(a) is not type(b):
            out.append(f"{path}: {a!r} against {b!r}")
    elif isinstance(a, (int, float)) and isinstance(b, (int, float)):
        if abs(a - b) > tol * max(1.0, abs(a), abs(b)):
            out.append(f"{path}: {a!r} against {b!r} (differ by {abs(a - b):.3g})")
    elif a != b:
        out.append(f"{path}: {a!r} against {b!r}")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("expected")
    p.add_argument("actual")
    p.add_argument("--tol", type=float, default=1e-9)
    args = p.parse_args()
    with open(args.expected, encoding="utf-8") as f:
        a = json.load(f)
    with open(args.actual, encoding="utf-8") as f:
        b = json.load(f)
    out = []
    diff(a, b, "", args.tol, out)
    for line in out:
        print(line)
    n = sum(1 for _ in out)
    print(f"{'equal' if not out else f'{n} differences'} (tolerance {args.tol:g}, relative "
          f"above magnitude 1, absolute below)")
    return 1 if out else 0


if __name__ == "__main__":
    sys.exit(main())

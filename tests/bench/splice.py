#!/usr/bin/env python3
"""Puts one benchmark's results.md into docs/performance.md without rerunning the whole bench:
replaces the section with the same '## ' heading, or inserts it before '## Method'.
Usage: splice.py RESULTS.md [PERFORMANCE.md]"""
import os
import sys


def sections(text):
    out, cur = [], []
    for line in text.splitlines(keepends=True):
        if line.startswith("## ") and cur:
            out.append("".join(cur))
            cur = []
        cur.append(line)
    if cur:
        out.append("".join(cur))
    return out


def main(argv):
    results = open(argv[0]).read().rstrip("\n") + "\n\n"
    doc_path = argv[1] if len(argv) > 1 else os.path.join(os.path.dirname(__file__), "../../docs/performance.md")
    heading = results.splitlines()[0]
    parts = sections(open(doc_path).read())
    for i, part in enumerate(parts):
        if part.splitlines()[0] == heading:
            parts[i] = results
            break
    else:
        at = next((i for i, p in enumerate(parts) if p.startswith("## Method")), len(parts))
        parts.insert(at, results)
    open(doc_path, "w").write("".join(parts))


if __name__ == "__main__":
    main(sys.argv[1:])

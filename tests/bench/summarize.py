#!/usr/bin/env python3
"""Summarizes the benchmark rows (results.tsv of the peers harness) into markdown tables:
Switchyard against the mock directly and against nginx as a plain proxy, with the targets of
the gateway-core issue checked. Usage: summarize.py [--doc] LOAD.tsv PINNED.tsv"""
import csv
import datetime
import os
import platform
import subprocess
import sys


def rows(path):
    with open(path) as f:
        return [r for r in csv.DictReader(f, delimiter="\t")]


def index(rs):
    return {(r["target"], r["mode"], int(r["conns"])): r for r in rs}


def num(r, key):
    try:
        return float(r[key])
    except (KeyError, TypeError, ValueError):
        return float("nan")


def table(rs, title):
    idx = index(rs)
    out = [f"### {title}", "",
           "| target | mode | conns | req/s | p50 ms | p99 ms | Δp50 ms | Δp99 ms | CPU µs/req | CPU vs nginx | req/s vs nginx | peak RSS MB | errors | non-2xx |",
           "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rs:
        key = (r["mode"], int(r["conns"]))
        direct = idx.get(("direct",) + key)
        nginx = idx.get(("nginx-proxy",) + key)
        d50 = d99 = cpu_ratio = rps_ratio = ""
        if direct and r["target"] != "direct":
            d50 = f"{(num(r, 'p50_us') - num(direct, 'p50_us')) / 1000:+.3f}"
            d99 = f"{(num(r, 'p99_us') - num(direct, 'p99_us')) / 1000:+.3f}"
        if nginx and r["target"].startswith("switchyard"):
            cpu_ratio = f"{num(r, 'gw_cpu_us_per_req') / num(nginx, 'gw_cpu_us_per_req'):.2f}x"
            rps_ratio = f"{100 * num(r, 'rps') / num(nginx, 'rps'):.0f}%"
        out.append(f"| {r['target']} | {r['mode']} | {r['conns']} | {num(r, 'rps'):,.0f} | "
                   f"{num(r, 'p50_us') / 1000:.3f} | {num(r, 'p99_us') / 1000:.3f} | {d50} | {d99} | "
                   f"{num(r, 'gw_cpu_us_per_req'):.1f} | {cpu_ratio} | {rps_ratio} | "
                   f"{num(r, 'gw_peak_rss_kb') / 1024:.1f} | {r['errors']} | {r['non2xx']} |")
    return "\n".join(out) + "\n"


def targets(load, pinned):
    li, pi = index(load), index(pinned)
    lines = ["| target | measured | verdict |", "|---|---|---|"]
    for mode in ("json", "stream"):
        sy, ng = li.get(("switchyard", mode, 16)), li.get(("nginx-proxy", mode, 16))
        if sy and ng:
            cpu = num(sy, "gw_cpu_us_per_req") / num(ng, "gw_cpu_us_per_req")
            rps = num(sy, "rps") / num(ng, "rps")
            lines.append(f"| {mode}, c=16: CPU per request <= 3x nginx | {cpu:.2f}x | {'met' if cpu <= 3 else 'NOT met'} |")
            lines.append(f"| {mode}, c=16: req/s >= 40% of nginx | {100 * rps:.0f}% | {'met' if rps >= 0.4 else 'NOT met'} |")
        sy1, d1 = pi.get(("switchyard", mode, 1)), pi.get(("direct", mode, 1))
        if sy1 and d1:
            added = (num(sy1, "p50_us") - num(d1, "p50_us")) / 1000
            lines.append(f"| {mode}, pinned c=1: added p50 <= 0.1 ms | {added:+.3f} ms | {'met' if added <= 0.1 else 'NOT met'} |")
    for conns in (16, 1):
        sy, syp = (li if conns == 16 else pi).get(("switchyard", "json", conns)), (li if conns == 16 else pi).get(("switchyard+policy", "json", conns))
        if sy and syp:
            extra = num(syp, "gw_cpu_us_per_req") - num(sy, "gw_cpu_us_per_req")
            lines.append(f"| json, {'c=16' if conns == 16 else 'pinned c=1'}: CPU added by the 30-line Lua policy | {extra:+.1f} µs/req, "
                         f"req/s {100 * num(syp, 'rps') / num(sy, 'rps'):.0f}% of without | (informational) |")
    return "\n".join(lines) + "\n"


def machine():
    cpu = "unknown CPU"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} vCPU {cpu}, kernel {platform.release()}"


def main(argv):
    doc = "--doc" in argv
    paths = [a for a in argv if a != "--doc"]
    load, pinned = rows(paths[0]), rows(paths[1])
    parts = []
    if doc:
        rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
        parts.append("# Performance\n")
        parts.append(f"Measured {datetime.datetime.utcnow():%Y-%m-%d %H:%M} UTC on {machine()}, "
                     f"at commit {rev or 'unknown'}, by `tests/bench/run.sh` with DURATION={os.environ.get('DURATION', '15')} s "
                     f"per connection level and WARMUP={os.environ.get('WARMUP', '3')} s (method below).\n")
    parts.append("## Targets (gateway core)\n")
    parts.append(targets(load, pinned))
    parts.append(table(load, "Load run: wrk, mock and gateway share the machine"))
    parts.append(table(pinned, "Pinned run: wrk, mock and gateway on one vCPU, 1 connection"))
    if doc:
        here = os.path.dirname(__file__)
        for extra in ("policy/results.md", "tokens/results.md", "state/results.md", "observability/results.md", "routers/results.md"):  # written by their own run.sh
            path = os.path.join(here, extra)
            if os.path.exists(path):
                parts.append(open(path).read())
        parts.append(open(os.path.join(here, "method.md")).read())
    print("\n".join(parts))


if __name__ == "__main__":
    main(sys.argv[1:])

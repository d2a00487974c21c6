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


def verdict(ok):
    return "met" if ok else "NOT met"


def targets(load, pinned):
    """The done-when figures of the performance issue, on the realistic config."""
    li, pi = index(load), index(pinned)
    lines = ["| target | measured | verdict |", "|---|---|---|"]
    for name in ("switchyard-realistic", "switchyard-redis", "switchyard"):
        sy, ng = li.get((name, "json", 16)), li.get(("nginx-proxy", "json", 16))
        if not (sy and ng):
            continue
        cpu = num(sy, "gw_cpu_us_per_req") / num(ng, "gw_cpu_us_per_req")
        rps = num(sy, "rps") / num(ng, "rps")
        lines.append(f"| {name}, json c=16: CPU per request <= 2.5x nginx | {cpu:.2f}x "
                     f"({num(sy, 'gw_cpu_us_per_req'):.1f} vs {num(ng, 'gw_cpu_us_per_req'):.1f} µs) | {verdict(cpu <= 2.5)} |")
        lines.append(f"| {name}, json c=16: req/s >= 50% of nginx | {100 * rps:.0f}% | {verdict(rps >= 0.5)} |")
        pk = li.get(("portkey", "json", 16))
        if pk:
            ratio = num(pk, "gw_cpu_us_per_req") / num(sy, "gw_cpu_us_per_req")
            lines.append(f"| {name}, json c=16: CPU per request 20x less than Portkey's | {ratio:.1f}x less | {verdict(ratio >= 20)} |")
    for name in ("switchyard-realistic", "switchyard"):
        for mode in ("json", "stream"):
            sy1, d1 = pi.get((name, mode, 1)), pi.get(("direct", mode, 1))
            if not (sy1 and d1):
                continue
            a50 = (num(sy1, "p50_us") - num(d1, "p50_us")) / 1000
            a99 = (num(sy1, "p99_us") - num(d1, "p99_us")) / 1000
            if mode == "json":
                lines.append(f"| {name}, pinned c=1: added p50 <= 0.1 ms | {a50:+.3f} ms | {verdict(a50 <= 0.1)} |")
                lines.append(f"| {name}, pinned c=1: added p99 <= 0.3 ms | {a99:+.3f} ms | {verdict(a99 <= 0.3)} |")
            else:  # the mock sends its whole stream at once: the added time of the stream bounds the first byte's
                lines.append(f"| {name}, stream pinned c=1: added time to first byte, p99 <= 0.2 ms "
                             f"(bounded by the whole stream's) | {a99:+.3f} ms | {verdict(a99 <= 0.2)} |")
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
    parts = ["## Gateway overhead\n"]
    if doc:
        rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
        parts.append(f"Measured {datetime.datetime.utcnow():%Y-%m-%d %H:%M} UTC on {machine()}, "
                     f"at commit {rev or 'unknown'}, by `tests/bench/run.sh` with DURATION={os.environ.get('DURATION', '15')} s "
                     f"per connection level and WARMUP={os.environ.get('WARMUP', '3')} s ([method](#method)). "
                     "`switchyard` has nothing but the provider configured; `switchyard-realistic` runs the 30-line "
                     "policy (`tests/bench/policy/realistic.lua`), the `mf` router on `auto`, a key with budget, rpm, tpm "
                     "and per-user rpm on the in-process store, metrics, request traces and tracing at 1%; "
                     "`switchyard-redis` is the same with its state on a redis-server.\n")
    parts.append("### Targets\n")
    parts.append(targets(load, pinned))
    parts.append(table(load, "Load run: wrk, mock and gateway share the machine"))
    parts.append(table(pinned, "Pinned run: wrk, mock and gateway on one vCPU, 1 connection"))
    print("\n".join(parts))


if __name__ == "__main__":
    main(sys.argv[1:])

#!/usr/bin/env bash
# Where the realistic request's time goes (#11): the pinned single-core run of the gateway
# benchmark (wrk, the peers' JSON mock and the gateway on CPU 0, 1 connection) on the realistic
# config, then on that config with one part taken out at a time. A part's cost is the difference
# from the whole config; each variant runs ROUNDS times (default 2), alternated with the others
# and in a rotated order, because the machine drifts more than some parts cost. Prints p50 and p99 latency and the
# gateway's CPU per request, writes breakdown/results.md and splices it into docs/performance.md
# (WRITE_DOC=0 to skip).
#   tests/bench/breakdown/run.sh               # DURATION=5 ROUNDS=2 (about 3 minutes)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../common.sh"
bench_init breakdown
. "$ROOT/tests/bench/variants.sh"
DURATION=${DURATION:-5} ROUNDS=${ROUNDS:-2}
POLICY=$ROOT/tests/bench/policy/realistic.lua
HZ=$(getconf CLK_TCK)

MOCK_CPUS=0 "$PEERS/mock.sh" start > /dev/null
start_otlp_collector
realistic_gateway_yaml "http://127.0.0.1:$MOCK_PORT/v1" "$COLLECTOR" \
    > "$RUN_DIR/base.yaml"
printf 'function route(req)\n  return { router = "mf", reason = "auto" }\nend\n' > "$RUN_DIR/at-once.lua"

# variant NAME: the realistic config with one part taken out
variant() {
    case $1 in
        realistic) cat "$RUN_DIR/base.yaml" ;;
        no-policy) sed "/^policies:/,/realistic.lua/d" "$RUN_DIR/base.yaml" ;;
        policy-returning-at-once) sed "s|$POLICY|$RUN_DIR/at-once.lua|" "$RUN_DIR/base.yaml" ;;
        no-key-limits) sed "/limits: {budget_usd/d; /user_limits:/d" "$RUN_DIR/base.yaml" ;;
        no-request-traces) sed "/request_traces:/d" "$RUN_DIR/base.yaml" ;;
        no-tracing) sed "/tracing: {endpoint/d" "$RUN_DIR/base.yaml" ;;
    esac
}
VARIANTS="realistic no-policy policy-returning-at-once no-key-limits no-request-traces no-tracing"

run_wrk() {  # run_wrk SECONDS URL -> "requests p50_us p99_us"
    WRK_MODEL=auto taskset -c 0 wrk -t1 -c1 -d"$1" -s "$PEERS/wrk/chat.lua" \
        -H "Authorization: Bearer $BENCH_KEY" -H "x-tier: free" "$2" |
        awk '/^RESULT / {sub(/^RESULT /, ""); print}' |
        python3 -c 'import json, sys; r = json.load(sys.stdin); print(r["requests"], r["p50_us"], r["p99_us"])'
}

measure() {  # measure NAME -> appends "NAME p50 p99 cpu_us" to rows.txt
    variant "$1" > "$RUN_DIR/$1.yaml"
    local port
    port=$(free_port)
    taskset -c 0 "$BIN" serve --config "$RUN_DIR/$1.yaml" --listen "127.0.0.1:$port" --log-level warn \
        2> "$RUN_DIR/$1.log" &
    local gw=$!
    for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/readyz" > /dev/null 2>&1 && break; sleep 0.1; done
    local url=http://127.0.0.1:$port/v1/chat/completions
    run_wrk 2s "$url" > /dev/null  # warm-up
    local t0 t1 r
    t0=$(cpu_ticks "$gw")
    r=$(run_wrk "${DURATION}s" "$url")
    t1=$(cpu_ticks "$gw")
    kill "$gw"; wait "$gw" 2>/dev/null || true
    read -r n p50 p99 <<< "$r"
    echo "$1 $p50 $p99 $(python3 -c "print(round(($t1 - $t0) / $HZ * 1e6 / $n, 1))")" >> "$RUN_DIR/rows.txt"
    echo "bench: $1: p50 $p50 µs, p99 $p99 µs" >&2
}

rm -f "$RUN_DIR/rows.txt"
echo "bench: direct" >&2
direct=$(run_wrk "${DURATION}s" "http://127.0.0.1:$MOCK_PORT/v1/chat/completions")
# Each round starts one variant further on, so that a machine drifting during a round does not
# always favour the same variants.
read -r -a order <<< "$VARIANTS"
for r in $(seq 0 $((ROUNDS - 1))); do
    for i in $(seq 0 $((${#order[@]} - 1))); do measure "${order[$(((i + r) % ${#order[@]}))]}"; done
done

python3 - "$RUN_DIR/rows.txt" "$direct" "$here/results.md" "$ROUNDS" <<'PY'
import collections, datetime, os, subprocess, sys
rows, direct, out, rounds = sys.argv[1], sys.argv[2].split(), sys.argv[3], sys.argv[4]
d50 = int(direct[1])
runs = collections.OrderedDict()
for line in open(rows):
    name, p50, p99, cpu = line.split()
    runs.setdefault(name, []).append((int(p50), int(p99), float(cpu)))
median = lambda xs: sorted(xs)[len(xs) // 2]
base = runs["realistic"]
base_cpu = sum(r[2] for r in base) / len(base)
base_p50 = sum(r[0] for r in base) / len(base)
rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
lines = [
    "## Where the realistic request's time goes",
    "",
    f"`tests/bench/breakdown/run.sh`, {datetime.datetime.utcnow():%Y-%m-%d %H:%M} UTC, commit {rev}, {os.cpu_count()} vCPU: "
    "the pinned run of the gateway benchmark (wrk, the peers' JSON mock and the gateway on CPU 0, 1 connection) "
    f"on the realistic config and on that config with one part taken out, {rounds} alternated runs each. "
    f"Straight to the mock: p50 {d50} µs. A part's cost is the whole config's figure minus the variant's "
    "(the mean over the runs; the runs' own figures show the spread).",
    "",
    "| config | p50 µs (runs) | p99 µs (runs) | CPU µs per request (runs) | added p50 over direct | CPU saved without the part |",
    "|---|---|---|---|---:|---:|",
]
for name, rs in runs.items():
    cpu = sum(r[2] for r in rs) / len(rs)
    p50 = sum(r[0] for r in rs) / len(rs)
    saved = "" if name == "realistic" else f"{base_cpu - cpu:+.1f} µs"
    lines.append(f"| {name} | {', '.join(str(r[0]) for r in rs)} | {', '.join(str(r[1]) for r in rs)} | "
                 f"{', '.join(f'{r[2]:.1f}' for r in rs)} | {(p50 - d50) / 1000:+.3f} ms | {saved} |")
lines.append("")
open(out, "w").write("\n".join(lines))
print("\n".join(lines))
PY
if [ "${WRITE_DOC:-1}" = 1 ]; then python3 "$ROOT/tests/bench/splice.py" "$here/results.md"; fi

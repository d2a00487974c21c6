#!/usr/bin/env bash
# Startup and footprint (#11), on the realistic config (tests/bench/variants.sh): cold start to
# ready (STARTS runs of exec to the first 200 of /readyz), idle RSS after start, then a soak:
# wrk (JSON, 16 connections, model auto) for SOAK_SECONDS, the gateway's RSS sampled every
# SAMPLE seconds; growth is the last sample against the first one after WARM seconds. Writes
# footprint/results.md and splices it into docs/performance.md (WRITE_DOC=0 to skip).
#   tests/bench/footprint/run.sh                       # 10-minute soak
#   SOAK_SECONDS=60 SAMPLE=10 tests/bench/footprint/run.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../common.sh"
bench_init footprint
. "$ROOT/tests/bench/variants.sh"
STARTS=${STARTS:-5} SOAK_SECONDS=${SOAK_SECONDS:-600} SAMPLE=${SAMPLE:-30} WARM=${WARM:-60}

"$PEERS/mock.sh" start > /dev/null
start_otlp_collector
realistic_gateway_yaml "http://127.0.0.1:$MOCK_PORT/v1" "$COLLECTOR" \
    > "$RUN_DIR/gateway.yaml"
GW_PORT=$(free_port)

start_gateway() {  # start_gateway -> gw (pid) and ready_ms (exec to ready)
    local t0 t1
    t0=$(date +%s%N)
    "$BIN" serve --config "$RUN_DIR/gateway.yaml" --listen 127.0.0.1:$GW_PORT --log-level warn \
        > /dev/null 2>> "$RUN_DIR/gateway.log" &
    gw=$!
    until curl -sf "http://127.0.0.1:$GW_PORT/readyz" > /dev/null 2>&1; do
        kill -0 $gw 2>/dev/null || { echo "bench: gateway died (see $RUN_DIR/gateway.log)" >&2; exit 1; }
        sleep 0.002
    done
    t1=$(date +%s%N)
    ready_ms=$(((t1 - t0) / 1000000))
}

starts=()
for _ in $(seq "$STARTS"); do
    start_gateway
    starts+=("$ready_ms")
    sleep 0.5
    kill $gw; wait $gw 2>/dev/null || true
done
start_gateway
pids+=($gw)
sleep 2
rss_idle=$(kb VmRSS $gw)
echo "bench: ready in ${starts[*]} ms; idle RSS $rss_idle kB" >&2

# The soak: wrk in the background, RSS sampled meanwhile.
WRK_MODE=json WRK_MODEL=auto timeout $((SOAK_SECONDS + 60)) wrk -t1 -c16 -d"${SOAK_SECONDS}s" --timeout 5s --latency \
    -s "$PEERS/wrk/chat.lua" -H "Authorization: Bearer $BENCH_KEY" -H "x-tier: free" \
    "http://127.0.0.1:$GW_PORT/v1/chat/completions" > "$RUN_DIR/wrk-soak.txt" 2>&1 &
wrk_pid=$!
pids+=($wrk_pid)
: > "$RUN_DIR/rss.tsv"
for ((t = SAMPLE; t <= SOAK_SECONDS; t += SAMPLE)); do
    sleep "$SAMPLE"
    printf '%s\t%s\n' "$t" "$(kb VmRSS $gw)" >> "$RUN_DIR/rss.tsv"
    echo "bench: soak ${t}s RSS $(kb VmRSS $gw) kB" >&2
done
wait $wrk_pid || true
soak=$(grep '^RESULT ' "$RUN_DIR/wrk-soak.txt" | sed 's/^RESULT //')
sleep 35  # workers started by the load retire after 30 s idle
rss_after=$(kb VmRSS $gw)
threads_after=$(awk '/^Threads:/ {print $2}' /proc/$gw/status)

python3 - "$here/results.md" "$RUN_DIR/rss.tsv" <<PY
import datetime, json, os, subprocess, sys
rows = [tuple(map(int, l.split())) for l in open(sys.argv[2]) if l.strip()]
warm = [r for r in rows if r[0] >= $WARM] or rows
first, last = warm[0], rows[-1]
growth = 100 * (last[1] - first[1]) / first[1]
starts = sorted(int(s) for s in "${starts[*]}".split())
soak = json.loads('''$soak''')
rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
mb = lambda kb: f"{kb / 1024:.1f} MB"
lines = [
 "## Startup and footprint",
 "",
 f"\`tests/bench/footprint/run.sh\`, {datetime.datetime.utcnow():%Y-%m-%d %H:%M} UTC, commit {rev}, {os.cpu_count()} vCPU, "
 "the realistic config of the gateway benchmark (30-line policy, mf router, key limits on the in-process store, "
 f"request traces, tracing at 1%). Soak: wrk, 16 connections, JSON, model \`auto\`, {$SOAK_SECONDS} s, RSS sampled every {$SAMPLE} s.",
 "",
 "| figure | value | target |",
 "|---|---:|---|",
 f"| cold start to ready (exec to the first 200 of /readyz), {len(starts)} runs | median {starts[len(starts)//2]} ms (min {starts[0]}, max {starts[-1]}) | |",
 f"| RSS idle after start | {mb($rss_idle)} | < 50 MB: {'met' if $rss_idle < 50 * 1024 else 'NOT met'} |",
 f"| soak: requests, req/s, p99, errors, non-2xx | {soak['requests']:,}, {soak['rps']:,.0f}, {soak['p99_us'] / 1000:.3f} ms, {soak['errors']}, {soak['non2xx']} | |",
 f"| soak: RSS at {first[0]} s / at {last[0]} s | {mb(first[1])} / {mb(last[1])} | |",
 f"| soak: RSS growth from {first[0]} s to the end | {growth:+.1f}% | <= 5%: {'met' if growth <= 5 else 'NOT met'} |",
 f"| RSS 35 s after the soak (workers retired; {$threads_after} threads) | {mb($rss_after)} | |",
 "",
 "RSS samples (s, MB): " + ", ".join(f"{t} {kb / 1024:.1f}" for t, kb in rows),
 "",
]
open(sys.argv[1], "w").write("\n".join(lines))
print("\n".join(lines))
PY
if [ "${WRITE_DOC:-1}" = 1 ]; then python3 "$ROOT/tests/bench/splice.py" "$here/results.md"; fi

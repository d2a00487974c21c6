#!/usr/bin/env bash
# Normal traffic while slow clients hold connections: wrk (JSON, CONNS connections) through the
# gateway to the peers' fast mock, alone, then ROUNDS times a 500-connection slow-loris (each
# connection trickles one header byte a second and never completes its head) and alone, then
# 500 clients that each sent a request and never read, alone. Writes edge/results.md and splices
# it into docs/performance.md as "HTTP edge under slow clients".
#   tests/bench/edge/run.sh                 # DURATION=15 per phase
#   DURATION=5 tests/bench/edge/run.sh      # quicker
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../common.sh"
bench_init edge
DURATION=${DURATION:-15} CONNS=${CONNS:-8} SLOW=${SLOW:-500} THREADS=${THREADS:-16} ROUNDS=${ROUNDS:-3}
BURST=${BURST:+--burst}  # BURST=1: each second every slow connection's byte at once (default: spread)
GW_PORT=${GW_PORT:-18095}
"$PEERS/mock.sh" start > /dev/null

. "$ROOT/tests/bench/variants.sh"
mock_gateway_yaml | sed "s/^  max_threads: .*/  max_threads: $THREADS\n  max_connections: 4096/" > "$RUN_DIR/edge.yaml"
. "$ROOT/tests/bench/serve.sh"
serve_gateway "$ROOT" "$RUN_DIR/edge.yaml" "$GW_PORT" "$RUN_DIR/gateway.log"
gw=${pids[-1]}
url=http://127.0.0.1:$GW_PORT/v1/chat/completions
wrk -t1 -c"$CONNS" -d2s -s "$PEERS/wrk/chat.lua" "$url" > /dev/null  # warm-up

measure() {  # measure PHASE -> a row in $RUN_DIR/rows.tsv
    local t0 t1 line
    t0=$(cpu_ticks "$gw")
    local raw="$RUN_DIR/wrk-$(wc -l < "$RUN_DIR/rows.tsv" 2>/dev/null || echo 0).txt"
    timeout $((DURATION + 30)) wrk -t1 -c"$CONNS" -d"${DURATION}s" --latency -s "$PEERS/wrk/chat.lua" "$url" > "$raw"
    line=$(grep '^RESULT ' "$raw" | sed 's/^RESULT //')
    t1=$(cpu_ticks "$gw")
    python3 - "$1" "$line" "$((t1 - t0))" "$(getconf CLK_TCK)" >> "$RUN_DIR/rows.tsv" <<'PY'
import json, sys
phase, r, ticks, hz = sys.argv[1], json.loads(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
cpu = ticks * 1e6 / hz / max(r["requests"], 1)
print("\t".join(str(x) for x in [phase, r["requests"], r["rps"], r["p50_us"], r["p99_us"], r["errors"] + r["non2xx"], f"{cpu:.1f}"]))
PY
    echo "bench: $1 done" >&2
}
with_slow() {  # with_slow MODE PHASE: runs SLOW clients of MODE during one measurement
    python3 "$here/slow_clients.py" --port "$GW_PORT" --conns "$SLOW" --seconds $((DURATION + 4)) --mode "$1" $BURST \
        > "$RUN_DIR/slow-$1.txt" &
    local sp=$!
    pids+=("$sp")
    for _ in $(seq 200); do grep -q READY "$RUN_DIR/slow-$1.txt" 2>/dev/null && break; sleep 0.05; done
    measure "$2"
    wait "$sp" || true
}

rm -f "$RUN_DIR/rows.tsv"
touch "$RUN_DIR/rows.tsv"
load=$(cut -d' ' -f1 /proc/loadavg)
# ROUNDS alternations of alone and slow-loris phases: on a shared VM one phase's p99 moves by
# more than the 10% to be shown, so the summary compares the means over the rounds.
measure "alone"
for _ in $(seq "$ROUNDS"); do
    with_slow slowloris "during $SLOW slow-loris connections"
    measure "alone"
done
with_slow never-read "during $SLOW never-reading clients"
measure "alone"
loris_closed=$(sed -n 's/^CLOSED //p' "$RUN_DIR/slow-slowloris.txt")
rejected=$(curl -s "http://127.0.0.1:$GW_PORT/metrics" | grep '^switchyard_http_rejected_total' | sed 's/^/    /')

python3 - "$RUN_DIR/rows.tsv" > "$here/results.md" <<PY
import sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])]
def vs_alone(i):  # a slow phase against the mean p99 of the alone phases around it
    if rows[i][0] == "alone":
        return ""
    base = (int(rows[i - 1][4]) + int(rows[i + 1][4])) / 2
    return f"{(int(rows[i][4]) - base) / base * 100:+.0f}%"
print("## HTTP edge under slow clients")
print()
print("\`tests/bench/edge/run.sh\`, $(date -u '+%Y-%m-%d %H:%M') UTC, on $(nproc) cores: wrk (JSON, $CONNS")
print("connections, ${DURATION}s per phase) through the gateway ($THREADS workers) to the peers' fast mock,")
print("alone and while $SLOW more connections are slow: a slow-loris phase (each connection trickles one")
print("header byte a second$( [ -n "$BURST" ] && echo ', all of them at once each second,' || echo ', spread over the second,') and never completes its head; with the default 30 s")
print("\`server.request_timeout_ms\` none is cut during the phase: $loris_closed were closed) and a")
print("never-reading phase ($SLOW clients each sent a chat request and read nothing; the mock's")
print("small answers fit in the socket buffers, so this measures held connections, not the write")
print("timeout; the gateway CPU of that phase includes answering those $SLOW requests). wrk, the mock,")
print("the slow clients and the gateway share the cores; a slow phase's p99 against the mean of the")
print("alone phases before and after it is the figure the hardening issue asks to keep within 10%;")
print("the slow-loris phase runs $ROUNDS times between alone phases and the summary below compares the")
print("means. Load average at the start: $load. Errors are wrk's (timeouts included; its raw output is")
print("kept in $RUN_DIR/wrk-*.txt).")
print()
print("| phase | requests | req/s | p50 | p99 | p99 vs alone around it | errors | gateway CPU µs/req |")
print("|---|---|---|---|---|---|---|---|")
for i, (phase, req, rps, p50, p99, err, cpu) in enumerate(rows):
    print(f"| {phase} | {req} | {float(rps):.0f} | {int(p50)/1000:.2f} ms | {int(p99)/1000:.2f} ms | "
          f"{vs_alone(i)} | {err} | {cpu} |")
alone = [int(r[4]) for r in rows if r[0] == "alone"]
loris = [int(r[4]) for r in rows if "slow-loris" in r[0]]
a, l = sum(alone) / len(alone), sum(loris) / len(loris)
print()
print(f"p99 during the slow-loris, mean of {len(loris)} phases: {l/1000:.2f} ms; alone, mean of {len(alone)} phases: "
      f"{a/1000:.2f} ms ({min(alone)/1000:.2f} to {max(alone)/1000:.2f}): {(l - a) / a * 100:+.0f}% "
      f"(target: within 10%: {'met' if abs(l - a) / a <= 0.10 else 'NOT met'}).")
print()
print("Refusals counted at the end (\`switchyard_http_rejected_total\`):")
print()
print("""$rejected""")
PY
cat "$here/results.md"
if [ "${WRITE_DOC:-1}" = 1 ]; then python3 "$ROOT/tests/bench/splice.py" "$here/results.md"; echo "bench: updated docs/performance.md" >&2; fi

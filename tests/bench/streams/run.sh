#!/usr/bin/env bash
# Many long streams on one instance (#11): STREAMS (default 10000) concurrent streaming requests
# through the gateway to a slow upstream (CHUNKS events, one every INTERVAL s), opened at RATE per
# second. Measured: gateway RSS idle and with every stream open, memory per open stream, CPU per
# relayed event, errors, and the p99 of short JSON requests (wrk, 16 connections, to the peers'
# fast mock) idle and with every stream open: flat out, and paced at PACED_RPS (default 1000,
# 8 connections that pause between requests; paced.lua), a load that leaves the machine room.
# The paced load also goes straight to the mock, idle and with the streams open: a control that
# shows what the busy machine alone (the Python fakes share its cores) does to a request that
# never touches the gateway. Writes streams/results.md and splices it into docs/performance.md
# (WRITE_DOC=0 to skip).
#   tests/bench/streams/run.sh                   # 10,000 streams of 60 s (~2 min)
#   STREAMS=1000 CHUNKS=20 tests/bench/streams/run.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../common.sh"
bench_init streams
STREAMS=${STREAMS:-10000} CHUNKS=${CHUNKS:-60} INTERVAL=${INTERVAL:-1} RATE=${RATE:-1000}
SHORT_SECONDS=${SHORT_SECONDS:-10}
PACED_RPS=${PACED_RPS:-1000}
SECTION=${SECTION:-Many open streams}  # the heading in docs/performance.md
# The gateway holds a client and an upstream socket per stream: raise the descriptor limit, and
# where the hard limit cannot hold them (a container without CAP_SYS_RESOURCE), run fewer streams
# and say so.
ulimit -n $((STREAMS * 2 + 512)) 2>/dev/null || ulimit -n "$(ulimit -Hn)"
FD_LIMIT=$(ulimit -n)
CAPPED=""
if [ $((STREAMS * 2 + 200)) -gt "$FD_LIMIT" ]; then
    CAPPED="$STREAMS asked; the descriptor limit here is $FD_LIMIT (hard), 2 per stream"
    STREAMS=$(((FD_LIMIT - 200) / 2))
    echo "bench: $CAPPED: running $STREAMS streams" >&2
fi

HZ=$(getconf CLK_TCK)

"$PEERS/mock.sh" start > /dev/null
rm -f "$RUN_DIR/slow.port"
python3 "$here/slow_upstream.py" --port-file "$RUN_DIR/slow.port" --chunks "$CHUNKS" --interval "$INTERVAL" \
    > "$RUN_DIR/slow.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do [ -s "$RUN_DIR/slow.port" ] && break; sleep 0.05; done
SLOW=http://127.0.0.1:$(cat "$RUN_DIR/slow.port")
KEY=sk-bench-streams-0123456789
GW_PORT=$(free_port)
cat > "$RUN_DIR/gateway.yaml" <<YAML
server:
  max_connections: $((STREAMS + 1024))
plugins:
  search_paths: ["$ROOT/build/lib/switchyard/plugins"]
providers:
  - {name: slow, plugin: openai, base_url: "$SLOW/v1", max_connections: $STREAMS}
  - {name: mock-json, plugin: openai, base_url: "http://127.0.0.1:$MOCK_PORT/v1", max_connections: 128}
models:
  - {name: slow, input_price_per_mtok: 1, output_price_per_mtok: 2, deployments: [{provider: slow}]}
  - {name: gpt-4o-mini, input_price_per_mtok: 0.15, output_price_per_mtok: 0.6, deployments: [{provider: mock-json}]}
auth:
  required: true
  keys: [{key: $KEY, id: bench}]
YAML
"$BIN" serve --config "$RUN_DIR/gateway.yaml" --listen 127.0.0.1:$GW_PORT --log-level warn 2> "$RUN_DIR/gateway.log" &
gw=$!
pids+=($gw)
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$GW_PORT/readyz" > /dev/null 2>&1 && break; sleep 0.1; done
URL=http://127.0.0.1:$GW_PORT/v1/chat/completions

short_run() {  # short_run OUT CONNS SCRIPT [URL]: wrk, JSON, to the fast mock; prints the RESULT json
    WRK_MODE=json WRK_CHAT_LUA="$PEERS/wrk/chat.lua" WRK_PAUSE_MS=$((8000 / PACED_RPS)) \
        timeout $((SHORT_SECONDS + 30)) wrk -t1 -c"$2" -d"${SHORT_SECONDS}s" --timeout 5s --latency \
        -s "$3" -H "Authorization: Bearer $KEY" "${4:-$URL}" > "$1" 2>&1
    grep '^RESULT ' "$1" | sed 's/^RESULT //'
}
short_p99() { short_run "$1" 16 "$PEERS/wrk/chat.lua"; }  # flat out
paced_p99() { short_run "$1" 8 "$here/paced.lua"; }  # 8 connections pausing (WRK_PAUSE_MS): PACED_RPS in all
direct_p99() { short_run "$1" 8 "$here/paced.lua" "http://127.0.0.1:$MOCK_PORT/v1/chat/completions"; }  # the control

sleep 1
idle=$(short_p99 "$RUN_DIR/wrk-idle.txt")
idle_paced=$(paced_p99 "$RUN_DIR/wrk-idle-paced.txt")
idle_direct=$(direct_p99 "$RUN_DIR/wrk-idle-direct.txt")
sleep 1
rss_idle=$(kb VmRSS $gw)
echo "bench: idle: RSS ${rss_idle} kB, short requests $idle" >&2

rm -f "$RUN_DIR/ready"
python3 "$here/stream_clients.py" --port "$GW_PORT" --key "$KEY" --streams "$STREAMS" --rate "$RATE" \
    --expect "$CHUNKS" --timeout $((CHUNKS * 2 + 60)) --ready-file "$RUN_DIR/ready" > "$RUN_DIR/clients.json" 2> "$RUN_DIR/clients.log" &
clients=$!
pids+=($clients)
t_ramp=$(date +%s.%N)
for _ in $(seq $((STREAMS / 50 + 600))); do [ -e "$RUN_DIR/ready" ] && break; kill -0 $clients 2>/dev/null || break; sleep 0.1; done
[ -e "$RUN_DIR/ready" ] || { echo "bench: the streams never were all open (see $RUN_DIR/clients.log)" >&2; wait $clients || true; cat "$RUN_DIR/clients.json" >&2; exit 1; }
ramp_s=$(python3 -c "import time; print(round(time.time() - $t_ramp, 1))")
threads_open=$(awk '/^Threads:/ {print $2}' /proc/$gw/status)
rss_open=$(kb VmRSS $gw)
# CPU per relayed event: the gateway's CPU over a window with only the streams running.
c0=$(cpu_ticks $gw); e0=$(curl -s "$SLOW/stats" | python3 -c 'import json,sys; print(json.load(sys.stdin)["chunks"])')
sleep 5
c1=$(cpu_ticks $gw); e1=$(curl -s "$SLOW/stats" | python3 -c 'import json,sys; print(json.load(sys.stdin)["chunks"])')
busy=$(short_p99 "$RUN_DIR/wrk-busy.txt")
busy_paced=$(paced_p99 "$RUN_DIR/wrk-busy-paced.txt")
busy_direct=$(direct_p99 "$RUN_DIR/wrk-busy-direct.txt")
still_open=$([ -e "$RUN_DIR/ready" ] && echo yes || echo no)
wait $clients
clients_json=$(cat "$RUN_DIR/clients.json")
rss_after=$(kb VmRSS $gw)
hwm=$(kb VmHWM $gw)
echo "bench: clients $clients_json" >&2

python3 - "$RUN_DIR/results.md" <<PY
import json, sys, datetime, subprocess, os
idle, busy, cl = json.loads('''$idle'''), json.loads('''$busy'''), json.loads('''$clients_json''')
idle_paced, busy_paced = json.loads('''$idle_paced'''), json.loads('''$busy_paced''')
idle_direct, busy_direct = json.loads('''$idle_direct'''), json.loads('''$busy_direct''')
paced_ratio = busy_paced["p99_us"] / idle_paced["p99_us"]
direct_ratio = busy_direct["p99_us"] / idle_direct["p99_us"]
added_idle = (idle_paced["p99_us"] - idle_direct["p99_us"]) / 1000
added_busy = (busy_paced["p99_us"] - busy_direct["p99_us"]) / 1000
streams = $STREAMS
cpu_us = ($c1 - $c0) * 1e6 / $HZ
events = $e1 - $e0
per_stream_kb = ($rss_open - $rss_idle) / streams
rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
ok = cl["completed"] == streams and not cl["errors"]
ratio = busy["p99_us"] / idle["p99_us"]
lines = [
 "## $SECTION",
 "",
 f"\`tests/bench/streams/run.sh\`, {datetime.datetime.utcnow():%Y-%m-%d %H:%M} UTC, commit {rev}, {os.cpu_count()} vCPU: "
 f"{streams:,} concurrent streaming requests through one gateway to a slow upstream "
 f"(\`tests/bench/streams/slow_upstream.py\`: $CHUNKS content events, one every ${INTERVAL} s), opened at $RATE per second "
 f"(all open after {$ramp_s} s){' (' + '$CAPPED' + ')' if '$CAPPED' else ''}, by an asyncio client that checks every stream to its \`[DONE]\`. "
 "Short requests: wrk, 16 connections, JSON, to the peers' fast mock through the same gateway, "
 f"${SHORT_SECONDS} s idle and ${SHORT_SECONDS} s with every stream open; then the same paced at $PACED_RPS requests/s "
 "(8 connections pausing between requests, \`tests/bench/streams/paced.lua\`).",
 "",
 "| figure | value | target |",
 "|---|---:|---|",
 f"| streams completed / errors | {cl['completed']:,} / {sum(cl['errors'].values())} {cl['errors'] if cl['errors'] else ''} | all, none: {'met' if ok else 'NOT met'} |",
 f"| RSS before the streams (after the {$SHORT_SECONDS} s short-request run; idle RSS: footprint section) | {$rss_idle/1024:.1f} MB | |",
 f"| RSS with {streams:,} streams open | {$rss_open/1024:.1f} MB | < 1 GiB: {'met' if $rss_open < 1024*1024 else 'NOT met'} |",
 f"| peak RSS (VmHWM) over the run | {$hwm/1024:.1f} MB | < 1 GiB: {'met' if $hwm < 1024*1024 else 'NOT met'} |",
 f"| memory per open stream | {per_stream_kb:.1f} kB | |",
 f"| gateway threads with every stream open | $threads_open | |",
 f"| CPU per relayed event (5 s window, streams only) | {cpu_us / max(events, 1):.1f} µs ({events:,} events, {cpu_us / 5e6 * 100:.0f}% of one core) | |",
 f"| time to first event p50 / p99 | {cl['ttfe_p50_ms']} / {cl['ttfe_p99_ms']} ms | |",
 f"| short requests idle: req/s, p50, p99 | {idle['rps']:,.0f}, {idle['p50_us']/1000:.3f} ms, {idle['p99_us']/1000:.3f} ms | |",
 f"| short requests, streams open: req/s, p50, p99 | {busy['rps']:,.0f}, {busy['p50_us']/1000:.3f} ms, {busy['p99_us']/1000:.3f} ms (errors {busy['errors']}, non-2xx {busy['non2xx']}; streams still all open at the end: $still_open) | |",
 f"| short-request p99, streams open / idle | {ratio:.2f}x | <= 2x: {'met' if ratio <= 2 else 'NOT met'} |",
 f"| paced short requests idle: req/s, p50, p99 | {idle_paced['rps']:,.0f}, {idle_paced['p50_us']/1000:.3f} ms, {idle_paced['p99_us']/1000:.3f} ms | |",
 f"| paced short requests, streams open: req/s, p50, p99 | {busy_paced['rps']:,.0f}, {busy_paced['p50_us']/1000:.3f} ms, {busy_paced['p99_us']/1000:.3f} ms (errors {busy_paced['errors']}, non-2xx {busy_paced['non2xx']}) | |",
 f"| paced short-request p99, streams open / idle | {paced_ratio:.2f}x | <= 2x: {'met' if paced_ratio <= 2 else 'NOT met'} |",
 f"| control, the same paced load straight to the mock: p99 idle, streams open | {idle_direct['p99_us']/1000:.3f} ms, {busy_direct['p99_us']/1000:.3f} ms ({direct_ratio:.2f}x; the gateway is not on this path) | |",
 f"| p99 the gateway adds (through it minus straight), idle, streams open | {added_idle:.3f} ms, {added_busy:.3f} ms | |",
 f"| RSS after the streams ended | {$rss_after/1024:.1f} MB | |",
 "",
]
open(sys.argv[1], "w").write("\n".join(lines))
print("\n".join(lines))
PY
results=$here/results.md
[ "$SECTION" = "Many open streams" ] || results=$here/results-$INTERVAL.md
cp "$RUN_DIR/results.md" "$results"
if [ "${WRITE_DOC:-1}" = 1 ]; then python3 "$ROOT/tests/bench/splice.py" "$results"; fi

#!/usr/bin/env bash
# Kernel cost per request of the bare gateway (the openai provider in front of the peers' JSON
# mock): system calls and context switches per request, counted by perf over a wrk run at
# CONNS connections (default 1 16). These count what the I/O model costs, whatever the machine
# does meanwhile, so they are the before/after figure for changes to the edge.
#
#   tests/bench/kernel/run.sh                 # DURATION=5 CONNS="1 16"
#   CONFIG=realistic tests/bench/kernel/run.sh   # or CONFIG=redis: the realistic config on a redis-server
set -euo pipefail
. "$(dirname "$0")/../common.sh"
bench_init kernel
DURATION=${DURATION:-5}
CONNS=${CONNS:-1 16}
CONFIG=${CONFIG:-bare}
GW_PORT=$(free_port)
. "$ROOT/tests/bench/variants.sh"
command -v perf > /dev/null || { echo "bench: perf not installed" >&2; exit 2; }

"$PEERS/mock.sh" start > /dev/null
headers=()
model=gpt-4o-mini
redis=""
if [ "$CONFIG" = redis ]; then
    redis_port=$(free_port)
    redis-server --bind 127.0.0.1 --port "$redis_port" --save '' --appendonly no > "$RUN_DIR/redis.log" 2>&1 &
    pids+=($!)
    for _ in $(seq 100); do redis-cli -p "$redis_port" ping > /dev/null 2>&1 && break; sleep 0.05; done
    redis=127.0.0.1:$redis_port
fi
if [ "$CONFIG" != bare ]; then
    realistic_gateway_yaml "http://127.0.0.1:$MOCK_PORT/v1" "http://127.0.0.1:9" $redis > "$RUN_DIR/gw.yaml"
    headers=(-H "Authorization: Bearer $BENCH_KEY" -H "x-tier: free")
    model=auto
else
    mock_gateway_yaml > "$RUN_DIR/gw.yaml"
fi
"$BIN" serve --config "$RUN_DIR/gw.yaml" --listen "127.0.0.1:$GW_PORT" --log-level warn 2> "$RUN_DIR/gw.log" &
gw=$!
pids+=("$gw")
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$GW_PORT/readyz" > /dev/null 2>&1 && break; sleep 0.1; done

printf '| config | conns | req/s | syscalls/req | context switches/req | CPU µs/req |\n|---|---:|---:|---:|---:|---:|\n'
for c in $CONNS; do
    WRK_MODEL=$model wrk -t1 -c"$c" -d2s -s "$PEERS/wrk/chat.lua" "${headers[@]}" \
        "http://127.0.0.1:$GW_PORT/v1/chat/completions" > /dev/null  # warm-up
    t0=$(cpu_ticks "$gw")
    perf stat -x, -e raw_syscalls:sys_enter,context-switches -p "$gw" -o "$RUN_DIR/perf-$c.csv" &
    perf_pid=$!
    sleep 0.2
    WRK_MODEL=$model wrk -t1 -c"$c" -d"${DURATION}s" -s "$PEERS/wrk/chat.lua" "${headers[@]}" \
        "http://127.0.0.1:$GW_PORT/v1/chat/completions" > "$RUN_DIR/wrk-$c.txt"
    kill -INT "$perf_pid"; wait "$perf_pid" 2>/dev/null || true
    t1=$(cpu_ticks "$gw")
    reqs=$(awk '/requests in/ {print $1}' "$RUN_DIR/wrk-$c.txt")
    rps=$(awk '/Requests\/sec/ {print $2}' "$RUN_DIR/wrk-$c.txt")
    sys=$(awk -F, '/raw_syscalls/ {print $1}' "$RUN_DIR/perf-$c.csv")
    cs=$(awk -F, '/context-switches/ {print $1}' "$RUN_DIR/perf-$c.csv")
    hz=$(getconf CLK_TCK)
    python3 - "$CONFIG" "$c" "$rps" "$reqs" "$sys" "$cs" "$((t1 - t0))" "$hz" <<'PY'
import sys
cfg, c, rps, reqs, sys_, cs, ticks, hz = sys.argv[1:]
n = int(reqs)
print(f"| {cfg} | {c} | {float(rps):,.0f} | {int(sys_) / n:.1f} | {int(cs) / n:.2f} | {int(ticks) / int(hz) * 1e6 / n:.1f} |")
PY
done

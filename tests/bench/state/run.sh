#!/usr/bin/env bash
# Cost of budgets and rate limits per request, written to state/results.md (which
# docs/performance.md includes):
#  1. build/tests/bench/state_bench: latency of the admit and settle store calls on the
#     in-process store and on a local redis-server (one round trip each).
#  2. The gateway in front of the peers' fast mock (wrk, JSON, CONNS connections) with limits
#     off (anonymous), on the in-process store, and on Redis, for the throughput cost.
#   tests/bench/state/run.sh                  # DURATION=10 per point
#   DURATION=5 CONNS="16" tests/bench/state/run.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$here/../../.." && pwd)
PEERS=${PEERS:-$ROOT/../shared/bench/peers}
[ -x "$PEERS/run-all.sh" ] || { echo "bench: peers harness not found at $PEERS" >&2; exit 2; }
cmake --build "$ROOT/build" > /dev/null
cmake --build "$ROOT/build" --target state_bench > /dev/null
BIN=$ROOT/build/bin/switchyard
export RUN_DIR=${RUN_DIR:-/tmp/sy-bench-state}
export DURATION=${DURATION:-10} WARMUP=${WARMUP:-2}
GW_PORT=${GW_PORT:-18092}
MOCK_PORT=${MOCK_PORT:-18081}
mkdir -p "$RUN_DIR"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
REDIS_PORT=$(free_port)
redis_pid="" gw_pid=""
cleanup() {
    [ -n "$gw_pid" ] && kill "$gw_pid" 2>/dev/null && wait "$gw_pid" 2>/dev/null || true
    [ -n "$redis_pid" ] && kill "$redis_pid" 2>/dev/null && wait "$redis_pid" 2>/dev/null || true
}
trap cleanup EXIT INT TERM
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --dir "$RUN_DIR" \
    > "$RUN_DIR/redis.log" 2>&1 &
redis_pid=$!
for _ in $(seq 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done

echo "bench: store calls" >&2
calls=$("$ROOT/build/tests/bench/state_bench" 20000 "$REDIS_PORT")
script_us=$(redis-cli -p "$REDIS_PORT" info commandstats | sed -n 's/^cmdstat_evalsha:.*usec_per_call=\([0-9.]*\).*/\1/p')

. "$ROOT/tests/bench/variants.sh"
config() {  # config STATE_YAML AUTH_YAML
    mock_gateway_yaml
    printf '%s\n%s\n' "$1" "$2"
}
limits="teams: [{name: bench, limits: {budget_usd: 1000000, rpm: 100000000}}]
auth: {keys: [{key: sk-mock, id: bench, team: bench, limits: {budget_usd: 1000000, rpm: 100000000, tpm: 1000000000, max_concurrent: 10000}}]}"
config "" "" > "$RUN_DIR/off.yaml"
config "state: {backend: memory}" "$limits" > "$RUN_DIR/memory.yaml"
config "state: {redis: {address: \"127.0.0.1:$REDIS_PORT\", pool_size: 128}}" "$limits" > "$RUN_DIR/redis.yaml"

out=$RUN_DIR/load
export CONNS=${CONNS:-16 64}
measure_variants "$out" "switchyard limits=" off memory redis

{
    echo "## Budgets and rate limits"
    echo
    echo "\`tests/bench/state/run.sh\`, $(date -u '+%Y-%m-%d %H:%M') UTC, on $(nproc) cores."
    echo
    echo "### Store calls per request"
    echo
    echo "\`state_bench\`: each request is one admit (key and team levels: budget, rpm, tpm, concurrency"
    echo "reserved in one script) and one settle, all threads in the same team (one Redis hash slot, the"
    echo "contended case); Redis is a local \`redis-server\` over loopback TCP. Target (state issue): p99"
    echo "under 0.5 ms per phase against a local Redis."
    echo
    echo "$calls"
    echo
    echo "Redis itself spent ${script_us} µs per script call (\`INFO commandstats\`, admit and settle"
    echo "mixed); the rest of a round trip is loopback TCP and scheduling, on 2 cores shared by the"
    echo "benchmark threads and \`redis-server\`."
    echo
    echo "### Gateway throughput with limits off and on"
    echo
    echo "wrk through the gateway to the peers' fast mock (JSON), the key \`sk-mock\` with a budget,"
    echo "rpm, tpm and concurrency limit at the key and team levels (\`off\`: no key, nothing checked)."
    echo "Gateway, wrk, the mock and \`redis-server\` share the 2 cores, so with Redis the store's own CPU"
    echo "(two script calls per request) comes out of the gateway's throughput; settlements are sent"
    echo "in pipelined batches by a background thread."
    echo
    python3 - "$out/results.tsv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
print("| variant | conns | req/s | p50 ms | p99 ms | CPU µs/req | non-2xx |")
print("|---|---:|---:|---:|---:|---:|---:|")
for r in rows:
    print(f"| {r['target'].split('=')[-1]} | {r['conns']} | {float(r['rps']):,.0f} | {float(r['p50_us'])/1000:.3f} | "
          f"{float(r['p99_us'])/1000:.3f} | {float(r['gw_cpu_us_per_req']):.1f} | {r['non2xx']} |")
PY
} > "$here/results.md"
cat "$here/results.md"

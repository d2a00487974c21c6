#!/usr/bin/env bash
# Gateway overhead benchmark (#11), in one invocation: the fast nginx mock upstream and wrk set-up
# from ../shared/bench/peers measure, JSON and streaming, at CONNS (default 1 16 64) connections:
#   direct                 the mock itself
#   nginx-proxy            nginx as a plain proxy (the practical limit)
#   switchyard             the openai provider in front of the mock, nothing else configured
#   switchyard-realistic   the realistic config: a 30-line Lua policy, the mf router on `auto`,
#                          a key with budget, rpm and tpm plus per-user rpm on the in-process
#                          store, metrics, request traces, OpenTelemetry tracing at 1%
#   switchyard-redis       the same with its state on a redis-server (REDIS_RUN=0 skips it)
#   portkey                the Portkey gateway, when installed (../shared/bench/peers/install-peers.sh)
# then the pinned single-core run at 1 connection (direct, nginx, switchyard, realistic).
# Prints the tables and writes them to docs/performance.md (WRITE_DOC=0 to skip).
#
#   tests/bench/run.sh                       # full run (~15 min)
#   DURATION=5 WARMUP=1 tests/bench/run.sh   # quicker
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PEERS=${PEERS:-$ROOT/../shared/bench/peers}
[ -x "$PEERS/run-all.sh" ] || { echo "bench: peers harness not found at $PEERS" >&2; exit 2; }
BIN=${BIN:-$ROOT/build/bin/switchyard}
[ -d "$ROOT/build" ] || { echo "bench: build first (deploy/setup.sh)" >&2; exit 2; }
cmake --build "$ROOT/build" > /dev/null  # never measure a stale binary

export RUN_DIR=${RUN_DIR:-/tmp/sy-bench-run}
export DURATION=${DURATION:-15} WARMUP=${WARMUP:-3}
GW_PORT=${GW_PORT:-18090}
export MOCK_PORT=${MOCK_PORT:-18081} MOCK_SSE_PORT=${MOCK_SSE_PORT:-18083}
PEERS_DIR=${PEERS_DIR:-/tmp/peers}
mkdir -p "$RUN_DIR"
. "$ROOT/tests/bench/variants.sh"

gw_pid="" collector_pid="" redis_pid=""
stop_gateway() {
    if [ -n "$gw_pid" ] && kill -0 "$gw_pid" 2>/dev/null; then
        kill -TERM "$gw_pid"; wait "$gw_pid" 2>/dev/null || true
    fi
    gw_pid=""
}
stop_all() {
    stop_gateway
    [ -n "$collector_pid" ] && kill "$collector_pid" 2>/dev/null
    [ -n "$redis_pid" ] && kill "$redis_pid" 2>/dev/null
    true
}
trap stop_all EXIT INT TERM

. "$ROOT/tests/bench/common.sh"  # free_port

# The OTLP receiver of the fake upstream takes the 1% of spans.
rm -f "$RUN_DIR/collector.port"
python3 "$ROOT/tests/fakes/fake_openai.py" --port 0 --port-file "$RUN_DIR/collector.port" > "$RUN_DIR/collector.log" 2>&1 &
collector_pid=$!
for _ in $(seq 100); do [ -s "$RUN_DIR/collector.port" ] && break; sleep 0.05; done
COLLECTOR=http://127.0.0.1:$(cat "$RUN_DIR/collector.port")

REDIS_ADDR=""
if [ "${REDIS_RUN:-1}" = 1 ]; then
    redis_port=$(free_port)
    redis-server --bind 127.0.0.1 --port "$redis_port" --save '' --appendonly no --daemonize no \
        > "$RUN_DIR/redis.log" 2>&1 &
    redis_pid=$!
    for _ in $(seq 100); do redis-cli -p "$redis_port" ping > /dev/null 2>&1 && break; sleep 0.05; done
    REDIS_ADDR=127.0.0.1:$redis_port
fi

JSON_BASE=http://127.0.0.1:$MOCK_PORT/v1
SSE_BASE=http://127.0.0.1:$MOCK_PORT/sse/v1
cat > "$RUN_DIR/switchyard.yaml" <<YAML
server:
  max_threads: 128
plugins:
  search_paths: ["$ROOT/build/lib/switchyard/plugins"]
providers:
  - name: mock-json
    plugin: openai
    base_url: $JSON_BASE
    max_connections: 128
  - name: mock-sse
    plugin: openai
    base_url: $SSE_BASE
    max_connections: 128
models:
  - name: gpt-4o-mini
    deployments: [{provider: mock-json}]
  - name: bench-sse
    deployments: [{provider: mock-sse}]
YAML
realistic_gateway_yaml "$JSON_BASE" "$COLLECTOR" > "$RUN_DIR/realistic-json.yaml"
realistic_gateway_yaml "$SSE_BASE" "$COLLECTOR" > "$RUN_DIR/realistic-stream.yaml"
if [ -n "$REDIS_ADDR" ]; then
    realistic_gateway_yaml "$JSON_BASE" "$COLLECTOR" "$REDIS_ADDR" > "$RUN_DIR/redis-json.yaml"
    realistic_gateway_yaml "$SSE_BASE" "$COLLECTOR" "$REDIS_ADDR" > "$RUN_DIR/redis-stream.yaml"
fi

start_gateway() {  # start_gateway CPUS CONFIG
    local cpus=$1 config=$2 cmd=("$BIN" serve --config "$2" --listen "127.0.0.1:$GW_PORT" --log-level warn)
    [ -n "$cpus" ] && cmd=(taskset -c "$cpus" "${cmd[@]}")
    "${cmd[@]}" 2> "$RUN_DIR/switchyard.log" &
    gw_pid=$!
    for _ in $(seq 100); do
        curl -sf "http://127.0.0.1:$GW_PORT/readyz" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    echo "bench: gateway did not start with $config (see $RUN_DIR/switchyard.log)" >&2; exit 1
}

measure_gateway() {  # measure_gateway NAME CPUS MODE CONFIG MODEL [HEADERS]
    local name=$1 cpus=$2 mode=$3 config=$4 model=$5 headers=${6:-}
    start_gateway "$cpus" "$config"
    KEEP_RESULTS=1 MODES=$mode WRK_MODEL=$model CUSTOM_NAME=$name CUSTOM_PID=$gw_pid \
        CUSTOM_URL=http://127.0.0.1:$GW_PORT/v1/chat/completions CUSTOM_HEADERS=$headers \
        "$PEERS/run-all.sh" custom > /dev/null
    stop_gateway
}

REALISTIC_HEADERS="Authorization: Bearer $BENCH_KEY|x-tier: free"
run_set() {  # run_set OUT_DIR CPUS CONNS WITH_PEERS(0/1)
    local out=$1 cpus=$2 peers=$4
    export OUT_DIR=$out CONNS=$3 LOADGEN_CPUS=$cpus MOCK_CPUS=$cpus GATEWAY_CPUS=$cpus
    rm -rf "$out"; mkdir -p "$out"
    "$PEERS/run-all.sh" direct nginx > /dev/null
    measure_gateway switchyard "$cpus" json "$RUN_DIR/switchyard.yaml" gpt-4o-mini
    measure_gateway switchyard "$cpus" stream "$RUN_DIR/switchyard.yaml" bench-sse
    local mode
    for mode in json stream; do
        measure_gateway switchyard-realistic "$cpus" $mode "$RUN_DIR/realistic-$mode.yaml" auto "$REALISTIC_HEADERS"
    done
    [ "$peers" = 1 ] || return 0
    if [ -n "$REDIS_ADDR" ]; then
        for mode in json stream; do
            measure_gateway switchyard-redis "$cpus" $mode "$RUN_DIR/redis-$mode.yaml" auto "$REALISTIC_HEADERS"
        done
    fi
    if [ -f "$PEERS_DIR/node_modules/@portkey-ai/gateway/build/start-server.js" ] && [ "${PORTKEY_RUN:-1}" = 1 ]; then
        KEEP_RESULTS=1 PEERS_DIR=$PEERS_DIR "$PEERS/run-all.sh" portkey > /dev/null
    else
        echo "bench: Portkey not installed ($PEERS/install-peers.sh): skipped" >&2
    fi
}

echo "bench: load run (CONNS=${CONNS:-1 16 64}, ${DURATION}s each)" >&2
run_set "$RUN_DIR/load" "" "${CONNS:-1 16 64}" 1
echo "bench: pinned single-core run (c=1)" >&2
run_set "$RUN_DIR/pinned" 0 1 0

python3 "$ROOT/tests/bench/summarize.py" "$RUN_DIR/load/results.tsv" "$RUN_DIR/pinned/results.tsv" \
    > "$RUN_DIR/summary.md"
cat "$RUN_DIR/summary.md"
if [ "${WRITE_DOC:-1}" = 1 ]; then
    python3 "$ROOT/tests/bench/summarize.py" --doc "$RUN_DIR/load/results.tsv" "$RUN_DIR/pinned/results.tsv" \
        > "$RUN_DIR/gateway.md"
    python3 "$ROOT/tests/bench/splice.py" "$RUN_DIR/gateway.md"
    echo "bench: wrote docs/performance.md" >&2
fi

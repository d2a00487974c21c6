#!/usr/bin/env bash
# Gateway overhead benchmark, in one invocation: the fast nginx mock upstream and wrk set-up from
# ../shared/bench/peers measure (a) the mock directly, (b) nginx as a plain proxy and
# (c) Switchyard (openai provider in front of the same mock), JSON and streaming, plus
# (c') Switchyard with the realistic Lua policy (JSON; POLICY_RUN=0 skips it), at CONNS
# (default 1 16 64) connections; then the pinned single-core run at 1 connection.
# Prints the tables and writes them to docs/performance.md (WRITE_DOC=0 to skip).
#
#   tests/bench/run.sh                       # full run (~6 min)
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
MOCK_PORT=${MOCK_PORT:-18081}
mkdir -p "$RUN_DIR"

gw_pid=""
stop_gateway() {
    if [ -n "$gw_pid" ] && kill -0 "$gw_pid" 2>/dev/null; then
        kill -TERM "$gw_pid"; wait "$gw_pid" 2>/dev/null || true
    fi
    gw_pid=""
}
trap stop_gateway EXIT INT TERM

cat > "$RUN_DIR/switchyard-bench.yaml" <<YAML
server:
  max_threads: 128
plugins:
  search_paths: ["$ROOT/build/lib/switchyard/plugins"]
providers:
  - name: mock-json
    plugin: openai
    base_url: http://127.0.0.1:$MOCK_PORT/v1
    max_connections: 128
  - name: mock-sse
    plugin: openai
    base_url: http://127.0.0.1:$MOCK_PORT/sse/v1
    max_connections: 128
models:
  - name: gpt-4o-mini
    deployments: [{provider: mock-json}]
  - name: bench-sse
    deployments: [{provider: mock-sse}]
YAML

# The same config plus the realistic 30-line Lua policy (it has no opinion on these requests,
# so the answer path is unchanged and the difference is the policy's cost).
{ cat "$RUN_DIR/switchyard-bench.yaml"; printf 'policies:\n  - file: %s\n' "$ROOT/tests/bench/policy/realistic.lua"; } \
    > "$RUN_DIR/switchyard-bench-policy.yaml"

start_gateway() {  # start_gateway CPUS [CONFIG]
    local cpus=$1 config=${2:-$RUN_DIR/switchyard-bench.yaml}
    if [ -n "$cpus" ]; then
        taskset -c "$cpus" "$BIN" serve --config "$config" --listen 127.0.0.1:$GW_PORT \
            --log-level warn 2> "$RUN_DIR/switchyard.log" &
    else
        "$BIN" serve --config "$config" --listen 127.0.0.1:$GW_PORT --log-level warn 2> "$RUN_DIR/switchyard.log" &
    fi
    gw_pid=$!
    for _ in $(seq 100); do
        curl -sf "http://127.0.0.1:$GW_PORT/readyz" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    echo "bench: gateway did not start (see $RUN_DIR/switchyard.log)" >&2; exit 1
}

run_set() {  # run_set OUT_DIR CPUS CONNS -> direct, nginx, switchyard json + stream
    local out=$1 cpus=$2
    export OUT_DIR=$out CONNS=$3 LOADGEN_CPUS=$cpus MOCK_CPUS=$cpus GATEWAY_CPUS=$cpus
    rm -rf "$out"; mkdir -p "$out"
    "$PEERS/run-all.sh" direct nginx > /dev/null
    start_gateway "$cpus"
    local url=http://127.0.0.1:$GW_PORT/v1/chat/completions
    KEEP_RESULTS=1 MODES=json CUSTOM_NAME=switchyard CUSTOM_PID=$gw_pid CUSTOM_URL=$url \
        "$PEERS/run-all.sh" custom > /dev/null
    KEEP_RESULTS=1 MODES=stream WRK_MODEL=bench-sse CUSTOM_NAME=switchyard CUSTOM_PID=$gw_pid CUSTOM_URL=$url \
        "$PEERS/run-all.sh" custom > /dev/null
    stop_gateway
    if [ "${POLICY_RUN:-1}" = 1 ]; then
        start_gateway "$cpus" "$RUN_DIR/switchyard-bench-policy.yaml"
        KEEP_RESULTS=1 MODES=json CUSTOM_NAME=switchyard+policy CUSTOM_PID=$gw_pid CUSTOM_URL=$url \
            "$PEERS/run-all.sh" custom > /dev/null
        stop_gateway
    fi
}

echo "bench: load run (CONNS=${CONNS:-1 16 64}, ${DURATION}s each)" >&2
run_set "$RUN_DIR/load" "" "${CONNS:-1 16 64}"
echo "bench: pinned single-core run (c=1)" >&2
run_set "$RUN_DIR/pinned" 0 1

python3 "$ROOT/tests/bench/summarize.py" "$RUN_DIR/load/results.tsv" "$RUN_DIR/pinned/results.tsv" \
    > "$RUN_DIR/summary.md"
cat "$RUN_DIR/summary.md"
if [ "${WRITE_DOC:-1}" = 1 ]; then
    python3 "$ROOT/tests/bench/summarize.py" --doc "$RUN_DIR/load/results.tsv" "$RUN_DIR/pinned/results.tsv" \
        > "$ROOT/docs/performance.md"
    echo "bench: wrote docs/performance.md" >&2
fi

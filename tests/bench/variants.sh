# Shared by state/run.sh and observability/run.sh (sourced): the start of a gateway config in
# front of the peers' fast JSON mock, and one wrk measurement per config variant.
# Needs ROOT, PEERS, BIN, RUN_DIR, GW_PORT, MOCK_PORT; sets gw_pid while a gateway runs.

# The server and plugin sections every benchmark config starts with.
gateway_yaml_head() {
    cat <<YAML
server:
  max_threads: 128
plugins:
  search_paths: ["$ROOT/build/lib/switchyard/plugins"]
YAML
}

# The server, plugins, the mock provider and one priced model; callers append their sections.
mock_gateway_yaml() {
    gateway_yaml_head
    cat <<YAML
providers:
  - name: mock-json
    plugin: openai
    base_url: http://127.0.0.1:$MOCK_PORT/v1
    max_connections: 128
models:
  - name: gpt-4o-mini
    input_price_per_mtok: 0.15
    output_price_per_mtok: 0.6
    deployments: [{provider: mock-json}]
YAML
}

# measure_variants OUT_DIR PREFIX VARIANT...: serves $RUN_DIR/<variant>.yaml and runs the peers'
# wrk (JSON, CONNS connections) against it; rows go to OUT_DIR/results.tsv as "<PREFIX><variant>".
gw_pid=""
measure_variants() {
    local out=$1 prefix=$2
    shift 2
    rm -rf "$out"; mkdir -p "$out"
    for variant in "$@"; do
        echo "bench: gateway, $prefix$variant" >&2
        "$BIN" serve --config "$RUN_DIR/$variant.yaml" --listen 127.0.0.1:$GW_PORT --log-level warn \
            2> "$RUN_DIR/$variant.log" &
        gw_pid=$!
        for _ in $(seq 100); do curl -sf "http://127.0.0.1:$GW_PORT/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
        OUT_DIR=$out KEEP_RESULTS=1 MODES=json CUSTOM_NAME="$prefix$variant" CUSTOM_PID=$gw_pid \
            CUSTOM_URL=http://127.0.0.1:$GW_PORT/v1/chat/completions "$PEERS/run-all.sh" custom > /dev/null
        if [ "$(type -t after_variant)" = function ]; then after_variant "$variant"; fi  # e.g. scrape /metrics
        kill "$gw_pid"; wait "$gw_pid" 2>/dev/null || true; gw_pid=""
    done
}

# The realistic config of the gateway benchmark (#11): the 30-line policy, the mf router on
# `auto`, a client key with a budget, rpm and tpm plus a per-user rpm, metrics (always on),
# request traces and OpenTelemetry tracing at 1% to COLLECTOR. Every model is the mock at
# BASE_URL (its JSON or its SSE path). With REDIS (HOST:PORT) the state lives there.
# realistic_gateway_yaml BASE_URL COLLECTOR [REDIS]
BENCH_KEY=sk-bench-realistic-0123456789
realistic_gateway_yaml() {
    local base=$1 collector=$2 redis=${3:-}
    gateway_yaml_head
    cat <<YAML
providers:
  - name: mock
    plugin: openai
    base_url: $base
    max_connections: 128
models:
YAML
    local m
    for m in strong:10:30 flagship:2.5:10 coder:1:3 weak:0.6:0.6 small:0.15:0.6 local-llm:0:0; do
        IFS=: read -r name in out <<<"$m"
        if [ "$name" = local-llm ]; then
            echo "  - {name: $name, deployments: [{provider: mock, local: true}]}"
        else
            echo "  - {name: $name, input_price_per_mtok: $in, output_price_per_mtok: $out, deployments: [{provider: mock}]}"
        fi
    done
    cat <<YAML
routers:
  - name: mf
    plugin: mf
    candidates: [strong, weak]
    threshold: 0.5
    config:
      weights: $ROOT/plugins/routers/mf/weights/mmlu-mixtral-gpt4.syrw
      models: {strong: gpt-4-1106-preview, weak: mixtral-8x7b-instruct}
routing:
  default_router: mf
auth:
  required: true
  keys:
    - key: $BENCH_KEY
      id: bench
      tier: standard
      limits: {budget_usd: 1000000, period: monthly, rpm: 100000000, tpm: 100000000000}
      user_limits: {rpm: 100000000}
policies:
  - file: $ROOT/tests/bench/policy/realistic.lua
telemetry:
  request_traces: 1000
  tracing: {endpoint: "$collector", sample_ratio: 0.01}
YAML
    if [ -n "$redis" ]; then
        echo "state: {backend: redis, redis: {address: \"$redis\"}}"
    fi
}

# start_otlp_collector: the fake upstream's OTLP receiver, for the realistic config's sampled
# spans. Adds its PID to the caller's `pids` (which its trap stops) and sets COLLECTOR to its URL.
start_otlp_collector() {
    rm -f "$RUN_DIR/collector.port"
    python3 "$ROOT/tests/fakes/fake_openai.py" --port 0 --port-file "$RUN_DIR/collector.port" \
        > "$RUN_DIR/collector.log" 2>&1 &
    pids+=($!)
    for _ in $(seq 100); do [ -s "$RUN_DIR/collector.port" ] && break; sleep 0.05; done
    COLLECTOR=http://127.0.0.1:$(cat "$RUN_DIR/collector.port")
}

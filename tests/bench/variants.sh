# Shared by state/run.sh and observability/run.sh (sourced): the start of a gateway config in
# front of the peers' fast JSON mock, and one wrk measurement per config variant.
# Needs ROOT, PEERS, BIN, RUN_DIR, GW_PORT, MOCK_PORT; sets gw_pid while a gateway runs.

# The server, plugins, the mock provider and one priced model; callers append their sections.
mock_gateway_yaml() {
    cat <<YAML
server:
  max_threads: 128
plugins:
  search_paths: ["$ROOT/build/lib/switchyard/plugins"]
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

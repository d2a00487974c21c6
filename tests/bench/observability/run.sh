#!/usr/bin/env bash
# Cost of observability per request, written to observability/results.md (which
# docs/performance.md includes): the gateway in front of the peers' fast mock (wrk, JSON,
# CONNS connections) with request traces and the access log off, traces on (the default),
# traces plus the access log to a file, and OpenTelemetry tracing to a collector (the fake
# upstream's OTLP receiver) at 1% and 100% sampling. Metrics are always on.
#   tests/bench/observability/run.sh              # DURATION=10 per point
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$here/../../.." && pwd)
PEERS=${PEERS:-$ROOT/../shared/bench/peers}
[ -x "$PEERS/run-all.sh" ] || { echo "bench: peers harness not found at $PEERS" >&2; exit 2; }
cmake --build "$ROOT/build" > /dev/null
BIN=$ROOT/build/bin/switchyard
export RUN_DIR=${RUN_DIR:-/tmp/sy-bench-observability}
export DURATION=${DURATION:-10} WARMUP=${WARMUP:-2}
GW_PORT=${GW_PORT:-18094}
MOCK_PORT=${MOCK_PORT:-18081}
mkdir -p "$RUN_DIR"
. "$ROOT/tests/bench/variants.sh"
collector_pid=""
trap '[ -n "$gw_pid" ] && kill "$gw_pid" 2>/dev/null; [ -n "$collector_pid" ] && kill "$collector_pid"; true' EXIT INT TERM
rm -f "$RUN_DIR/collector.port"
python3 "$ROOT/tests/fakes/fake_openai.py" --port 0 --port-file "$RUN_DIR/collector.port" > "$RUN_DIR/collector.log" 2>&1 &
collector_pid=$!
for _ in $(seq 100); do [ -s "$RUN_DIR/collector.port" ] && break; sleep 0.05; done
COLLECTOR=http://127.0.0.1:$(cat "$RUN_DIR/collector.port")

{ mock_gateway_yaml; echo "telemetry: {request_traces: 0}"; } > "$RUN_DIR/off.yaml"
{ mock_gateway_yaml; echo "telemetry: {request_traces: 1000}"; } > "$RUN_DIR/traces.yaml"
{ mock_gateway_yaml; echo "telemetry: {request_traces: 1000, access_log: {path: \"$RUN_DIR/access.log\"}}"; } \
    > "$RUN_DIR/traces+log.yaml"

for pct in 1 100; do
    { mock_gateway_yaml
      echo "telemetry: {request_traces: 1000, tracing: {endpoint: \"$COLLECTOR\", sample_ratio: $(python3 -c "print($pct/100)")}}"
    } > "$RUN_DIR/traces+otel$pct%.yaml"
done

# What became of each variant's spans (exported, dropped because the queue was full, ...).
after_variant() {
    sleep 1.5  # the last batch goes out
    curl -s "http://127.0.0.1:$GW_PORT/metrics" | grep '^switchyard_trace_spans_total' | sed "s/^/$1 /" \
        >> "$RUN_DIR/spans.txt" || true
}
rm -f "$RUN_DIR/spans.txt"

out=$RUN_DIR/load
rm -f "$RUN_DIR/access.log"
export CONNS=${CONNS:-16}
# Two rounds, the second in reverse order: on this machine a variant's figures drift with its
# place in the sequence, so each variant's CPU is the mean of an early and a late run.
variants=(off traces traces+log traces+otel1% traces+otel100%)
measure_variants "$out" "switchyard " "${variants[@]}"
reversed=()
for ((i=${#variants[@]}-1; i>=0; i--)); do reversed+=("${variants[$i]}"); done
measure_variants "$out-2" "switchyard " "${reversed[@]}"
lines=$(wc -l < "$RUN_DIR/access.log")
spans=$(curl -s "$COLLECTOR/_stats" | python3 -c 'import json,sys; print(json.load(sys.stdin)["spans_received"])')

{
    echo "## Observability cost"
    echo
    echo "\`tests/bench/observability/run.sh\`, $(date -u '+%Y-%m-%d %H:%M') UTC, on $(nproc) cores: wrk through the"
    echo "gateway to the peers' fast mock (JSON, no key, no policy). \`off\`: metrics only; \`traces\`: plus the"
    echo "in-memory routing trace of each request (the default, 1,000 kept); \`traces+log\`: plus the access"
    echo "log to a file ($lines lines written); \`traces+otel1%\` and \`traces+otel100%\`: the default plus"
    echo "OpenTelemetry tracing of 1% or every request to an OTLP/HTTP receiver on loopback ($spans spans"
    echo "received in all). Each variant ran twice, once early and once late in the sequence; the"
    echo "figures are the means. Target (observability issue): under 10 µs per request."
    echo
    echo "Spans by outcome (\`switchyard_trace_spans_total\`):"
    echo
    sed 's/^/    /' "$RUN_DIR/spans.txt"
    echo
    python3 - "$out/results.tsv" "$out-2/results.tsv" <<'PY'
import csv, sys
runs = [list(csv.DictReader(open(f), delimiter="\t")) for f in sys.argv[1:]]
order = [r["target"] for r in runs[0]]
def mean(target, key):
    vals = [float(r[key]) for rows in runs for r in rows if r["target"] == target]
    return sum(vals) / len(vals)
base = mean(order[0], "gw_cpu_us_per_req")
print("| variant | conns | req/s | p50 ms | p99 ms | CPU µs/req (run 1, run 2) | added CPU µs/req |")
print("|---|---:|---:|---:|---:|---:|---:|")
for t in order:
    cpus = [float(r["gw_cpu_us_per_req"]) for rows in runs for r in rows if r["target"] == t]
    cpu = sum(cpus) / len(cpus)
    conns = next(r["conns"] for r in runs[0] if r["target"] == t)
    print(f"| {t.split(' ', 1)[1]} | {conns} | {mean(t, 'rps'):,.0f} | {mean(t, 'p50_us')/1000:.3f} | "
          f"{mean(t, 'p99_us')/1000:.3f} | {cpu:.1f} ({cpus[0]:.1f}, {cpus[1]:.1f}) | {cpu - base:+.1f} |")
PY
} > "$here/results.md"
python3 "$ROOT/tests/bench/splice.py" "$here/results.md"
cat "$here/results.md"

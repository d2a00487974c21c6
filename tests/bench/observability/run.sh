#!/usr/bin/env bash
# Cost of observability per request, written to observability/results.md (which
# docs/performance.md includes): the gateway in front of the peers' fast mock (wrk, JSON,
# CONNS connections) with request traces and the access log off, traces on (the default), and
# traces plus the access log to a file. Metrics are always on.
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
trap '[ -n "$gw_pid" ] && kill "$gw_pid" 2>/dev/null; true' EXIT INT TERM

{ mock_gateway_yaml; echo "telemetry: {request_traces: 0}"; } > "$RUN_DIR/off.yaml"
{ mock_gateway_yaml; echo "telemetry: {request_traces: 1000}"; } > "$RUN_DIR/traces.yaml"
{ mock_gateway_yaml; echo "telemetry: {request_traces: 1000, access_log: {path: \"$RUN_DIR/access.log\"}}"; } \
    > "$RUN_DIR/traces+log.yaml"

out=$RUN_DIR/load
rm -f "$RUN_DIR/access.log"
export CONNS=${CONNS:-16}
measure_variants "$out" "switchyard " off traces traces+log
lines=$(wc -l < "$RUN_DIR/access.log")

{
    echo "## Observability cost"
    echo
    echo "\`tests/bench/observability/run.sh\`, $(date -u '+%Y-%m-%d %H:%M') UTC, on $(nproc) cores: wrk through the"
    echo "gateway to the peers' fast mock (JSON, no key, no policy). \`off\`: metrics only; \`traces\`: plus the"
    echo "in-memory routing trace of each request (the default, 1,000 kept); \`traces+log\`: plus the access"
    echo "log to a file ($lines lines written). Target (observability issue): under 10 µs per request."
    echo
    python3 - "$out/results.tsv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
base = {r["conns"]: float(r["gw_cpu_us_per_req"]) for r in rows if r["target"].endswith(" off")}
print("| variant | conns | req/s | p50 ms | p99 ms | CPU µs/req | added CPU µs/req |")
print("|---|---:|---:|---:|---:|---:|---:|")
for r in rows:
    cpu = float(r["gw_cpu_us_per_req"])
    added = cpu - base.get(r["conns"], cpu)
    print(f"| {r['target'].split(' ', 1)[1]} | {r['conns']} | {float(r['rps']):,.0f} | {float(r['p50_us'])/1000:.3f} | "
          f"{float(r['p99_us'])/1000:.3f} | {cpu:.1f} | {added:+.1f} |")
PY
} > "$here/results.md"
cat "$here/results.md"

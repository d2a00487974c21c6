#!/usr/bin/env bash
# Reliability under load: three deployments of one model behind the gateway, first all healthy,
# then with one answering 500 to half its requests (outlier detection and retries on). Writes
# reliability/results.md and puts it into docs/performance.md.
#   tests/bench/reliability/run.sh [REQUESTS] [CONCURRENCY]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
n=${1:-3000}
c=${2:-8}
cmake --build "$root/build" --target switchyard plugin_openai > /dev/null
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
start_fake() {  # name, extra args
    python3 "$root/tests/fakes/fake_openai.py" --port 0 --port-file "$work/$1.port" ${2:-} > "$work/$1.log" 2>&1 &
    pids+=($!)
    for _ in $(seq 100); do [ -s "$work/$1.port" ] && break; sleep 0.05; done
}
run_case() {  # label, error-rate of the third deployment
    start_fake "a-$2"
    start_fake "b-$2"
    start_fake "c-$2" "--error-rate $2"
    local gw
    gw=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    cat > "$work/gw-$2.yaml" <<YAML
plugins: {search_paths: ["$root/build/lib/switchyard/plugins"]}
providers:
  - {name: a, plugin: openai, base_url: "http://127.0.0.1:$(cat "$work/a-$2.port")/v1"}
  - {name: b, plugin: openai, base_url: "http://127.0.0.1:$(cat "$work/b-$2.port")/v1"}
  - {name: c, plugin: openai, base_url: "http://127.0.0.1:$(cat "$work/c-$2.port")/v1"}
models:
  - {name: m, deployments: [{provider: a, model: x}, {provider: b, model: x}, {provider: c, model: x}]}
YAML
    "$root/build/bin/switchyard" serve --config "$work/gw-$2.yaml" --listen "127.0.0.1:$gw" --log-level error > "$work/gw-$2.log" 2>&1 &
    pids+=($!)
    for _ in $(seq 100); do curl -sf "http://127.0.0.1:$gw/readyz" > /dev/null && break; sleep 0.05; done
    python3 "$here/load.py" "$gw" "$1" "$n" "$c"
}
{
    echo "## Reliability under load"
    echo
    echo "\`tests/bench/reliability/run.sh $n $c\`, $(date -u '+%Y-%m-%d %H:%M') UTC: $n chat requests from $c keep-alive"
    echo "connections, as fast as answered, to one model with three deployments (fake upstreams on loopback),"
    echo "default retry and outlier-detection settings. The second run has one deployment answer 500 to half its"
    echo "requests."
    echo
    echo "| case | requests | client errors | error rate | p50 ms | p99 ms |"
    echo "|---|---|---|---|---|---|"
    run_case "all healthy" 0
    run_case "one of three fails 50%" 0.5
    echo
    echo "Targets (deployments issue): client-visible error rate under 0.1% and p99 within 2x of the healthy case."
} > "$here/results.md"
cat "$here/results.md"
python3 "$root/tests/bench/splice.py" "$here/results.md"

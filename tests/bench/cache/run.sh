#!/usr/bin/env bash
# Response cache cost and benefit: latency through the gateway of an exact hit and a semantic hit
# against a miss answered by the fake upstream (tests/bench/cache/latency.py), and the semantic
# lookup in isolation (build/tests/bench/cache_bench: the built-in embedding, and the nearest
# neighbour among N entries of a bucket in memory and in a local redis-server). Writes
# cache/results.md and puts it into docs/performance.md.
#   tests/bench/cache/run.sh [REQUESTS]     # default 2000 of each kind
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
n=${1:-2000}
cmake --build "$root/build" --target switchyard plugin_openai cache_bench > /dev/null
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
redis_port=$(free_port)
redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --dir "$work" > "$work/redis.log" 2>&1 &
pids+=($!)
python3 "$root/tests/fakes/fake_openai.py" --port 0 --port-file "$work/fake.port" > "$work/fake.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do [ -s "$work/fake.port" ] && redis-cli -p "$redis_port" ping > /dev/null 2>&1 && break; sleep 0.05; done
fake=$(cat "$work/fake.port")
gw=$(free_port)
cat > "$work/gw.yaml" <<YAML
plugins: {search_paths: ["$root/build/lib/switchyard/plugins"]}
providers: [{name: up, plugin: openai, base_url: "http://127.0.0.1:$fake/v1"}]
models: [{name: m, deployments: [{provider: up, model: x}]}]
auth: {keys: [{key: sk-bench, id: bench}]}
cache: {backend: memory, semantic: {enabled: true}}
YAML
. "$root/tests/bench/serve.sh"
serve_gateway "$root" "$work/gw.yaml" "$gw" "$work/gw.log"
{
    echo "## Response cache"
    echo
    echo "\`tests/bench/cache/run.sh $n\`, $(date -u '+%Y-%m-%d %H:%M') UTC, on $(nproc) cores shared by the client, the"
    echo "gateway (memory cache, semantic cache on with the built-in embedder) and the fake upstream."
    echo
    echo "### Latency through the gateway"
    echo
    echo "$n requests of each kind after $((n / 10)) warm-up ones, interleaved, one after another on one keep-alive"
    echo "connection from Python's \`http.client\` (whose own time is included). A miss runs both lookups, then"
    echo "the fake upstream (Python, no delay) answers and the answer is stored. An exact hit repeats a stored"
    echo "request; a semantic hit rewords its last user turn (similarity 0.9740, in a bucket of one entry): an"
    echo "exact miss, one embedding, one comparison."
    echo
    python3 "$here/latency.py" "$gw" "$n"
    echo
    echo "### Semantic lookup in isolation"
    echo
    echo "\`cache_bench\`: the built-in embedding of a 140-byte turn, then one lookup among N entries of a"
    echo "bucket (1024 dimensions, random vectors, so every lookup compares all N and misses: its full cost)."
    echo "Redis is a local \`redis-server\` over loopback: one HGETALL of the bucket (N × 4 KiB of vectors),"
    echo "plus a GET of the answer on a hit."
    echo
    "$root/build/tests/bench/cache_bench" "$redis_port"
} > "$here/results.md"
cat "$here/results.md"
python3 "$root/tests/bench/splice.py" "$here/results.md"

#!/usr/bin/env bash
# Streaming translation cost: time to the first event straight from the fake upstream and
# through the gateway, per provider wire format. Writes translation/results.md and puts it into
# docs/performance.md.
#   tests/bench/translation/run.sh [REQUESTS]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
n=${1:-300}
cmake --build "$root/build" --target switchyard plugin_openai plugin_anthropic plugin_gemini plugin_ollama > /dev/null
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
python3 "$root/tests/fakes/fake_openai.py" --port 0 --port-file "$work/fake.port" > "$work/fake.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do [ -s "$work/fake.port" ] && break; sleep 0.05; done
fake=$(cat "$work/fake.port")
gw=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat > "$work/gw.yaml" <<YAML
plugins: {search_paths: ["$root/build/lib/switchyard/plugins"]}
providers:
  - {name: o, plugin: openai, base_url: "http://127.0.0.1:$fake/v1"}
  - {name: a, plugin: anthropic, base_url: "http://127.0.0.1:$fake/v1"}
  - {name: g, plugin: gemini, base_url: "http://127.0.0.1:$fake/v1", config: {api_key: k}}
  - {name: l, plugin: ollama, base_url: "http://127.0.0.1:$fake"}
models:
  - {name: gpt, deployments: [{provider: o, model: m}]}
  - {name: claude, deployments: [{provider: a, model: m}]}
  - {name: gemini, deployments: [{provider: g, model: m}]}
  - {name: ollama, deployments: [{provider: l, model: m}]}
YAML
. "$root/tests/bench/serve.sh"
serve_gateway "$root" "$work/gw.yaml" "$gw" "$work/gw.log"
{
    echo "## Streaming translation (time to the first event)"
    echo
    echo "\`tests/bench/translation/run.sh $n\`, $(date -u '+%Y-%m-%d %H:%M') UTC: $n streamed requests per format after"
    echo "$((n / 10)) warm-up ones, a new connection each, alternating between the fake upstream directly and the"
    echo "gateway in front of it (its provider plugin for that format translating to OpenAI chunks). \"Added\" is"
    echo "the difference of the percentiles: what the gateway adds before a client sees the first event."
    echo
    python3 "$here/ttft.py" "$gw" "$fake" "$n"
    echo
    echo "Target (providers issue): added time to first token under 1 ms at p99."
} > "$here/results.md"
cat "$here/results.md"
python3 "$root/tests/bench/splice.py" "$here/results.md"

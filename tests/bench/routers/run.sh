#!/usr/bin/env bash
# Learned-router decision latency: runs build/tests/bench/router_bench and writes
# routers/results.md, which docs/performance.md includes (tests/bench/summarize.py).
#   tests/bench/routers/run.sh [DECISIONS]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
cmake --build "$root/build" --target router_bench > /dev/null
n=${1:-5000}
{
    echo "## Routing decisions (learned routers)"
    echo
    echo "\`tests/bench/routers/run.sh $n\`, $(date -u '+%Y-%m-%d %H:%M') UTC: $n timed decisions after $((n / 10))"
    echo "warm-up ones, one thread, through the plugin boundary as the gateway calls it"
    echo "(\`RouterInstance::route\`: the built-in embedder on the prompt, the projection, the ranking)."
    echo
    "$root/build/tests/bench/router_bench" "$n"
    echo
    echo "Target (learned routers issue): p99 under 0.5 ms with the built-in embedder, for 2 and 9"
    echo "models and prompts of 100 and 4,000 tokens."
} > "$here/results.md"
cat "$here/results.md"
python3 "$root/tests/bench/splice.py" "$here/results.md"

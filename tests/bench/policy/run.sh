#!/usr/bin/env bash
# Policy evaluation cost: runs build/tests/bench/policy_bench and writes policy/results.md,
# which docs/performance.md includes (tests/bench/summarize.py).
#   tests/bench/policy/run.sh [CALLS]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
cmake --build "$root/build" --target policy_bench > /dev/null
calls=${1:-50000}
{
    echo "## Policy evaluation (Lua)"
    echo
    echo "\`tests/bench/policy/run.sh $calls\`, $(date -u '+%Y-%m-%d %H:%M') UTC: $calls timed calls after $((calls / 10))"
    echo "warm-up calls on the benchmark's 960-byte chat request with an \`x-tier: pro\` header."
    echo "\"Evaluation\" is \`PolicySet::evaluate\` (building the request view, running the chain, reading"
    echo "the decision); \"with PII scan\" adds the scan of every message that fills \`req.pii\`."
    echo
    "$root/build/tests/bench/policy_bench" "$calls"
    echo
    echo "Targets (Lua policies issue): p50 under 10 µs and p99 under 50 µs, for the realistic 30-line"
    echo "policy (\`tests/bench/policy/realistic.lua\`) and for the eight examples chained in the order"
    echo "\`deny, privacy, user_tier, budget_downgrade, code_keywords, task_type, token_count,"
    echo "business_hours\` (this request stops at \`user_tier\`). The gateway-level cost of the same"
    echo "policy is the \`switchyard+policy\` rows above."
} > "$here/results.md"
cat "$here/results.md"

#!/usr/bin/env bash
# Token estimate accuracy: real BPE counts (gpt-tokenizer, cl100k_base and o200k_base) against
# the gateway's estimate_tokens on English prompts and on code. Prints a markdown table.
#   tests/bench/tokens/run.sh [N]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
[ -x "$root/build/tests/bench/token_estimate" ] || cmake --build "$root/build" --target token_estimate
[ -d "$here/node_modules/gpt-tokenizer" ] || (cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
node "$here/compare.mjs" "$root/build" "$root" "${1:-2000}"

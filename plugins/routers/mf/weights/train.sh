#!/usr/bin/env bash
# Reproduces the shipped mf and sw weights and their evaluation (docs/routers.md):
#   plugins/routers/mf/weights/train.sh [DATA_DIR] [MF_OUT_DIR] [SW_OUT_DIR]
# DATA_DIR holds mmlu_mixtral_gpt4.train.jsonl and nine_models.train.jsonl (the labeled routing
# data); each file is split 80/20 by `switchyard split` (seed 0, decided by the prompt's hash),
# mf trains on the 80% and `switchyard eval` reads the 20%. Deterministic: the same data and
# binary give byte-identical weights.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../../.." && pwd)"
data="${1:-$root/../shared/data/routing}"
out="${2:-$here}"
bin="$root/build/bin/switchyard"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

for set in mmlu_mixtral_gpt4 nine_models; do
  "$bin" split --data "$data/$set.train.jsonl" --test-percent 20 --seed 0 \
    --train-out "$work/$set.train.jsonl" --test-out "$work/$set.test.jsonl"
done
"$bin" train mf --data "$work/mmlu_mixtral_gpt4.train.jsonl" --seed 42 --out "$out/mmlu-mixtral-gpt4.syrw"
"$bin" train mf --data "$work/nine_models.train.jsonl" --seed 42 --set epochs=80 --out "$out/nine-models.syrw"
# sw indexes every training prompt (no validation split needed); its k and beta defaults were
# chosen on a further 80/20 split of the MMLU training part (seed 5), not on the test part.
sw_out="${3:-$root/plugins/routers/sw/weights}"
"$bin" train sw --data "$work/mmlu_mixtral_gpt4.train.jsonl" --seed 42 --validation-percent 0 --out "$sw_out/mmlu-mixtral-gpt4.syrw"
"$bin" train sw --data "$work/nine_models.train.jsonl" --seed 42 --validation-percent 0 --out "$sw_out/nine-models.syrw"

# Evaluate on the held-out 20% with configs that name the data's models.
for set in mmlu nine; do
  sed "s|@WEIGHTS@|$out|; s|@SW_WEIGHTS@|$sw_out|" "$here/eval-$set.yaml" > "$work/eval-$set.yaml"
done
for router in mf sw; do
  dir=$out; [ $router = sw ] && dir=$sw_out
  "$bin" eval --config "$work/eval-mmlu.yaml" --router $router --data "$work/mmlu_mixtral_gpt4.test.jsonl" --svg "$dir/mmlu-eval.svg"
  "$bin" eval --config "$work/eval-nine.yaml" --router $router --data "$work/nine_models.test.jsonl" --svg "$dir/nine-eval.svg"
done

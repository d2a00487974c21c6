#!/usr/bin/env bash
# Builds the libFuzzer targets (preset `fuzz`: clang, ASan, UBSan, into build-fuzz/) and runs each
# for a set time, one after the other, on its corpus in tests/fuzz/corpus/<target>/.
#
#   tests/fuzz/run.sh [--merge] [SECONDS] [TARGET...]     (default: 60 seconds, every target)
#
# New inputs go to a scratch directory under build-fuzz/runs/<time>/; with --merge they are
# merged into the committed corpus afterwards, minimised (libFuzzer -merge=1 into a fresh
# directory: only inputs that add coverage are kept, and the inputs of fixed findings, named
# regression-*). Prints per target: runs, exec/s, the final cov: and ft:, corpus size and the
# outcome; a crash, leak, timeout or OOM leaves its input in the run directory and makes the
# script exit 1. Needs clang (deploy/setup.sh --fuzz).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD

TARGETS=(chat_request event_parser config_loader policy_view request_path
         openai_provider anthropic_provider gemini_provider ollama_provider)

merge=0
seconds=60
chosen=()
for arg in "$@"; do
  case "$arg" in
    --merge) merge=1 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *[!0-9]*) chosen+=("$arg") ;;
    *) seconds=$arg ;;
  esac
done
((${#chosen[@]})) || chosen=("${TARGETS[@]}")
for t in "${chosen[@]}"; do
  [[ " ${TARGETS[*]} " == *" $t "* ]] || { echo "run.sh: unknown target '$t' (${TARGETS[*]})" >&2; exit 2; }
done

command -v clang++-14 >/dev/null || { echo "run.sh: clang++-14 missing: deploy/setup.sh --deps-only --fuzz" >&2; exit 2; }

# The JSON dictionary helps every target that reads JSON; the others have their own.
dict_of() {
  case "$1" in
    config_loader) echo tests/fuzz/dict/yaml.dict ;;
    event_parser) echo tests/fuzz/dict/sse.dict ;;
    request_path) echo tests/fuzz/dict/http.dict ;;
    *) echo tests/fuzz/dict/json.dict ;;
  esac
}

export CCACHE_BASEDIR=$ROOT
cmake --preset fuzz >/dev/null
nice -n 10 cmake --build --preset fuzz -j2

run_dir=build-fuzz/runs/$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$run_dir"
# What was built: the commit, "-dirty" when sources differ from it (the corpus does not count).
commit=$(git rev-parse --short HEAD)
git diff --quiet HEAD -- . ':!tests/fuzz/corpus' || commit+=-dirty
echo "run.sh: ${seconds}s per target, commit $commit, logs and findings in $run_dir"

# One libFuzzer stat from its -print_final_stats output.
final_stat() { sed -n "s/^stat::$1: *//p" "$2" | tail -1; }

findings=0
summary=()
for t in "${chosen[@]}"; do
  corpus=tests/fuzz/corpus/$t
  scratch=$run_dir/$t/new
  log=$run_dir/$t.log
  mkdir -p "$scratch" "$run_dir/$t/artifacts"
  echo "== $t"
  rc=0
  started=$(date +%s)
  # The first directory receives new inputs; the committed corpus is only read.
  nice -n 10 "build-fuzz/fuzz/${t}_fuzz" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -dict="$(dict_of "$t")" -artifact_prefix="$run_dir/$t/artifacts/" \
    "$scratch" "$corpus" >"$log" 2>&1 || rc=$?
  elapsed=$(($(date +%s) - started))
  last=$(grep -E '^#[0-9]+' "$log" | tail -1 || true)
  runs=$(final_stat number_of_executed_units "$log")
  execs=$(final_stat average_exec_per_sec "$log")
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
  artifact=$(find "$run_dir/$t/artifacts" -type f | head -1)
  if ((rc != 0)) || [ -n "$artifact" ]; then
    findings=$((findings + 1))
    outcome="FINDING (exit $rc): ${artifact:-see $log}"
    grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error)' "$log" | head -3 || true
  else
    outcome="ok"
  fi
  if ((merge)) && [ -z "$artifact" ]; then
    minimised=$run_dir/$t/minimised
    mkdir -p "$minimised"
    # Edges only (-use_counters=0): hit counts would keep thousands of near-identical inputs.
    nice -n 10 "build-fuzz/fuzz/${t}_fuzz" -merge=1 -use_counters=0 -timeout=10 "$minimised" "$corpus" "$scratch" \
      >"$run_dir/$t.merge.log" 2>&1
    # The inputs of fixed findings (regression-*) stay, whatever coverage they add.
    for f in "$corpus"/regression-*; do
      [ -e "$f" ] || continue
      rm -f "$minimised/$(sha1sum "$f" | cut -c1-40)"
      cp "$f" "$minimised"/
    done
    rm -f "$corpus"/*
    cp "$minimised"/* "$corpus"/
  fi
  size="$(find "$corpus" -type f | wc -l) files + $(find "$scratch" -type f | wc -l) new"
  line=$(printf '%-19s %5ss runs %-10s exec/s %-6s cov %-6s ft %-6s corpus %-22s %s' \
    "$t" "$elapsed" "${runs:-?}" "${execs:-?}" "${cov:-?}" "${ft:-?}" "$size" "$outcome")
  echo "$line"
  summary+=("$line")
done

echo
echo "run.sh: summary ($run_dir, commit $commit, $(date -u +%F))"
printf '%s\n' "${summary[@]}"
((findings == 0)) || { echo "run.sh: $findings target(s) with findings" >&2; exit 1; }

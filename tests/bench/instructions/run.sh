#!/usr/bin/env bash
# User-space instructions per request (valgrind's callgrind counts instructions, not time: the
# figure repeats whatever else the machine does, so it shows what a change to the request path
# saves). The gateway runs under callgrind in front of the peers' fast mock; requests.py sends
# the wrk benchmark's body one request at a time, N1 then N2 requests in two runs, and
# (total(N2) - total(N1)) / (N2 - N1) removes start-up and shutdown. Configs: the bare gateway
# and the realistic one of tests/bench/run.sh. Writes instructions/results.md and splices it into
# docs/performance.md (WRITE_DOC=0 to skip). Kernel time (system calls, context switches) is
# not counted: tests/bench/run.sh measures all of it.
#   tests/bench/instructions/run.sh            # N1=100 N2=1100 (about 2 minutes)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../common.sh"
bench_init instructions
. "$ROOT/tests/bench/variants.sh"
command -v valgrind > /dev/null || { echo "bench: valgrind missing (apt-get install valgrind)" >&2; exit 2; }
N1=${N1:-100} N2=${N2:-1100} TOP=${TOP:-20}

"$PEERS/mock.sh" start > /dev/null
start_otlp_collector
mock_gateway_yaml > "$RUN_DIR/bare.yaml"
realistic_gateway_yaml "http://127.0.0.1:$MOCK_PORT/v1" "$COLLECTOR" \
    > "$RUN_DIR/realistic.yaml"
GW_PORT=$(free_port)

total() {  # total CONFIG N MODEL [HEADER...] -> instructions of a whole run (out file kept)
    local config=$1 n=$2 model=$3 out="$RUN_DIR/callgrind.$2.out"
    shift 3
    rm -f "$out"
    valgrind --tool=callgrind --callgrind-out-file="$out" "$BIN" serve --config "$config" \
        --listen 127.0.0.1:$GW_PORT --log-level warn 2> "$RUN_DIR/valgrind.log" &
    local vg=$!
    for _ in $(seq 600); do curl -sf "http://127.0.0.1:$GW_PORT/readyz" > /dev/null 2>&1 && break; sleep 0.1; done
    python3 "$here/requests.py" "$GW_PORT" "$n" "$model" "$@" >&2
    kill -TERM $vg
    wait $vg || true
    callgrind_annotate "$out" | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}'
}

per_request() {  # per_request NAME CONFIG MODEL [HEADER...] -> a table row; keeps the N2 profile
    local name=$1 config=$2
    shift 2
    local a b
    a=$(total "$config" "$N1" "$@")
    b=$(total "$config" "$N2" "$@")
    cp "$RUN_DIR/callgrind.$N2.out" "$RUN_DIR/$name.callgrind"
    echo "| $name | $(((b - a) / (N2 - N1))) |"
}

bare=$(per_request bare "$RUN_DIR/bare.yaml" gpt-4o-mini)
realistic=$(per_request realistic "$RUN_DIR/realistic.yaml" auto "Authorization: Bearer $BENCH_KEY" "x-tier: free")
top=$(callgrind_annotate --inclusive=yes "$RUN_DIR/realistic.callgrind" 2>/dev/null |
    grep -E 'sy::|sy_plugins::' | grep -vE 'serve_loop|serve_request|handleRequest|ChatHandler::handle\(|Threads::run|_M_invoke' |
    awk -v n="$N2" -v top="$TOP" 'NR <= top {gsub(",", "", $1); line=$0; sub(/^[^?]*\?\?\?:/, "", line);
        sub(/ \[.*$/, "", line); gsub(/\(anonymous namespace\)/, "{anon}", line); sub(/\(.*$/, "", line);
        printf "| `%s` | %d |\n", line, $1 / n}')  # (no head: pipefail)

{
    echo "## Instructions per request"
    echo
    echo "\`tests/bench/instructions/run.sh\`, $(date -u '+%Y-%m-%d %H:%M') UTC, commit $(git -C "$ROOT" rev-parse --short HEAD):"
    echo "user-space instructions per chat request (callgrind; the difference of a $N1- and a $N2-request run"
    echo "over $((N2 - N1)) requests), the wrk benchmark's 960-byte body, one request at a time. Kernel work is not"
    echo "counted here."
    echo
    echo "| config | instructions per request |"
    echo "|---|---:|"
    echo "$bare"
    echo "$realistic"
    echo
    echo "Where the realistic request's instructions go (inclusive, per request, averaged over the $N2-request run"
    echo "with start-up included, so the figures are slightly high):"
    echo
    echo "| function | instructions |"
    echo "|---|---:|"
    echo "$top"
    echo
} > "$here/results.md"
cat "$here/results.md"
if [ "${WRITE_DOC:-1}" = 1 ]; then python3 "$ROOT/tests/bench/splice.py" "$here/results.md"; fi

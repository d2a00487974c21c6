# Sourced by benchmark scripts (after `set -euo pipefail`).
# bench_init NAME: sets ROOT, PEERS (checked), BIN (built first: never a stale binary; SY_BIN names
# another build of the gateway to measure, e.g. an earlier commit's for a before/after), RUN_DIR
# (default /tmp/sy-bench-NAME) and MOCK_PORT; processes whose PIDs are added to `pids` are
# stopped at exit, with the peers' mock.
bench_init() {
    ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
    PEERS=${PEERS:-$ROOT/../shared/bench/peers}
    [ -x "$PEERS/mock.sh" ] || { echo "bench: peers harness not found at $PEERS" >&2; exit 2; }
    cmake --build "$ROOT/build" > /dev/null
    BIN=${SY_BIN:-$ROOT/build/bin/switchyard}
    export RUN_DIR=${RUN_DIR:-/tmp/sy-bench-$1}
    export MOCK_PORT=${MOCK_PORT:-18081}
    mkdir -p "$RUN_DIR"
    pids=()
    trap bench_cleanup EXIT INT TERM
}

bench_cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    "$PEERS/mock.sh" stop > /dev/null 2>&1 || true
}

# kb FIELD PID: a /proc/PID/status figure in kB (VmRSS, VmHWM); cpu_ticks PID: user+system ticks.
kb() { awk "/^$1:/ {print \$2}" "/proc/$2/status"; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

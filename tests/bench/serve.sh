# Shared by the bench scripts (sourced): serve_gateway ROOT CONFIG PORT LOG starts the gateway on
# 127.0.0.1:PORT, adds its PID to the caller's `pids` array (which its trap stops) and waits until
# /readyz answers.
serve_gateway() {
    "$1/build/bin/switchyard" serve --config "$2" --listen "127.0.0.1:$3" --log-level warn > "$4" 2>&1 &
    pids+=($!)
    for _ in $(seq 100); do curl -sf "http://127.0.0.1:$3/readyz" > /dev/null && return 0; sleep 0.05; done
    echo "bench: the gateway did not start, see $4" >&2
    return 1
}

#!/usr/bin/env bash
# A Switchyard cluster on loopback for development and tests: one redis-server, N gateway
# instances sharing it, and nginx balancing over them. Every process listens on 127.0.0.1 on a
# free port and is stopped by PID.
#
#   deploy/local-cluster.sh start [-n N] [--config FILE] [--dir DIR]   # default N=3
#   deploy/local-cluster.sh status [--dir DIR]
#   deploy/local-cluster.sh stop [--dir DIR]
#
# `start` prints, and writes to DIR/cluster.env, LB_URL, LB_PORT, REDIS_PORT and GATEWAY_PORTS.
# The config (default deploy/local-cluster/switchyard.yaml) finds Redis in ${SY_REDIS_ADDRESS}.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${SWITCHYARD_BIN:-$ROOT/build/bin/switchyard}
cmd=${1:-}; shift || true
n=3 config=$ROOT/deploy/local-cluster/switchyard.yaml dir=${SY_CLUSTER_DIR:-/tmp/switchyard-local-cluster}
while [ $# -gt 0 ]; do
    case $1 in
    -n) n=$2; shift 2 ;;
    --config) config=$(cd "$(dirname "$2")" && pwd)/$(basename "$2"); shift 2 ;;
    --dir) dir=$2; shift 2 ;;
    *) echo "local-cluster: unknown argument '$1'" >&2; exit 2 ;;
    esac
done

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

wait_http() {  # wait_http URL: until it answers 200 (10 s)
    for _ in $(seq 100); do curl -sf "$1" > /dev/null 2>&1 && return 0; sleep 0.1; done
    return 1
}

# Running and not a zombie (the processes outlive this script, so whoever adopts them reaps them).
alive() {
    local state
    state=$(awk '{print $3}' "/proc/$1/stat" 2> /dev/null) || return 1
    [ -n "$state" ] && [ "$state" != Z ]
}

stop_pid_file() {
    local f=$1
    [ -f "$f" ] || return 0
    local pid; pid=$(cat "$f")
    if alive "$pid"; then
        kill -TERM "$pid" 2> /dev/null || true
        for _ in $(seq 100); do alive "$pid" || break; sleep 0.05; done
        alive "$pid" && kill -KILL "$pid" 2> /dev/null
    fi
    rm -f "$f"
}

stop() {
    stop_pid_file "$dir/nginx.pid"
    for f in "$dir"/gateway-*.pid; do [ -e "$f" ] && stop_pid_file "$f"; done
    stop_pid_file "$dir/redis.pid"
    rm -f "$dir/cluster.env"
}

start() {
    [ -x "$BIN" ] || { echo "local-cluster: $BIN not found (run deploy/setup.sh)" >&2; exit 2; }
    [ -f "$dir/cluster.env" ] && { echo "local-cluster: already running in $dir (stop it first)" >&2; exit 1; }
    mkdir -p "$dir"
    trap 'stop; exit 1' ERR
    local redis_port lb_port ports=()
    redis_port=$(free_port)
    redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --dir "$dir" \
        > "$dir/redis.log" 2>&1 &
    echo $! > "$dir/redis.pid"
    for _ in $(seq 100); do redis-cli -p "$redis_port" ping > /dev/null 2>&1 && break; sleep 0.1; done

    for i in $(seq 1 "$n"); do
        local port; port=$(free_port)
        SY_REDIS_ADDRESS=127.0.0.1:$redis_port "$BIN" serve --config "$config" --listen "127.0.0.1:$port" \
            > "$dir/gateway-$i.log" 2>&1 &
        echo $! > "$dir/gateway-$i.pid"
        ports+=("$port")
    done
    for port in "${ports[@]}"; do
        wait_http "http://127.0.0.1:$port/readyz" || { echo "local-cluster: gateway on $port not ready" >&2; false; }
    done

    lb_port=$(free_port)
    mkdir -p "$dir/nginx-temp"
    {
        echo "worker_processes 1; pid $dir/nginx.pid; error_log $dir/nginx-error.log warn; daemon off;"
        echo "events { worker_connections 4096; }"
        echo "http {"
        echo "  access_log off;"
        echo "  client_body_temp_path $dir/nginx-temp/body; proxy_temp_path $dir/nginx-temp/proxy;"
        echo "  fastcgi_temp_path $dir/nginx-temp/fastcgi; uwsgi_temp_path $dir/nginx-temp/uwsgi;"
        echo "  scgi_temp_path $dir/nginx-temp/scgi;"
        echo "  upstream switchyard {"
        for port in "${ports[@]}"; do echo "    server 127.0.0.1:$port max_fails=0;"; done
        echo "    keepalive 64;"
        echo "  }"
        echo "  server {"
        echo "    listen 127.0.0.1:$lb_port;"
        echo "    client_max_body_size 8m;"
        echo "    location / {"
        echo "      proxy_pass http://switchyard;"
        echo "      proxy_http_version 1.1;"
        echo "      proxy_set_header Connection \"\";"
        echo "      proxy_buffering off;             # SSE streams relayed as they come"
        echo "      proxy_read_timeout 600s;"
        echo "      # An instance that is gone (stopped, killed) before answering: the request goes to"
        echo "      # the next one. Only connection errors, never a gateway's own error answer."
        echo "      proxy_next_upstream error non_idempotent;"
        echo "      proxy_next_upstream_tries 3;"
        echo "    }"
        echo "  }"
        echo "}"
    } > "$dir/nginx.conf"
    nginx -p "$dir" -c "$dir/nginx.conf" > "$dir/nginx.log" 2>&1 &  # writes nginx.pid itself
    wait_http "http://127.0.0.1:$lb_port/readyz" || { echo "local-cluster: nginx not ready (see $dir/nginx-error.log)" >&2; false; }
    trap - ERR
    {
        echo "LB_URL=http://127.0.0.1:$lb_port"
        echo "LB_PORT=$lb_port"
        echo "REDIS_PORT=$redis_port"
        echo "GATEWAY_PORTS=\"${ports[*]}\""
    } > "$dir/cluster.env"
    cat "$dir/cluster.env"
}

status() {
    [ -f "$dir/cluster.env" ] || { echo "local-cluster: not running in $dir"; exit 1; }
    cat "$dir/cluster.env"
    for f in "$dir"/*.pid; do
        [ -e "$f" ] || continue
        if alive "$(cat "$f")"; then echo "$(basename "$f" .pid): running"; else echo "$(basename "$f" .pid): stopped"; fi
    done
}

case $cmd in
start) start ;;
stop) stop ;;
status) status ;;
*) echo "usage: $0 start [-n N] [--config FILE] [--dir DIR] | status [--dir DIR] | stop [--dir DIR]" >&2; exit 2 ;;
esac

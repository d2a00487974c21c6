#!/usr/bin/env bash
# build_example.sh BUILD_DIR SOURCE_DIR
# Out-of-tree plugin check: install -> build the example against the install -> inspect it ->
# serve a request routed by it with the installed binary. Everything under one temp dir,
# removed on exit; the gateway is stopped by PID.
set -euo pipefail
build=$1 src=$2
tmp=$(mktemp -d)
gw_pid=""
cleanup() {
    [ -n "$gw_pid" ] && kill "$gw_pid" 2>/dev/null && wait "$gw_pid" 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "sdk_example: $*" >&2; [ -f "$tmp/gw.log" ] && cat "$tmp/gw.log" >&2; exit 1; }

cmake --install "$build" --prefix "$tmp/prefix" > "$tmp/install.log" || fail "install failed"
[ -f "$tmp/prefix/include/switchyard/plugin.h" ] || fail "SDK header not installed"
[ -x "$tmp/prefix/bin/switchyard" ] || fail "binary not installed"

cmake -S "$src/sdk/examples/minimal_router" -B "$tmp/example" -DCMAKE_PREFIX_PATH="$tmp/prefix" \
    -DCMAKE_BUILD_TYPE=Release > "$tmp/configure.log" || { cat "$tmp/configure.log"; fail "configure failed"; }
cmake --build "$tmp/example" > "$tmp/build.log" || { cat "$tmp/build.log"; fail "build failed"; }
so="$tmp/example/shortest_router.so"
[ -f "$so" ] || fail "no $so"
nm -D --defined-only "$so" | grep -q ' switchyard_plugin_entry$' || fail "entry symbol not exported"
# switchyard_add_plugin exports the entry symbol only (hidden visibility plus a version script).
exports=$(nm -D --defined-only "$so" | awk '{print $3}')
[ "$exports" = "switchyard_plugin_entry" ] || fail "exports more than the entry symbol: $exports"

inspect=$("$tmp/prefix/bin/switchyard" plugins inspect "$so")
echo "$inspect"
echo "$inspect" | grep -q '"name": "shortest_router"' || fail "inspect: wrong name"
echo "$inspect" | grep -q '"kind": "router"' || fail "inspect: wrong kind"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
cat > "$tmp/config.yaml" <<YAML
plugins:
  load: ["$so"]
providers:
  - {name: local, plugin: mock}
models:
  - {name: strong, input_price_per_mtok: 5, deployments: [{provider: local}]}
  - {name: weak, input_price_per_mtok: 0.1, deployments: [{provider: local}]}
routers:
  - name: short
    plugin: shortest_router
    candidates: [strong, weak]
    config: {max_prompt_tokens: 50}
YAML
"$tmp/prefix/bin/switchyard" serve --config "$tmp/config.yaml" --listen "127.0.0.1:$port" 2> "$tmp/gw.log" &
gw_pid=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/readyz" > /dev/null 2>&1 && break; sleep 0.1; done

headers=$(curl -s -D - -o /dev/null "http://127.0.0.1:$port/v1/chat/completions" -H 'Content-Type: application/json' \
    -d '{"model": "router-short", "messages": [{"role": "user", "content": "hi"}]}')
echo "$headers" | grep -qi '^x-switchyard-model: weak' || fail "short prompt did not go to weak: $headers"
echo "$headers" | grep -qi '^x-switchyard-route: router:short short prompt' || fail "route header: $headers"

long=$(python3 -c 'print(" ".join(["word"] * 400))')
headers=$(curl -s -D - -o /dev/null "http://127.0.0.1:$port/v1/chat/completions" -H 'Content-Type: application/json' \
    -d "{\"model\": \"router-short\", \"messages\": [{\"role\": \"user\", \"content\": \"$long\"}]}")
echo "$headers" | grep -qi '^x-switchyard-model: strong' || fail "long prompt did not go to strong: $headers"
echo "sdk_example: ok"

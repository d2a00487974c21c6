#!/usr/bin/env bash
# Installs the Debian packages Switchyard needs (skipping what is present) and builds a release
# tree into build/. Idempotent; safe to run again after every pull.
#
#   deploy/setup.sh              packages + release build (binary: build/bin/switchyard)
#   deploy/setup.sh --deps-only  packages only
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config
  libpoco-dev liblua5.4-dev lua5.4 libhiredis-dev libyaml-cpp-dev rapidjson-dev
  libgtest-dev libgmock-dev googletest
  redis-server nginx-light wrk python3 curl jq procps openssl libre2-dev
  prometheus   # promtool: the suite checks the /metrics exposition and the alert rules with it
  chromium     # the status page is rendered headless in the suite
  systemd python3-yaml  # the suite verifies the systemd unit and checks the deployment manifests
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)

if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

[ "${1:-}" = "--deps-only" ] && exit 0

cmake --preset release >/dev/null
cmake --build --preset release
echo "setup: built build/bin/switchyard"

#!/usr/bin/env bash
# Installs the Debian packages Switchyard needs (skipping what is present) and builds a release
# tree into build/. Idempotent; safe to run again after every pull.
#
#   deploy/setup.sh              packages + release build (binary: build/bin/switchyard)
#   deploy/setup.sh --deps-only  packages only
#   deploy/setup.sh --fuzz       also clang and libFuzzer, for tests/fuzz/run.sh (the suite does not
#                                need them); combines with --deps-only
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config
  libpoco-dev liblua5.4-dev lua5.4 libhiredis-dev libyaml-cpp-dev rapidjson-dev libjemalloc-dev
  libgtest-dev libgmock-dev googletest
  redis-server nginx-light wrk python3 curl jq procps openssl libre2-dev
  prometheus   # promtool: the suite checks the /metrics exposition and the alert rules with it
  chromium     # the status page is rendered headless in the suite
  systemd python3-yaml  # the suite verifies the systemd unit and checks the deployment manifests
)

# tests/fuzz/run.sh only: clang, libFuzzer and the sanitizer runtimes, llvm-symbolizer.
FUZZ_PKGS=(clang-14 libclang-rt-14-dev llvm-14)

deps_only=0
for arg in "$@"; do
  case "$arg" in
    --deps-only) deps_only=1 ;;
    --fuzz) PACKAGES+=("${FUZZ_PKGS[@]}") ;;
    *) echo "usage: deploy/setup.sh [--deps-only] [--fuzz]" >&2; exit 2 ;;
  esac
done

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

[ "$deps_only" = 1 ] && exit 0

cmake --preset release >/dev/null
cmake --build --preset release
echo "setup: built build/bin/switchyard"

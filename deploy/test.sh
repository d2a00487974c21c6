#!/usr/bin/env bash
# The whole test suite: release build with every test (unit, integration over real sockets,
# end-to-end with the official npm clients), then all of it again under ASan/UBSan (the
# gateway binary and plugins are sanitized too).
# Exits non-zero on any failure. `.ci/run` calls this.
set -euo pipefail
cd "$(dirname "$0")/.."

deploy/setup.sh --deps-only

# End-to-end clients (official openai npm package), installed from the lockfile before the
# build is configured so that the e2e tests get registered.
if [ ! -d tests/e2e/node_modules ] || [ tests/e2e/package-lock.json -nt tests/e2e/node_modules ]; then
  (cd tests/e2e && npm ci --no-audit --no-fund --loglevel=error)
fi

deploy/setup.sh

ctest --preset release

cmake --preset debug-asan >/dev/null
cmake --build --preset debug-asan
ctest --preset debug-asan

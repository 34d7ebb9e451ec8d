#!/usr/bin/env bash
# Runs the browser suite for CTest: checks node and chromium (fails, never skips), installs the npm packages, runs it.
# usage: run.sh FIRMAD_BINARY WORK_DIR ARTIFACTS_DIR
set -euo pipefail

[ $# -eq 3 ] || { echo "usage: run.sh FIRMAD_BINARY WORK_DIR ARTIFACTS_DIR" >&2; exit 2; }
firmad=$(realpath -m "$1") work=$(realpath -m "$2") artifacts=$(realpath -m "$3")
here=$(cd "$(dirname "$0")" && pwd)
source_dir=$(cd "$here/../.." && pwd)

fail() { echo "e2e: $*" >&2; exit 1; }
command -v node >/dev/null || fail "node is missing (apt-get install nodejs npm, or make deps)"
command -v npm >/dev/null || fail "npm is missing (apt-get install npm, or make deps)"
chromium=${FIRMA_E2E_CHROMIUM:-$(command -v chromium || true)}
[ -n "$chromium" ] && [ -x "$chromium" ] || fail "chromium is missing (apt-get install chromium, or make deps)"
[ -x "$firmad" ] || fail "firmad is not built: $firmad (cmake --build ... --target firmad)"
command -v openssl >/dev/null || fail "openssl is missing"

# The npm packages live in the build tree, reinstalled when the lock file changes.
mkdir -p "$work"
if ! cmp -s "$here/package-lock.json" "$work/package-lock.json" || [ ! -d "$work/node_modules" ]; then
  cp "$here/package.json" "$here/package-lock.json" "$work/"
  (cd "$work" && npm ci --ignore-scripts --no-audit --no-fund --prefer-offline --loglevel=error) \
    || { rm -f "$work/package-lock.json"; fail "npm ci failed"; }
fi

rm -rf "$artifacts"
mkdir -p "$artifacts"
export FIRMA_E2E_FIRMAD=$firmad FIRMA_E2E_CHROMIUM=$chromium FIRMA_E2E_NPM_DIR=$work FIRMA_E2E_ARTIFACTS=$artifacts
# firmad runs under AddressSanitizer in the test build: the same settings as `make test`.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:strict_string_checks=1:check_initialization_order=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$source_dir/tests/lsan.supp:print_suppressions=0}
cd "$here"
# Every *.test.mjs file, one after the other (each starts its own firmad and browser; two cores).
exec node --test --test-concurrency=1 --test-reporter=spec ./*.test.mjs

#!/usr/bin/env bash
# Installs the Debian 12 packages Firma needs. Idempotent.
#   scripts/deps.sh run    what building and running firmad need (make build, make run), and the tools the
#                          README's walk-throughs use (curl, jq, openssl, xmlsec1, pdfsig)
#   scripts/deps.sh test   (default) everything: the above, and what the suite, the fuzz targets and the
#                          benchmarks use (PostgreSQL, Kannel, Chromium and node, clang, GoogleTest, ...)
set -euo pipefail

profile=${1:-test}
case "$profile" in
  run | test) ;;
  *) echo "usage: $0 [run|test]" >&2; exit 2 ;;
esac

packages=(
  # toolchain
  build-essential cmake pkg-config ca-certificates
  # libraries
  libbotan-2-dev libargon2-dev libssl-dev libp11-kit-dev libpistache-dev libcpp-httplib-dev
  nlohmann-json3-dev libsqlite3-dev libpq-dev libxml2-dev libqpdf-dev
  # the HSM of the embedded default
  softhsm2
  # what the README's walk-throughs type, and the outside verifiers of our outputs
  curl jq openssl xmlsec1 poppler-utils
)
if [ "$profile" = test ]; then
  packages+=(
    git python3 ccache
    # the fuzz targets (tests/fuzz) and clang-format: clang and its runtime libraries (libFuzzer, sanitizers)
    clang clang-format libclang-rt-14-dev
    libgtest-dev libgmock-dev libbenchmark-dev
    # tools that look inside the HSM
    opensc
    # real parts the tests run
    postgresql sqlite3 kannel kannel-extras
    # more outside verifiers
    libnss3-tools
    # the deployment description is checked with docker-compose config
    docker-compose
    # the browser suite (tests/e2e): Playwright drives Debian's chromium from node
    chromium nodejs
  )
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Debian's nodejs comes without npm (NodeSource's bundles it): then npm is a package of its own.
[ "$profile" = run ] || command -v npm >/dev/null || dpkg-query -W -f='${Status}' npm 2>/dev/null | grep -q "install ok installed" \
  || missing+=(npm)
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"

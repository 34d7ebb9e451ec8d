#!/usr/bin/env bash
# Installs every Debian 12 package Firma needs to build, run and test. Idempotent.
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake pkg-config git ca-certificates curl jq
  # the fuzz targets (tests/fuzz): clang and its runtime libraries (libFuzzer, the sanitizers)
  clang libclang-rt-14-dev
  # libraries
  libbotan-2-dev libargon2-dev libssl-dev libp11-kit-dev libpistache-dev libcpp-httplib-dev
  nlohmann-json3-dev libsqlite3-dev libpq-dev libxml2-dev libqpdf-dev libxmlsec1-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  # the HSM and the tools that look inside it
  softhsm2 opensc
  # real parts the tests run
  postgresql sqlite3 kannel kannel-extras
  # outside verifiers of our outputs
  openssl poppler-utils libnss3-tools xmlsec1
  # the deployment description is checked with docker-compose config
  docker-compose
  # the browser suite (tests/e2e): Playwright drives Debian's chromium from node
  chromium nodejs
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Debian's nodejs comes without npm (NodeSource's bundles it): then npm is a package of its own.
command -v npm >/dev/null || dpkg-query -W -f='${Status}' npm 2>/dev/null | grep -q "install ok installed" \
  || missing+=(npm)
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"

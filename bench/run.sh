#!/usr/bin/env bash
# Runs the HSM micro-benchmarks on a fresh temporary SoftHSM2 token: writes bench/results/latest.json
# (Google Benchmark JSON) and prints the table. Usage: bash bench/run.sh BUILD_DIR [benchmark flags...]
set -euo pipefail

build_dir=${1:-build}
shift || true
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
bin="$build_dir/bin/hsm_bench"
if [[ ! -x "$bin" ]]; then
  echo "bench/run.sh: $bin not found: build with -DFIRMA_BENCH=ON (make build does)" >&2
  exit 1
fi

# The token goes on tmpfs when there is one: SoftHSM2 syncs every object file it writes, and generating the
# 10,000 lookup keys on a disk takes a quarter of an hour instead of about a minute. FIRMA_BENCH_TMP overrides.
base=${FIRMA_BENCH_TMP:-}
if [[ -z "$base" ]]; then
  if [[ -d /dev/shm && -w /dev/shm ]]; then base=/dev/shm; else base=${TMPDIR:-/tmp}; fi
fi
work=$(mktemp -d "$base/firma-bench-XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$here/results"
out="$here/results/latest.json"

echo "hsm_bench: token in $work, results in $out" >&2
FIRMA_BENCH_DIR="$work" "$bin" \
  --benchmark_out="$out" --benchmark_out_format=json \
  --benchmark_counters_tabular=true "$@"

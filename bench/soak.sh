#!/usr/bin/env bash
# The soak (issue 11, `make soak`, not part of `make test`): a Release firmad on its embedded default, driven by
# firma_load at 32 concurrent citizens doing whole transactions for SOAK_SECONDS. firmad's resident memory
# (VmRSS in /proc/PID/status) and open file descriptors (/proc/PID/fd) are sampled every SOAK_SAMPLE_SECONDS.
# Fails (exit 1) if a transaction failed, if RSS grew by 10% or more from the end of the warm-up to the end,
# or if firmad holds more file descriptors at the end of the load, or once it is over, than at the end of the
# warm-up (its pools of database connections and HSM sessions fill during the warm-up).
#
# Usage: bash bench/soak.sh BUILD_DIR
# Environment: SOAK_SECONDS=1800          length of the run, warm-up included;
#              SOAK_WARMUP_SECONDS=300    its first part: RSS at its end is the baseline of the growth bound;
#              SOAK_CONCURRENCY=32        concurrent citizens (one keep-alive connection each);
#              SOAK_SAMPLE_SECONDS=10;  FIRMA_BENCH_TMP=DIR (default /dev/shm, as bench/run.sh).
# Writes bench/results/soak.json (the figures and every sample) and prints a summary.
set -euo pipefail

build_dir=${1:-build}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
bin="$build_dir/bin"
for tool in firmad firma_seed firma_load; do
  if [[ ! -x "$bin/$tool" ]]; then
    echo "bench/soak.sh: $bin/$tool not found: build with -DFIRMA_BENCH=ON (make soak does)" >&2
    exit 1
  fi
done
seconds=${SOAK_SECONDS:-1800}
warmup_seconds=${SOAK_WARMUP_SECONDS:-300}
concurrency=${SOAK_CONCURRENCY:-32}
every=${SOAK_SAMPLE_SECONDS:-10}
citizens=$((concurrency * 20))

base=${FIRMA_BENCH_TMP:-}
if [[ -z "$base" ]]; then
  if [[ -d /dev/shm && -w /dev/shm ]]; then base=/dev/shm; else base=${TMPDIR:-/tmp}; fi
fi
work=$(mktemp -d "$base/firma-soak-XXXXXX")
data="$work/data"
source "$here/firmad.sh"
load_pid=""
cleanup() {
  if [[ -n "$load_pid" ]]; then kill "$load_pid" 2>/dev/null || true; wait "$load_pid" 2>/dev/null || true; fi
  if [[ -n "$firmad_pid" ]]; then kill "$firmad_pid" 2>/dev/null || true; wait "$firmad_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$data"
start_firmad
stop_firmad
seed 0 "$citizens" 2 "$work/seed.json"
start_firmad

sample() {  # "seconds-since-start rss_kib fds" of firmad
  local rss fds
  rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$firmad_pid/status")
  fds=$(find "/proc/$firmad_pid/fd" -mindepth 1 -maxdepth 1 | wc -l)
  echo "$(($(date +%s) - t0)) $rss $fds"
}
started_at=$(date -u +%Y-%m-%dT%H:%M:%SZ)
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
t0=$(date +%s)
idle_before=$(sample)
say "soak: $concurrency citizens for ${seconds} s (the first ${warmup_seconds} s are the warm-up)"
# The warm-up is time, not transactions: firma_load's own warm-up is one transaction per client.
run_load "$work/load.json" --format cades --documents 1 --concurrency "$concurrency" \
  --seconds "$seconds" --warmup "$concurrency" --citizens "0:$citizens" &
load_pid=$!
: >"$work/samples.txt"
while kill -0 "$load_pid" 2>/dev/null; do
  if ! kill -0 "$firmad_pid" 2>/dev/null; then say "firmad died during the soak"; exit 1; fi
  sample >>"$work/samples.txt"
  sleep "$every"
done
load_status=0
wait "$load_pid" || load_status=$?
load_pid=""
sleep 2
idle_after=$(sample)
load_end=$(cut -d' ' -f1-3 /proc/loadavg)

python3 - "$work/load.json" "$work/samples.txt" "$here/results/soak.json" "$warmup_seconds" "$load_status" \
  "$idle_before" "$idle_after" "$started_at" "$load_start" "$load_end" "$concurrency" "$seconds" <<'PY'
import json, sys
load_file, samples_file, out_file, warmup, load_status, before, after, started, l0, l1, conc, secs = sys.argv[1:]
warmup, load_status = int(warmup), int(load_status)
try:
    load = json.load(open(load_file))
except (OSError, ValueError):
    load = {}
samples = [tuple(map(int, line.split())) for line in open(samples_file) if line.strip()]
before, after = tuple(map(int, before.split())), tuple(map(int, after.split()))
steady = [s for s in samples if s[0] >= warmup] or samples[-1:]
rss_warm, rss_end = steady[0][1], steady[-1][1]
growth = (rss_end - rss_warm) / rss_warm if rss_warm else None
failed = load.get("failed", 0) + load.get("warmup_failed", 0)
checks = {
    "no unexpected errors": load_status == 0 and bool(load) and failed == 0,
    "RSS growth after warm-up under 10%": growth is not None and growth < 0.10,
    # Pools (database connections, HSM sessions) fill during the warm-up; after it, nothing may pile up.
    "file descriptors flat after warm-up": steady[-1][2] <= steady[0][2] and after[2] <= steady[0][2],
}
out = {
    "date": started, "concurrency": int(conc), "seconds": int(secs), "warmup_seconds": warmup,
    "load_average_start": l0, "load_average_end": l1,
    "transactions": load.get("transactions"), "transactions_per_second": load.get("transactions_per_second"),
    "failed": load.get("failed"), "warmup_failed": load.get("warmup_failed"), "first_error": load.get("first_error"),
    "steps": load.get("steps"),
    "rss_kib": {"idle_before": before[1], "after_warmup": rss_warm, "end": rss_end, "max": max(s[1] for s in samples),
                "idle_after": after[1], "growth_after_warmup": round(growth, 4) if growth is not None else None},
    "fds": {"idle_before": before[2], "after_warmup": steady[0][2], "end_of_load": steady[-1][2],
            "min_under_load": min(s[2] for s in steady), "max_under_load": max(s[2] for s in steady),
            "idle_after": after[2]},
    "checks": checks,
    "samples": [{"t": t, "rss_kib": r, "fds": f} for t, r, f in samples],
}
with open(out_file, "w") as f:
    json.dump(out, f, indent=2)
    f.write("\n")
r, d = out["rss_kib"], out["fds"]
print(f"soak {started}: {out['transactions']} transactions in {secs} s ({warmup} s of warm-up) at concurrency {conc}: "
      f"{out['transactions_per_second']} tx/s, {out['failed']} failed (+{out['warmup_failed']} in the warm-up); "
      f"load {l0} -> {l1}")
print(f"  RSS: {r['idle_before']} KiB idle, {r['after_warmup']} KiB after the warm-up, {r['end']} KiB at the end "
      f"(growth {r['growth_after_warmup']}), max {r['max']} KiB")
print(f"  fds: {d['idle_before']} idle before, {d['after_warmup']} after the warm-up, {d['end_of_load']} at the end of the "
      f"load ({d['min_under_load']}..{d['max_under_load']}), {d['idle_after']} idle after")
for name, ok in checks.items():
    print(f"  {'ok  ' if ok else 'FAIL'} {name}")
if load.get("first_error"):
    print(f"  first error: {load['first_error']}")
sys.exit(0 if all(checks.values()) else 1)
PY

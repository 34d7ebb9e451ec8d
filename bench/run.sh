#!/usr/bin/env bash
# The benchmark suite of docs/benchmarks.md, all on 127.0.0.1: the HSM's own limits, a firmad on its embedded
# default (SoftHSM2 token + SQLite in a throw-away data directory) driven over HTTP by firma_load, citizens with
# keys and certificates seeded by firma_seed (1,000, 10,000, 100,000). Prints a table, writes
# bench/results/latest.json (and the raw parts under bench/results/parts/, ignored by git).
#
# Usage: bash bench/run.sh BUILD_DIR
# Environment: BENCH_QUICK=1   a few minutes instead of about half an hour (1 s per HSM figure, fewer
#                               transactions, scale 1,000 and 3,000 citizens);
#              BENCH_SCALE=1000,10000,100000   the citizen counts of the scale runs;
#              BENCH_SEED_BUDGET=1200          seconds allowed for seeding the largest count (issue 7: 20 minutes);
#              BENCH_WRAPPED_SCALE=1000,100000,1000000   the citizen counts of the wrapped-custody scale runs (default:
#                               BENCH_SCALE's);
#              BENCH_ONLY=csc   only these parts (comma-separated: service, flow, csc, scale, wrapped), besides the HSM's limits
#                               and the first citizens that every part needs (BENCH_ONLY=csc BENCH_QUICK=1: a minute);
#              BENCH_CSC_THREADS=4   client threads of the csc part (each with its own citizens and SADs);
#              BENCH_MICRO=1   also run the Google Benchmark micro-benchmarks (hsm_bench) into parts/hsm_bench.json;
#              FIRMA_BENCH_TMP=DIR   where the token and database go (default /dev/shm: SoftHSM2 syncs every object
#                               file it writes, which on a disk makes seeding 10 to 15 times slower).
set -euo pipefail

build_dir=${1:-build}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
bin="$build_dir/bin"
for tool in firmad firma_hsm_limit firma_seed firma_load firma_csc_load; do
  if [[ ! -x "$bin/$tool" ]]; then
    echo "bench/run.sh: $bin/$tool not found: build with -DFIRMA_BENCH=ON (make bench does)" >&2
    exit 1
  fi
done

quick=${BENCH_QUICK:-0}
if [[ "$quick" == 1 ]]; then
  hsm_seconds=1; keygen=200; argon2_runs=10
  flow_tx_1=15; flow_tx_8=40; flow_tx_32=64; batch_tx=16; scale_tx=40; csc_rounds=5; csc_flows=5
  scale=${BENCH_SCALE:-1000,3000}
else
  hsm_seconds=3; keygen=1000; argon2_runs=30
  flow_tx_1=60; flow_tx_8=240; flow_tx_32=320; batch_tx=48; scale_tx=200; csc_rounds=20; csc_flows=20
  scale=${BENCH_SCALE:-1000,10000,100000}
fi
seed_budget=${BENCH_SEED_BUDGET:-1200}
only=${BENCH_ONLY:-}
part_on() { [[ -z "$only" || ",$only," == *",$1,"* ]]; }
csc_threads=${BENCH_CSC_THREADS:-4}
IFS=, read -r -a scale_sizes <<<"$scale"

base=${FIRMA_BENCH_TMP:-}
if [[ -z "$base" ]]; then
  if [[ -d /dev/shm && -w /dev/shm ]]; then base=/dev/shm; else base=${TMPDIR:-/tmp}; fi
fi
work=$(mktemp -d "$base/firma-bench-XXXXXX")
parts="$here/results/parts"
rm -rf "$parts"
mkdir -p "$parts"
data="$work/data"
source "$here/firmad.sh"
cleanup() {
  if [[ -n "$firmad_pid" ]]; then kill "$firmad_pid" 2>/dev/null || true; wait "$firmad_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

started_at=$(date -u +%Y-%m-%dT%H:%M:%SZ)
load_start=$(cut -d' ' -f1-3 /proc/loadavg)

start_and_time() {  # $1: name of the start-up figure
  start_firmad
  echo "{\"$1\": $ready_seconds}" >"$parts/startup-$1.json"
}
load() {  # $1 name, then firma_load flags. Also firmad's CPU time over the run: parts/cpu-NAME.json.
  local name=$1 cpu0 cpu1 argon0 argon1; shift
  cpu0=$(firmad_cpu)
  argon0=$(argon2id_cpu)
  run_load "$parts/load-$name.json" "$@"
  cpu1=$(firmad_cpu)
  argon1=$(argon2id_cpu)
  echo "{\"firmad_cpu_seconds\": $(python3 -c "print(round($cpu1-$cpu0,2))"),
 \"firmad_argon2id_cpu_seconds\": $(python3 -c "print(round($argon1-$argon0,3))")}" >"$parts/cpu-$name.json"
}
argon2_now() {  # $1 name: the Argon2id check alone, measured again right before a run, on the same machine state
  mkdir -p "$work/argon2"
  "$bin/firma_hsm_limit" --dir "$work/argon2" --only argon2 --seconds 2 --argon2 "$argon2_runs" \
    >"$parts/argon2-$1.json" 2>/dev/null
  rm -rf "$work/argon2"
}

# 1. The HSM's own limits and the Argon2id check, on a token of their own.
say "HSM limits (raw C_Sign, C_GenerateKeyPair, Argon2id)"
mkdir -p "$work/limit"
"$bin/firma_hsm_limit" --dir "$work/limit" --seconds "$hsm_seconds" --keygen "$keygen" --argon2 "$argon2_runs" \
  >"$parts/hsm_limit.json"
rm -rf "$work/limit"
if [[ "${BENCH_MICRO:-0}" == 1 && -x "$bin/hsm_bench" ]]; then
  mkdir -p "$work/micro"
  FIRMA_BENCH_DIR="$work/micro" "$bin/hsm_bench" --benchmark_out="$parts/hsm_bench.json" --benchmark_out_format=json \
    --benchmark_counters_tabular=true >&2
  rm -rf "$work/micro"
fi

# 2. firmad's first start makes the token, the CA and the operator token; then the first citizens, one issuer
#    thread, which is also the issuance figure (key pair + certificate + storage, as CredentialService::issue does).
mkdir -p "$data"
start_and_time first_start
stop_firmad
first=${scale_sizes[0]}
seed 0 "$first" 1 "$parts/seed-$first.json"
start_and_time "citizens_$first"

# 3. Service batch signing (EC P-256, the citizens' default): 100 raw digests, 10 CAdES documents.
if part_on service; then
  say "batches"
  load batch_raw --format raw --documents 100 --concurrency 4 --transactions "$batch_tx" --warmup 4 --citizens "0:$first"
  load batch_cades --format cades --documents 10 --concurrency 4 --transactions "$batch_tx" --warmup 4 --citizens "0:$first"
fi
# 4. The full flow, one CAdES document per transaction, at concurrency 1, 8 and 32.
part_on flow && for c in 1 8 32; do
  say "full flow, concurrency $c"
  argon2_now "flow_c$c"
  tx_var="flow_tx_$c"
  load "flow_c$c" --format cades --documents 1 --concurrency "$c" --transactions "${!tx_var}" --warmup "$c" \
    --citizens "0:$first"
done

# 4b. The CSC front (explicit mode): signHash calls of 100 hashes under SADs of 1,000, then whole flows (sendOTP,
#     outbox, authorize with 1,000 hashes, 10 signHash calls). A citizen per SAD (sendOTP: one code per 30 s), taken
#     from the top of the seeded range, which the flows above do not reach.
if part_on csc; then
  say "CSC: signHash and authorize + sign of 1,000 hashes ($csc_threads client threads)"
  csc_citizens=$((csc_threads * (csc_rounds + csc_flows)))
  cpu0=$(firmad_cpu)
  argon0=$(argon2id_cpu)
  "$bin/firma_csc_load" --url "$url" --operator-token-file "$data/secrets/operator-token" --threads "$csc_threads" \
    --rounds "$csc_rounds" --flows "$csc_flows" --hashes 1000 --per-call 100 --firmad-pid "$firmad_pid" \
    --citizens "$((first - csc_citizens)):$csc_citizens" >"$parts/csc.json" ||
    say "firma_csc_load failed or a signature did not verify: the csc goals are reported unmet"
  echo "{\"firmad_cpu_seconds\": $(python3 -c "print(round($(firmad_cpu)-$cpu0,2))"),
 \"firmad_argon2id_cpu_seconds\": $(python3 -c "print(round($(argon2id_cpu)-$argon0,3))")}" >"$parts/cpu-csc.json"
fi

# 5. Scale: the confirm step with N citizens on the token, transactions for citizens picked at random among them.
scale_run() {  # $1 citizens, [$2 prefix of the figures' names: wrapped_]
  say "scale: $1 citizens ${2:+(${2%_})}"
  load "scale_${2:-}$1" --format cades --documents 1 --concurrency 1 --transactions "$scale_tx" --warmup 5 --random \
    --citizens "0:$1"
  echo "{\"rss_kib\": $(firmad_rss_kib)}" >"$parts/rss-scale_${2:-}$1.json"
}
part_on scale && scale_run "$first"
seeded=$first
part_on scale && for n in "${scale_sizes[@]:1}"; do
  stop_firmad
  budget=""
  [[ "$n" == "${scale_sizes[-1]}" ]] && budget=$seed_budget
  seed "$seeded" "$n" 2 "$parts/seed-$n.json" $budget
  reached=$(python3 -c "import json; print(json.load(open('$parts/seed-$n.json'))['reached'])")
  start_and_time "citizens_$reached"
  scale_run "$reached"
  seeded=$reached
done
stop_firmad

# 5b. Wrapped custody (issue 16): the same scale runs with citizens' keys wrapped in the database under a KEK on the
#     token (hsm.key_custody = wrapped), on a data directory of their own; firma_seed issues through the same
#     CredentialService, so each key is generated in the HSM and wrapped there.
if part_on wrapped; then
  token_data=$data
  data="$work/wrapped"
  mkdir -p "$data"
  firmad_settings+=(--set hsm.key_custody=wrapped)
  seed_settings=(--set hsm.key_custody=wrapped)
  IFS=, read -r -a wrapped_sizes <<<"${BENCH_WRAPPED_SCALE:-$scale}"
  start_and_time wrapped_first_start
  stop_firmad
  seeded=0
  for n in "${wrapped_sizes[@]}"; do
    budget=""
    [[ "$n" == "${wrapped_sizes[-1]}" ]] && budget=$seed_budget
    seed "$seeded" "$n" 2 "$parts/seed-wrapped-$n.json" $budget
    reached=$(python3 -c "import json; print(json.load(open('$parts/seed-wrapped-$n.json'))['reached'])")
    start_and_time "wrapped_citizens_$reached"
    scale_run "$reached" wrapped_
    stop_firmad
    seeded=$reached
  done
  du -sh "$data/hsm" "$data"/firma.db* | sed 's/^/wrapped: /' >"$parts/disk-wrapped.txt" 2>/dev/null || true
  data=$token_data
  seed_settings=()
fi

# 6. One JSON, one table.
{ du -sh "$data/hsm" "$data"/firma.db* 2>/dev/null; cat "$parts/disk-wrapped.txt" 2>/dev/null; } >"$parts/disk.txt" || true
load_end=$(cut -d' ' -f1-3 /proc/loadavg)
python3 "$here/report.py" --parts "$parts" --out "$here/results/latest.json" \
  --build-dir "$build_dir" --started "$started_at" --load-start "$load_start" --load-end "$load_end" \
  --quick "$quick" --scale "$scale"

# Shared by bench/run.sh and bench/soak.sh (sourced, not run): a firmad on its embedded default in a throw-away
# data directory on 127.0.0.1, citizens seeded by firma_seed, firma_load against it.
# The caller sets: bin (the build's bin/), data (the data directory), work (scratch, for firmad.out).

say() { echo "bench: $*" >&2; }

# A free port on 127.0.0.1.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
url="http://127.0.0.1:$port"
# Rate limits raised through the configuration (they guard public forms against brute force; one client
# address here makes thousands of attempts on purpose). Everything else is the embedded default.
firmad_settings=(
  --set log.level=warn
  --set rate_limit.per_address.burst=1000000 --set rate_limit.per_address.per_hour=100000000
  --set rate_limit.per_nif.burst=1000000 --set rate_limit.per_nif.per_hour=100000000
  --set signing.max_documents=100
)
firmad_pid=""
seed_settings=()  # more --set KEY=VALUE for firma_seed (hsm.key_custody=wrapped for the wrapped scale runs)

# Starts firmad and waits for /readyz; sets ready_seconds.
start_firmad() {
  local t0 t1
  t0=$(date +%s.%N)
  "$bin/firmad" --data-dir "$data" --listen "127.0.0.1:$port" "${firmad_settings[@]}" >>"$work/firmad.out" 2>&1 &
  firmad_pid=$!
  for _ in $(seq 1 1800); do
    if curl -sf "$url/readyz" >/dev/null 2>&1; then
      t1=$(date +%s.%N)
      ready_seconds=$(python3 -c "print(round($t1-$t0,3))")
      say "firmad ready in $(python3 -c "print(round($t1-$t0,1))") s"
      return 0
    fi
    if ! kill -0 "$firmad_pid" 2>/dev/null; then cat "$work/firmad.out" >&2; say "firmad died"; exit 1; fi
    sleep 0.2
  done
  say "firmad did not become ready"; exit 1
}
stop_firmad() {
  kill -TERM "$firmad_pid"; wait "$firmad_pid" || true; firmad_pid=""
}
seed() {  # $1 from, $2 to, $3 threads, $4 output file, [$5 deadline seconds]
  say "seeding citizens $1..$2 ($3 thread(s))"
  "$bin/firma_seed" --data-dir "$data" --from "$1" --to "$2" --threads "$3" --set "server.listen=127.0.0.1:$port" \
    ${seed_settings[@]+"${seed_settings[@]}"} ${5:+--deadline-seconds "$5"} >"$4"
}
firmad_rss_kib() {  # firmad's resident set size now
  awk '$1 == "VmRSS:" {print $2}' "/proc/$firmad_pid/status"
}
firmad_cpu() {  # CPU seconds firmad has used (utime + stime, clock ticks)
  awk -v hz="$(getconf CLK_TCK)" '{printf "%.2f", ($14 + $15) / hz}' "/proc/$firmad_pid/stat"
}
argon2id_cpu() {  # CPU seconds firmad has spent in Argon2id (its own counter on /metrics)
  curl -sf "$url/metrics" | awk '$1 == "firma_password_hash_cpu_microseconds_total" {printf "%.3f", $2 / 1e6; found = 1}
    END {if (!found) printf "0"}'
}
run_load() {  # $1 output file, then firma_load flags
  local out=$1; shift
  "$bin/firma_load" --url "$url" --operator-token-file "$data/secrets/operator-token" "$@" >"$out"
}

#!/usr/bin/env bash
# Runs fuzz targets built in a fuzz build directory: first each saved regression input once, then libFuzzer for
# a set time on the seed corpus (new inputs go to a working corpus, never into the repository). Prints one line
# per target: executions and crashes. Exit status 1 when any target crashed (its reproducer and log are kept).
#
#   tests/fuzz/run.sh [--keep-going] FUZZ_BUILD_DIR SECONDS [TARGET...]   (no TARGET: all of targets.cmake)
#   --keep-going: fuzz in a child process (libFuzzer's -fork=1) that is restarted after a crash, and count them;
#                 without it the first crash stops the target (the smoke tests).
#   FUZZ_WORK: where working corpora, logs and crash reproducers go (default FUZZ_BUILD_DIR/work)
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
keep_going=0
if [ "${1:-}" = "--keep-going" ]; then
  keep_going=1
  shift
fi
build=${1:?fuzz build directory}
seconds=${2:?seconds per target}
shift 2
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  read -r -a targets <<<"$(sed -n 's/^set(FIRMA_FUZZ_TARGETS \(.*\))$/\1/p' "$here/targets.cmake")"
fi
work=${FUZZ_WORK:-$build/work}

status=0
for target in "${targets[@]}"; do
  program="$build/bin/fuzz_$target"
  if [ ! -x "$program" ]; then
    echo "$target: $program is not built"
    status=1
    continue
  fi
  mkdir -p "$work/corpus/$target" "$work/artifacts/$target" "$work/logs"
  log="$work/logs/$target.log"
  options=(-print_final_stats=1 -timeout=25 -rss_limit_mb=2560 "-artifact_prefix=$work/artifacts/$target/")
  [ -f "$here/dict/$target.dict" ] && options+=("-dict=$here/dict/$target.dict")

  # Every saved reproducer must now pass (libFuzzer runs each file given as an argument once).
  mapfile -t regressions < <(find "$here/regressions/$target" -type f ! -name '.*' 2>/dev/null | sort)
  if [ ${#regressions[@]} -gt 0 ] && ! "$program" "${options[@]}" "${regressions[@]}" >"$log" 2>&1; then
    echo "$target: a regression input crashes again (tests/fuzz/regressions/$target)"
    tail -n 60 "$log"
    status=1
    continue
  fi

  if [ $keep_going -eq 1 ]; then
    "$program" "${options[@]}" -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
      -max_total_time="$seconds" "$work/corpus/$target" "$here/corpus/$target" >"$log" 2>&1
    code=$?
    # The parent's progress lines: "#<executions>: cov: ... oom/timeout/crash: <o>/<t>/<c> time: ..."
    last=$(grep -E '^#[0-9]+: ' "$log" | tail -n 1)
    executions=$(sed -n 's/^#\([0-9]*\): .*/\1/p' <<<"$last")
    failures=$(sed -n 's|.*oom/timeout/crash: \([0-9]*\)/\([0-9]*\)/\([0-9]*\).*|\1 out-of-memory, \2 timeouts, \3 crashes|p' <<<"$last")
    echo "$target: ${executions:-?} executions in ${seconds} s, ${failures:-? crashes}; log: $log"
    if [ $code -ne 0 ] || ! grep -q 'oom/timeout/crash: 0/0/0' <<<"$last"; then
      echo "  reproducers: $work/artifacts/$target/"
      status=1
    fi
    continue
  fi
  "$program" "${options[@]}" -max_total_time="$seconds" "$work/corpus/$target" "$here/corpus/$target" >"$log" 2>&1
  code=$?
  executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  if [ $code -eq 0 ]; then
    echo "$target: ${executions:-?} executions in ${seconds} s, 0 crashes"
  else
    artifact=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
    echo "$target: ${executions:-?} executions, 1 crash (exit $code); reproducer: ${artifact:-none}; log: $log"
    tail -n 60 "$log"
    status=1
  fi
done
exit $status

#!/usr/bin/env bash
# Runs the fuzz targets (mk/fuzz.mk): `run.sh smoke` replays each target's seeds (corpus/<target>) and kept
# crashes (regressions/<target>) once, then fuzzes it for FUZZ_SMOKE_SECONDS (default 5); `run.sh bench` fuzzes
# each target for FUZZ_SECONDS (default 600) and writes the inputs tried and crashes found to FUZZ_FIGURES.
# FUZZ_TARGETS="a b" limits either to those targets. One fuzzer at a time, at the lowest priority (nice 19).
# A crash stops that target: libFuzzer writes the input to artifacts/<target>/ and prints it; keep it in
# regressions/<target>/ once fixed (crates/patdesk-core/tests/offline/fuzz_regressions.rs replays it).
set -uo pipefail
cd "$(dirname "$0")"
root=$(cd .. && pwd)
export PATH="$root/.tools/bin:$PATH"
toolchain=${FUZZ_TOOLCHAIN:-nightly}
mode=${1:-smoke}
targets=${FUZZ_TARGETS:-$(ls fuzz_targets | sed 's/\.rs$//')}
fuzz() { nice -n 19 cargo "+$toolchain" fuzz "$@"; }

# -a: debug assertions and overflow checks on, as in the tests.
fuzz build -a || { echo "the fuzz targets did not build"; exit 1; }

passed=0
failed=0
case "$mode" in
smoke)
  seconds=${FUZZ_SMOKE_SECONDS:-5}
  for t in $targets; do
    work=$(mktemp -d "$PWD/work.smoke.XXXXXX")
    dirs=("corpus/$t")
    [ -d "regressions/$t" ] && dirs+=("regressions/$t")
    # New inputs go to the first folder: a throw-away one, so the committed seeds stay as they are.
    if fuzz run -a "$t" "$work" "${dirs[@]/#/$PWD/}" -- -runs=0 >"$work.log" 2>&1 &&
       fuzz run -a "$t" "$work" "${dirs[@]/#/$PWD/}" -- -max_total_time="$seconds" >>"$work.log" 2>&1; then
      echo "fuzz smoke $t: ok"
      passed=$((passed + 1))
    else
      echo "fuzz smoke $t: FAILED"
      tail -n 40 "$work.log"
      failed=$((failed + 1))
    fi
    rm -rf "$work" "$work.log"
  done
  ;;
bench)
  seconds=${FUZZ_SECONDS:-600}
  figures=${FUZZ_FIGURES:-$root/target/fuzz-figures.md}
  mkdir -p "$(dirname "$figures")" logs
  {
    echo "Fuzzing, $(date -u +%Y-%m-%d), $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo "no git"), $(cargo "+$toolchain" --version), $(nproc) cores, nice 19:"
    echo
    echo "| target | seconds | inputs tried | crashes | corpus after |"
    echo "| --- | ---: | ---: | ---: | ---: |"
  } >"$figures"
  for t in $targets; do
    work="work/$t"
    mkdir -p "$work"
    log="logs/$t.log"
    start=$SECONDS
    fuzz run -a "$t" "$PWD/$work" "$PWD/corpus/$t" -- -max_total_time="$seconds" -print_final_stats=1 \
      -timeout=10 -rss_limit_mb=4096 >"$log" 2>&1
    rc=$?
    took=$((SECONDS - start))
    runs=$(sed -n -E 's/^stat::number_of_executed_units: *([0-9]+).*/\1/p' "$log" | tail -n 1)
    corpus=$(ls "$work" | wc -l)
    echo "| $t | $took | ${runs:-?} | $([ "$rc" -eq 0 ] && echo 0 || echo "1 (stopped)") | $corpus |" >>"$figures"
    if [ "$rc" -eq 0 ]; then
      passed=$((passed + 1))
      echo "fuzz $t: $took s, ${runs:-?} inputs, no crash"
    else
      failed=$((failed + 1))
      echo "fuzz $t: CRASH after $took s (${runs:-?} inputs); log in fuzz/$log:"
      grep -E 'panicked|Test unit written|ERROR' "$log" | head -n 5
    fi
  done
  echo
  cat "$figures"
  ;;
*)
  echo "usage: run.sh smoke|bench" >&2
  exit 2
  ;;
esac
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

#!/usr/bin/env bash
# `make test`: installs what is missing, then runs every check and test of the project in order, stopping at
# the first failure with the step's name and log. It closes with one plain line, "N passed, N failed", summed
# from the runners' own counts (cargo/libtest "test result:" lines, which include the E2E suite and the Windows
# test binaries run under Wine, vitest's "Tests" line, and the Windows scripts' "N passed, N failed"), which CI
# reads.
set -uo pipefail
cd "$(dirname "$0")/.."

logs=target/test-logs
mkdir -p "$logs"
passed=0
failed=0
started=$SECONDS

# Adds the counts a step's log reports to the totals.
tally() {
  local clean p f line
  clean=$(sed -E 's/\x1b\[[0-9;]*[A-Za-z]//g' "$1")
  while read -r p f; do
    passed=$((passed + p)); failed=$((failed + f))
  done < <(sed -n -E 's/^test result: [A-Za-z]+\. ([0-9]+) passed; ([0-9]+) failed;.*/\1 \2/p' <<< "$clean")
  # The Windows scripts' own checks (scripts/windows/test-*.sh): a plain "N passed, N failed" line.
  while read -r p f; do
    passed=$((passed + p)); failed=$((failed + f))
  done < <(sed -n -E 's/^([0-9]+) passed, ([0-9]+) failed$/\1 \2/p' <<< "$clean")
  # vitest: "      Tests  2 failed | 40 passed (42)"
  line=$(grep -E '^[[:space:]]*Tests[[:space:]]+[0-9]' <<< "$clean" | tail -n 1 || true)
  if [ -n "$line" ]; then
    p=$(sed -n -E 's/.* ([0-9]+) passed.*/\1/p' <<< "$line"); f=$(sed -n -E 's/.* ([0-9]+) failed.*/\1/p' <<< "$line")
    passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))
  fi
}

closing_line() {
  echo "Total time: $(( (SECONDS - started) / 60 )) min $(( (SECONDS - started) % 60 )) s"
  echo "$passed passed, $failed failed"
}

step() {
  local name=$1 log="$logs/$1.log" rc t0=$SECONDS
  shift
  echo
  echo "==> $name: $*"
  "$@" 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  tally "$log"
  if [ "$rc" -ne 0 ]; then
    echo
    echo "make test FAILED at step '$name' (exit code $rc). Full output: $log"
    # A runner that failed before counting (a compile error, say) still counts as one failure.
    [ "$failed" -gt 0 ] || failed=1
    closing_line
    exit "$rc"
  fi
  echo "<== $name ok ($((SECONDS - t0)) s)"
}

m() { make --no-print-directory "$@"; }

step install         m deps tools
step fmt             m fmt-check
step clippy          m clippy
step deny            m deny
step rust-tests      m test-rust
step generated-types m test-generated-types
step any-date-tests  m test-any-date
step fuzz-smoke      m fuzz-smoke
step clipboard-tests m test-clipboard
step keychain-tests  m test-keychain
step ui-check        m test-ui-check
step ui-tests        m test-ui
step e2e             m e2e
step package-test    m test-package
step windows-tests   m test-windows
step windows-package m test-package-windows

echo
echo "make test: every step passed."
closing_line

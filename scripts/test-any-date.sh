#!/usr/bin/env bash
# `make test-any-date`: the Rust suites (core, simulator, shell; the same binaries as `make test-rust`) run
# again with the process clock moved a year ahead and a year behind, through libfaketime. No test may depend
# on the day it runs: dates a test reasons about come from the simulator's clock or an explicit "now".
#
# The binaries are built normally first (cargo itself does not like a fake clock), then run directly under
# `faketime`. Only the wall clock moves: the monotonic clock stays real, so timers and time-outs behave.
set -uo pipefail
cd "$(dirname "$0")/.."

command -v faketime >/dev/null || {
  echo "test-any-date: faketime is missing (Debian package faketime; make deps installs it)." >&2
  exit 1
}

binaries=$(cargo test --workspace --exclude patdesk-e2e --no-run --message-format=json 2>/dev/null |
  node -e '
    let s = ""; process.stdin.on("data", d => s += d).on("end", () => {
      for (const line of s.split("\n")) {
        if (!line.startsWith("{")) continue;
        const m = JSON.parse(line);
        if (m.reason === "compiler-artifact" && m.profile && m.profile.test && m.executable)
          console.log(m.manifest_path.replace(/\/Cargo\.toml$/, "") + " " + m.executable);
      }
    });')
if [ -z "$binaries" ]; then
  echo "test-any-date: cargo built no test binary; nothing to run." >&2
  exit 1
fi

export FAKETIME_DONT_FAKE_MONOTONIC=1
# Mono (Debian's `nuget`, which the hand-off tests run) can abort under libfaketime: its timed waits get EINVAL
# from the faked clock. It runs with the real clock, through a `nuget` first on PATH that drops the preload;
# what these runs check is PAT Desk's own reasoning about dates, not the tools' clocks.
real_clock=$(mktemp -d)
trap 'rm -rf "$real_clock"' EXIT
if nuget=$(command -v nuget); then
  printf '#!/bin/sh\nunset LD_PRELOAD\nexec %s "$@"\n' "$nuget" > "$real_clock/nuget"
  chmod +x "$real_clock/nuget"
  export PATH="$real_clock:$PATH"
fi
# What cargo would set from .cargo/config.toml: ts-rs's export test writes the window's types there (the same
# files, unchanged), not into a stray bindings/ folder.
export TS_RS_EXPORT_DIR="$PWD/ui/src/lib/generated"
status=0
for offset in +365d -365d; do
  echo "test-any-date: the clock moved $offset (now $(faketime -f "$offset" date -u +%Y-%m-%dT%H:%MZ))"
  while read -r dir exe; do
    # cargo runs each test binary in its package's directory; so do we.
    echo "test-any-date [$offset]: ${exe##*/}"
    (cd "$dir" && faketime -f "$offset" "$exe") || {
      echo "test-any-date: ${exe##*/} FAILED with the clock moved $offset" >&2
      status=1
    }
  done <<< "$binaries"
done
exit "$status"

#!/usr/bin/env bash
# Runs every `--test keychain*` target of the workspace against a real Secret Service: a private D-Bus
# session with a throw-away, unlocked gnome-keyring whose files live in a temp dir and vanish with it.
# No target is skipped silently: each one found is named before it runs, and finding none is said out loud.
set -euo pipefail
cd "$(dirname "$0")/.."
targets=$(cargo metadata --no-deps --format-version 1 | node -e '
  let s = ""; process.stdin.on("data", d => s += d).on("end", () => {
    for (const p of JSON.parse(s).packages)
      for (const t of p.targets)
        if (t.kind.includes("test") && t.name.startsWith("keychain")) console.log(p.name + " " + t.name);
  });')
if [ -z "$targets" ]; then
  echo "test-keychain: the workspace has no --test keychain* target yet; nothing to run."
  exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0
while read -r package target; do
  echo "test-keychain: $package --test $target (private D-Bus session, unlocked gnome-keyring)"
  # The keyring daemon reads its password from stdin; XDG_DATA_HOME keeps its files in the temp dir.
  CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}" RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}" \
  XDG_DATA_HOME="$tmp/data" HOME="$tmp/home" \
    dbus-run-session -- sh -c 'mkdir -p "$HOME" "$XDG_DATA_HOME" &&
      echo -n patdesk-test | gnome-keyring-daemon --unlock --components=secrets >/dev/null &&
      exec cargo test -p "$0" --test "$1"' "$package" "$target" || status=$?
  [ "$status" -eq 0 ] || { echo "test-keychain: $package --test $target FAILED" >&2; exit "$status"; }
done <<< "$targets"

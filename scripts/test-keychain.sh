#!/usr/bin/env bash
# `make test-keychain`: runs every `--test keychain*` target of the workspace against a real Secret Service —
# a private D-Bus session with a throw-away, unlocked gnome-keyring (scripts/with-keyring.sh).
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
  echo "test-keychain: the workspace has no --test keychain* target; nothing to run."
  exit 0
fi
echo "test-keychain: targets found: $(echo "$targets" | tr '\n' ',' | sed 's/,$//; s/,/, /g')"
while read -r package target; do
  echo "test-keychain: cargo test -p $package --test $target (private D-Bus session, unlocked gnome-keyring)"
  scripts/with-keyring.sh cargo test -p "$package" --test "$target" ||
    { status=$?; echo "test-keychain: $package --test $target FAILED" >&2; exit "$status"; }
done <<< "$targets"

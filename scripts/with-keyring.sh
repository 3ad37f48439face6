#!/usr/bin/env bash
# Run a command against a real, throw-away Secret Service: a private D-Bus session (dbus-run-session) with an
# unlocked gnome-keyring whose keyring files live in a temp dir. Everything (bus, daemon, files) ends with the
# command. Nothing of the caller's own keychain is touched.
#
#   scripts/with-keyring.sh cargo test -p patdesk-core --test keychain
#
# Inside, PATDESK_PRIVATE_KEYRING=1 tells tests they are in such a session (tests/keychain.rs re-runs itself
# through this script when it is not set, so it never touches a developer's real keychain).
# Needs the Debian packages `dbus` and `gnome-keyring`. Avoid `dbus-x11` (autolaunch starts stray daemons).
set -euo pipefail

if [ "$#" -lt 1 ]; then
  echo "usage: $0 CMD [ARGS...]" >&2
  exit 2
fi
for tool in dbus-run-session gnome-keyring-daemon; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "with-keyring: '$tool' is not installed (Debian: apt-get install dbus gnome-keyring)" >&2
    exit 127
  fi
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/patdesk-keyring.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/data" "$tmp/run"
chmod 700 "$tmp/run"

# XDG_DATA_HOME: the keyring files. XDG_RUNTIME_DIR: gnome-keyring's control socket, private so that
# `--unlock` starts a new daemon on this bus instead of talking to one of another session.
export XDG_DATA_HOME="$tmp/data" XDG_RUNTIME_DIR="$tmp/run" PATDESK_PRIVATE_KEYRING=1

# The password comes on stdin; --unlock creates the login keyring unlocked. The daemon runs in the foreground
# as a child of this session so it can be ended by its pid afterwards (it does not leave on its own when the
# session bus closes). The command starts once org.freedesktop.secrets is on the bus.
dbus-run-session -- sh -c '
  echo -n pw | gnome-keyring-daemon --foreground --unlock --components=secrets >/dev/null 2>&1 &
  keyring=$!
  tries=0
  until dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
          org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q "boolean true"; do
    tries=$((tries + 1))
    if [ "$tries" -gt 200 ] || ! kill -0 "$keyring" 2>/dev/null; then
      echo "with-keyring: gnome-keyring-daemon did not start" >&2
      kill "$keyring" 2>/dev/null
      exit 1
    fi
    sleep 0.05
  done
  status=0
  "$@" || status=$?
  kill "$keyring" 2>/dev/null
  wait "$keyring" 2>/dev/null
  exit "$status"' with-keyring "$@"

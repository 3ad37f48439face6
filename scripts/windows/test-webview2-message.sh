#!/usr/bin/env bash
# Tests the Windows build of PAT Desk, patdesk.exe, where no WebView2 Runtime can draw its window (Wine has
# none): instead of crashing it must show a "PAT Desk" message box that says what is missing and offers
# Microsoft's download page, then exit with its documented code (2: not installed, 3: installed but unusable)
# and no panic. Each case runs the real exe in a fresh Wine prefix on a private Xvfb display; the box is found
# and answered with xdotool (scripts/windows/wine-dialogs.sh). The download page is "opened" through Wine's
# own browser launcher, pointed at a script that records the address instead of starting a browser.
# Also checks the exe's resources (icon group, version strings) and the high-DPI sizes of icons/icon.ico.
#
#   scripts/windows/test-webview2-message.sh target/windows/x86_64-pc-windows-gnu/release/patdesk.exe
#
# Ends with "N passed, N failed" and a non-zero status when a check failed.
set -uo pipefail
cd "$(dirname "$0")/../.."
exe=${1:?usage: $0 path/to/patdesk.exe}
[ -f "$exe" ] || { echo "No exe at $exe: build it first (make windows)." >&2; exit 2; }
exe=$(realpath "$exe")

source scripts/windows/env.sh
source scripts/windows/wine.sh
source scripts/windows/wine-dialogs.sh

download_url='https://go.microsoft.com/fwlink/p/?LinkId=2124703'
work=$(mktemp -d)
passed=0
failed=0
pass() { passed=$((passed + 1)); echo "ok   $1"; }
fail() { failed=$((failed + 1)); echo "FAIL $1"; shift; for line in "$@"; do echo "     $line"; done; }

cleanup() {
  end_wine_prefix
  stop_test_display
  rm -rf "$work"
}
trap cleanup EXIT

# --- the exe's resources -------------------------------------------------------------------------------------
resources=$(wrestool -l "$exe" 2>&1)
# The version resource's strings are UTF-16: each key on one line, its value on the next.
version_strings=$(wrestool -x --raw --type=16 "$exe" 2>/dev/null | strings -el)
version_string() { grep -x -A1 -- "$1" <<<"$version_strings" | sed -n 2p; }
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)
missing=()
grep -q -- '--type=14 ' <<<"$resources" || missing+=("an icon group (type 14)")
grep -q -- '--type=16 ' <<<"$resources" || missing+=("a version resource (type 16)")
for expected in "ProductName=PAT Desk" "FileDescription=PAT Desk" "FileVersion=$version" "ProductVersion=$version" \
  "CompanyName=PAT Desk contributors"; do
  [ "$(version_string "${expected%%=*}")" = "${expected#*=}" ] ||
    missing+=("${expected%%=*} \"${expected#*=}\" (has \"$(version_string "${expected%%=*}")\")")
done
grep -qx LegalCopyright <<<"$version_strings" || missing+=("LegalCopyright")
# The icon group holds every size of icons/icon.ico.
icons_in_exe=$(grep -c -- '--type=3 ' <<<"$resources")
icons_in_file=$(icotool -l icons/icon.ico | grep -c -- '--icon')
[ "$icons_in_exe" -eq "$icons_in_file" ] ||
  missing+=("the $icons_in_file images of icons/icon.ico (the exe has $icons_in_exe)")
if [ ${#missing[@]} -eq 0 ]; then
  pass "patdesk.exe carries the app icon ($icons_in_exe sizes) and version resources (PAT Desk $version, PAT Desk contributors)"
else
  fail "patdesk.exe's resources" "missing: ${missing[*]}" "wrestool -l: $resources"
fi

sizes=$(icotool -l icons/icon.ico | sed -n 's/.*--width=\([0-9]*\).*/\1/p' | sort -n | tr '\n' ' ')
absent=()
for size in 16 24 32 48 64 256; do
  grep -qw "$size" <<<"$sizes" || absent+=("$size")
done
if [ ${#absent[@]} -eq 0 ]; then
  pass "icons/icon.ico holds 16, 24, 32, 48, 64 and 256 pixels (has: $sizes)"
else
  fail "icons/icon.ico lacks sizes ${absent[*]} (has: $sizes)" "remake it from icons/patdesk.svg: make icons"
fi

# --- the message box under Wine -----------------------------------------------------------------------------
if ! start_test_display; then
  fail "a virtual display for Wine" "Xvfb did not start"
  echo "$passed passed, $failed failed"
  exit 1
fi

# Runs the exe in a fresh prefix, answers its box with KEY, and checks the exit code and what was opened.
#   run_case NAME KEY EXPECTED_EXIT EXPECTED_OPENED_URL(empty: none) [registry version to set]
run_case() {
  local name=$1 key=$2 expected_exit=$3 expected_url=$4 registered=${5:-}
  local prefix="$work/prefix-$expected_exit" opened="$work/opened-$expected_exit" stderr="$work/stderr-$expected_exit"
  new_wine_prefix "$prefix"
  # Wine's browser launcher starts the first program of this list; the recorder keeps the address it was given.
  printf '#!/bin/sh\nprintf "%%s\\n" "$*" >> "%s"\n' "$opened" >"$work/record-url"
  chmod +x "$work/record-url"
  "$WINE" reg add 'HKCU\Software\Wine\WineBrowser' /v Browsers /t REG_SZ /d "$work/record-url" /f >/dev/null 2>&1
  if [ -n "$registered" ]; then
    "$WINE" reg add 'HKCU\Software\Microsoft\EdgeUpdate\Clients\{F3017226-FE2A-4295-8BDF-00C3A9A7E4C5}' \
      /v pv /t REG_SZ /d "$registered" /f >/dev/null 2>&1
  fi
  "$WINESERVER" -w

  "$WINE" "$exe" >/dev/null 2>"$stderr" &
  local pid=$! id code problems=()
  if id=$(wait_for_window_named "PAT Desk" 60); then
    answer_window "$id" "$key" || problems+=("the box stayed open after pressing $key")
  else
    problems+=("no window titled \"PAT Desk\" appeared within 60 s")
  fi
  # The exe must end by itself once the box is answered.
  local deadline=$((SECONDS + 30))
  while kill -0 "$pid" 2>/dev/null && [ "$SECONDS" -le "$deadline" ]; do sleep 0.3; done
  if kill -0 "$pid" 2>/dev/null; then
    problems+=("patdesk.exe was still running 30 s after the box was answered")
    "$WINESERVER" -k >/dev/null 2>&1
  fi
  wait "$pid"
  code=$?
  [ "$code" -eq "$expected_exit" ] || problems+=("exit code $code, expected $expected_exit")
  if grep -qiE 'panicked|RUST_BACKTRACE|could not start its window' "$stderr"; then
    problems+=("a panic on stderr: $(head -c 400 "$stderr")")
  fi
  # The launcher runs detached from the exe: give it a moment to write.
  [ -n "$expected_url" ] && for _ in $(seq 1 20); do [ -s "$opened" ] && break; sleep 0.3; done
  local got_url
  got_url=$(cat "$opened" 2>/dev/null)
  if [ -n "$expected_url" ]; then
    grep -qF "$expected_url" <<<"$got_url" || problems+=("opened \"$got_url\", expected $expected_url")
  else
    [ -z "$got_url" ] || problems+=("opened \"$got_url\" although the person said No")
  fi
  end_wine_prefix
  if [ ${#problems[@]} -eq 0 ]; then
    pass "$name"
  else
    fail "$name" "${problems[@]}"
  fi
}

run_case "no WebView2 Runtime: the box explains, Yes opens Microsoft's download page, exit code 2, no panic" \
  Return 2 "$download_url"
run_case "WebView2 registered but unusable: the box explains, No opens nothing, exit code 3, no panic" \
  n 3 "" 120.0.2210.91

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

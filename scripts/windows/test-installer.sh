#!/usr/bin/env bash
# The Windows installer and the portable zip that `make package-windows` leaves in target/windows/bundle,
# tested for real under Debian's wine64, in a fresh, throw-away Wine prefix on a virtual X display (Xvfb, started
# here when DISPLAY is unset) — a computer without the WebView2 Runtime, as Wine is:
#   - the installer, run silently (/S) as a person without administrator rights would, puts the programs in
#     %LOCALAPPDATA%\Programs\PAT Desk, the Start-menu entry (no desktop shortcut unless asked for) and the
#     "Apps & features" entry with its values; the installed programs are the ones packaged and run;
#   - the installed PAT Desk shows its WebView2 message box, found with xdotool, and ends with the "WebView2 is
#     missing" exit code once answered; while it is open, the uninstaller refuses to remove it;
#   - the uninstaller, run silently, leaves nothing behind (folder, shortcut, registry entry) but the person's
#     settings, which a silent uninstall keeps;
#   - then as a person does, with the keyboard through the pages: the installer says WebView2 is missing, makes
#     the desktop shortcut when ticked and opens PAT Desk ("Open PAT Desk"); the uninstaller asks whether to
#     delete the settings too and, answered Yes, does;
#   - the zip holds exactly the two programs (and WebView2Loader.dll when patdesk.exe loads it), README.txt and
#     LICENSE.txt, the same programs as the installer.
# One line per check, then "N passed, N failed"; exits non-zero when a check failed or could not run.
set -uo pipefail
cd "$(dirname "$0")/../.."
source scripts/windows/env.sh
source scripts/windows/wine.sh
source scripts/windows/wine-dialogs.sh

version=$(awk '/^\[/ { in_ws = ($0 == "[workspace.package]") } in_ws && /^version *=/ { gsub(/.*= *"|".*/, ""); print; exit }' Cargo.toml)
identifier=$(node -p "require('./src-tauri/tauri.conf.json').identifier")
setup="target/windows/bundle/PAT-Desk_${version}_x64-setup.exe"
portable="target/windows/bundle/PAT-Desk_${version}_x64-portable.zip"
for file in "$setup" "$portable"; do
  [ -f "$file" ] || { echo "test-installer: no $file: run 'make package-windows' first." >&2; exit 1; }
done
uninstall_key='HKCU\Software\Microsoft\Windows\CurrentVersion\Uninstall\'"$identifier"
# PAT Desk's exit code when the WebView2 Runtime is not installed (src-tauri/src/webview_runtime.rs).
exit_webview2_missing=2

passed=0
failed=0
pass() { passed=$((passed + 1)); echo "  ok   $1"; }
fail() { failed=$((failed + 1)); echo "  FAIL $1${2:+ — $2}"; }
# check "what is checked" command…: one check, passed when the command succeeds.
check() {
  local what=$1
  shift
  if "$@"; then pass "$what"; else fail "$what"; fi
}
absent() { ! "$@"; }

prefix=""
app_pid=""
cleanup() {
  [ -n "$app_pid" ] && kill "$app_pid" 2>/dev/null
  end_wine_prefix
  [ -n "$prefix" ] && rm -rf "$prefix"
  stop_test_display
}
trap cleanup EXIT
[ -n "${DISPLAY:-}" ] || start_test_display || exit 1

prefix=$(mktemp -d -t patdesk-installer-XXXXXX)
echo "test-installer: a fresh Wine prefix, display $DISPLAY"
new_wine_prefix "$prefix"

# A folder as Windows names it (its variables expanded) and as this machine does.
windows_path() { "$WINE" cmd /c echo "$1" 2>/dev/null | tr -d '\r'; }
unix_path() { "$WINE" winepath -u "$1" 2>/dev/null | tr -d '\r'; }
install_dir_windows="$(windows_path '%LOCALAPPDATA%')\\Programs\\PAT Desk"
install_dir=$(unix_path "$install_dir_windows")
start_menu=$(unix_path "$(windows_path '%APPDATA%')\\Microsoft\\Windows\\Start Menu\\Programs")
desktop=$(unix_path "$(windows_path '%USERPROFILE%')\\Desktop")
settings_dir=$(unix_path "$(windows_path '%APPDATA%')\\$identifier")
[ -n "$install_dir" ] && [ -n "$start_menu" ] && [ -n "$settings_dir" ] ||
  { echo "test-installer: Wine did not name its folders." >&2; exit 1; }

# One value of the uninstall entry, as `reg query` prints it ("<type> <data>"), or nothing.
uninstall_value() {
  "$WINE" reg query "$uninstall_key" /v "$1" 2>/dev/null | tr -d '\r' |
    awk -v name="$1" '$1 == name { $1 = ""; sub(/^ +/, ""); print }'
}
value_is() {
  local got
  got=$(uninstall_value "$1")
  [ "$got" = "$2" ] || { echo "       $1 is '$got', expected '$2'"; return 1; }
}
uninstall_key_exists() { "$WINE" reg query "$uninstall_key" >/dev/null 2>&1; }
webview2_registered() {
  local key
  for key in 'HKLM\SOFTWARE\WOW6432Node' 'HKLM\SOFTWARE' 'HKCU\SOFTWARE'; do
    "$WINE" reg query "$key\\Microsoft\\EdgeUpdate\\Clients\\{F3017226-FE2A-4295-8BDF-00C3A9A7E4C5}" /v pv \
      >/dev/null 2>&1 && return 0
  done
  return 1
}

# The installer's and the uninstaller's own windows ("PAT Desk Setup", "PAT Desk Uninstall"), one X id a line:
# NSIS ends their titles with a space on some pages, so they are matched here rather than with
# wait_for_window_named (wine-dialogs.sh), which wants the exact title.
installer_windows() { xdotool search --onlyvisible --name "^$1 *\$" 2>/dev/null; }
# Waits up to $3 seconds for a window titled $1 other than the window $2 (pass "" for any); prints its id.
wait_for_installer_window() {
  local deadline=$((SECONDS + $3)) id
  while [ "$SECONDS" -le "$deadline" ]; do
    id=$(installer_windows "$1" | grep -vx "${2:-none}" | head -n 1)
    [ -n "$id" ] && { echo "$id"; return 0; }
    sleep 0.5
  done
  return 1
}
# Keys typed into the window $1, as a person would (xdotool's key names: Return, Tab, space), without waiting
# for it to go, as answer_window does: the installer's pages follow one another in the same window.
press() {
  xdotool windowraise "$1" windowfocus --sync "$1" >/dev/null 2>&1 || true
  xdotool key --clearmodifiers "${@:2}" >/dev/null 2>&1
}
# Waits up to $2 seconds for the process $1 to end; its exit code is then in $exit_code.
wait_for_exit() {
  local i
  for i in $(seq $(($2 * 2))); do
    if ! kill -0 "$1" 2>/dev/null; then
      wait "$1"
      exit_code=$?
      return 0
    fi
    sleep 0.5
  done
  return 1
}
# Runs the uninstaller in place and waits for it: NSIS uninstallers otherwise copy themselves to a temporary
# folder and return at once. `_?=` takes the rest of the command line, spaces included and without quotes, so
# the folder goes in as separate words (Wine would quote a single argument with a space).
uninstall_in_place() {
  local -a words
  read -r -a words <<<"$install_dir_windows"
  timeout 120 "$WINE" "$install_dir/uninstall.exe" /S "_?=${words[0]}" "${words[@]:1}" >/dev/null 2>&1
}

echo "test-installer: installing $setup silently"
check "the WebView2 Runtime is not registered in the fresh prefix (the branch under test)" absent webview2_registered
timeout 180 "$WINE" "$setup" /S >/dev/null 2>&1
code=$?
check "the silent install ends on its own, with success (exit code $code)" test "$code" -eq 0
for file in patdesk.exe patdesk-cli.exe uninstall.exe LICENSE.txt; do
  check "installed: $install_dir_windows\\$file" test -f "$install_dir/$file"
done
# The DLL that a build with the GNU toolchain loads from patdesk.exe's folder.
imports=$(x86_64-w64-mingw32-objdump -p "$install_dir/patdesk.exe" 2>/dev/null)
if grep -qi "DLL Name: WebView2Loader.dll" <<<"$imports"; then
  check "installed beside it: WebView2Loader.dll, which patdesk.exe loads" test -f "$install_dir/WebView2Loader.dll"
  zip_files="LICENSE.txt README.txt WebView2Loader.dll patdesk-cli.exe patdesk.exe "
else
  zip_files="LICENSE.txt README.txt patdesk-cli.exe patdesk.exe "
fi
check "the installed patdesk.exe is the one in the zip" cmp -s "$install_dir/patdesk.exe" <(unzip -p "$portable" patdesk.exe)
check "the installed patdesk-cli.exe is the one in the zip" cmp -s "$install_dir/patdesk-cli.exe" <(unzip -p "$portable" patdesk-cli.exe)
cli_version=$(timeout 60 "$WINE" "$install_dir/patdesk-cli.exe" --version 2>/dev/null | tr -d '\r')
check "the installed patdesk-cli.exe runs and says version $version ('$cli_version')" grep -q "$version" <<<"$cli_version"
check "the Start-menu entry: PAT Desk.lnk" test -f "$start_menu/PAT Desk.lnk"
check "the Start-menu entry opens the installed patdesk.exe" grep -aqi "Programs.PAT Desk.patdesk.exe" "$start_menu/PAT Desk.lnk"
check "no desktop shortcut unless asked for" test ! -e "$desktop/PAT Desk.lnk"

echo "test-installer: the entry in Apps & features ($uninstall_key)"
check "DisplayName" value_is DisplayName "REG_SZ PAT Desk"
check "DisplayVersion" value_is DisplayVersion "REG_SZ $version"
check "Publisher" value_is Publisher "REG_SZ PAT Desk contributors"
check "DisplayIcon" value_is DisplayIcon "REG_SZ $install_dir_windows\\patdesk.exe"
check "InstallLocation" value_is InstallLocation "REG_SZ $install_dir_windows"
check "UninstallString" value_is UninstallString "REG_SZ \"$install_dir_windows\\uninstall.exe\""
check "QuietUninstallString" value_is QuietUninstallString "REG_SZ \"$install_dir_windows\\uninstall.exe\" /S"
check "NoModify" value_is NoModify "REG_DWORD 0x1"
check "NoRepair" value_is NoRepair "REG_DWORD 0x1"
size=$(uninstall_value EstimatedSize | awk '{ print $2 }')
installed_kb=$(du -sk "$install_dir" | cut -f1)
# The size in KiB, as Windows shows it; within 10 % of what the folder holds.
check "EstimatedSize (${size:-none}, the folder holds ${installed_kb} KiB)" \
  test -n "$size" -a $((size)) -gt $((installed_kb * 9 / 10)) -a $((size)) -lt $((installed_kb * 11 / 10 + 8))

echo "test-installer: starting the installed PAT Desk (no WebView2 Runtime here)"
"$WINE" "$install_dir/patdesk.exe" >/dev/null 2>&1 &
app_pid=$!
if box=$(wait_for_window_named "PAT Desk" 90); then
  pass "PAT Desk shows its message box, titled 'PAT Desk', instead of crashing"
  check "PAT Desk waits for the person to answer" kill -0 "$app_pid"
  uninstall_in_place
  code=$?
  check "while PAT Desk is open, the uninstaller refuses (exit code $code, expected 2)" test "$code" -eq 2
  check "… and removes nothing" test -f "$install_dir/patdesk.exe" -a -f "$install_dir/patdesk-cli.exe"
  # "No": do not open the download page.
  check "answered No, the message box goes" answer_window "$box" n
  if wait_for_exit "$app_pid" 30; then
    app_pid=""
    check "answered No, PAT Desk ends with the 'WebView2 is missing' exit code (got $exit_code, expected $exit_webview2_missing)" \
      test "$exit_code" -eq "$exit_webview2_missing"
    check "no PAT Desk window is left" absent wait_for_window_named "PAT Desk" 0
  else
    fail "answered No, PAT Desk ends" "it is still running 30 s later"
  fi
else
  fail "PAT Desk shows its message box, titled 'PAT Desk', instead of crashing" \
    "no such window in 90 s$(kill -0 "$app_pid" 2>/dev/null || echo '; PAT Desk had already ended')"
fi
[ -z "$app_pid" ] || { kill "$app_pid" 2>/dev/null; app_pid=""; }

echo "test-installer: uninstalling silently"
# Settings of the person, which a silent uninstall must keep.
mkdir -p "$settings_dir"
echo '{}' >"$settings_dir/settings.json"
# As Settings > Apps runs it: the uninstaller copies itself to a temporary folder, returns, and that copy
# removes the folder. Wine's server ends when the last program of the prefix has.
timeout 60 "$WINE" "$install_dir/uninstall.exe" /S >/dev/null 2>&1
code=$?
check "the uninstaller starts its copy and returns (exit code $code)" test "$code" -eq 0
timeout 120 "$WINESERVER" -w
check "the uninstall ends within two minutes" test $? -eq 0
check "the program folder is gone" test ! -e "$install_dir"
check "the Start-menu entry is gone" test ! -e "$start_menu/PAT Desk.lnk"
check "the Apps & features entry is gone" absent uninstall_key_exists
check "the person's settings are kept by a silent uninstall" test -f "$settings_dir/settings.json"

echo "test-installer: installing as a person does, through the installer's pages"
"$WINE" "$setup" >/dev/null 2>&1 &
setup_pid=$!
if main=$(wait_for_installer_window "PAT Desk Setup" "" 60); then
  pass "the installer opens its window, 'PAT Desk Setup'"
  # Welcome: Next. Licence: I Agree. Folder (the default): Install.
  press "$main" Return
  sleep 2
  press "$main" Return
  sleep 2
  press "$main" Return
  if question=$(wait_for_installer_window "PAT Desk Setup" "$main" 60); then
    pass "it says the WebView2 Runtime is missing and offers the download page (a question over its window)"
    check "answered No (no download page), the question goes" answer_window "$question" n
  else
    fail "it says the WebView2 Runtime is missing and offers the download page" "no question in 60 s"
  fi
  # The finish page: "Open PAT Desk" is ticked; tick "Put a shortcut to PAT Desk on the desktop"; Finish.
  sleep 2
  press "$main" Tab space Return
  if wait_for_exit "$setup_pid" 60; then
    check "the installer ends with success (exit code $exit_code)" test "$exit_code" -eq 0
  else
    fail "the installer ends after Finish" "still running 60 s later"
  fi
  check "installed in the default folder" test -f "$install_dir/patdesk.exe"
  check "the desktop shortcut, as ticked" test -f "$desktop/PAT Desk.lnk"
  if box=$(wait_for_window_named "PAT Desk" 90); then
    pass "'Open PAT Desk' opened the installed PAT Desk (its WebView2 message box)"
    check "answered No, PAT Desk's message box goes" answer_window "$box" n
  else
    fail "'Open PAT Desk' opened the installed PAT Desk" "no window titled 'PAT Desk' in 90 s"
  fi
else
  fail "the installer opens its window, 'PAT Desk Setup'" "no such window in 60 s"
fi
kill "$setup_pid" 2>/dev/null

echo "test-installer: uninstalling as a person does, deleting the settings too"
local_settings_dir=$(unix_path "$(windows_path '%LOCALAPPDATA%')\\$identifier")
mkdir -p "$local_settings_dir"
echo "a line" >"$local_settings_dir/patdesk.log"
"$WINE" "$install_dir/uninstall.exe" >/dev/null 2>&1
if main=$(wait_for_installer_window "PAT Desk Uninstall" "" 60); then
  pass "the uninstaller opens its window, 'PAT Desk Uninstall'"
  press "$main" Return
  if question=$(wait_for_installer_window "PAT Desk Uninstall" "$main" 60); then
    pass "it asks whether to delete the settings too"
    check "answered Yes, the question goes" answer_window "$question" y
  else
    fail "it asks whether to delete the settings too" "no question in 60 s"
  fi
  # The last page: Close (pressed again until the window goes: the button is greyed out while it works).
  for _ in $(seq 15); do
    press "$main" Return
    wait_for_window_gone "$main" 2 && break
  done
else
  fail "the uninstaller opens its window, 'PAT Desk Uninstall'" "no such window in 60 s"
fi
timeout 120 "$WINESERVER" -w
check "the uninstall ends within two minutes" test $? -eq 0
check "the program folder is gone" test ! -e "$install_dir"
check "the Start-menu entry is gone" test ! -e "$start_menu/PAT Desk.lnk"
check "the desktop shortcut is gone" test ! -e "$desktop/PAT Desk.lnk"
check "the Apps & features entry is gone" absent uninstall_key_exists
check "the settings in %APPDATA% are deleted, as asked" test ! -e "$settings_dir"
check "the settings in %LOCALAPPDATA% are deleted, as asked" test ! -e "$local_settings_dir"

echo "test-installer: the portable zip $portable"
listing=$(unzip -Z1 "$portable" | LC_ALL=C sort | tr '\n' ' ')
check "it holds ${zip_files}and nothing else (it has: $listing)" test "$listing" = "$zip_files"
readme=$(unzip -p "$portable" README.txt)
check "its README.txt names the version" grep -q "PAT Desk $version" <<<"$readme"
check "its README.txt says PAT Desk needs the WebView2 Runtime and where to get it" \
  grep -q "https://go.microsoft.com/fwlink/p/?LinkId=2124703" <<<"$readme"
check "its README.txt says where the settings are" grep -q "%APPDATA%\\\\$identifier" <<<"$readme"
check "its README.txt has Windows line endings" grep -q $'\r$' <<<"$readme"

echo "test-installer: the installer file's own details"
# The version resource's strings (UTF-16), each name followed by its value.
details=$(strings -el "$setup")
detail_is() { [ "$(grep -xF -A1 "$1" <<<"$details" | sed -n 2p)" = "$2" ]; }
for pair in "ProductName=PAT Desk" "CompanyName=PAT Desk contributors" "ProductVersion=$version" "FileVersion=$version"; do
  check "Properties > Details: ${pair%%=*} is ${pair#*=}" detail_is "${pair%%=*}" "${pair#*=}"
done

echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

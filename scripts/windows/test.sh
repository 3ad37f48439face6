#!/usr/bin/env bash
# `make test-windows`: every test binary of the core, the simulator, the CLI and the shell (`patdesk`, its
# commands on Tauri's mock runtime, which needs no WebView2), built for Windows, run under Debian's wine64 in a
# fresh, throw-away Wine prefix (wine.sh) on a virtual X display (the clipboard tests use Wine's clipboard,
# which is bridged to X). Tests that need a Linux-only service (gnome-keyring's Secret Service, git, nuget,
# npm, pip) are marked `#[cfg_attr(windows, ignore = "…")]` in the sources and show in the counts as ignored;
# their Windows counterparts (the Credential Manager keychain, DPAPI, the shell's files in the profile's
# AppData folders) run here.
# Each binary runs from its package's folder, as `cargo test` does; each prints libtest's "test result" line.
set -uo pipefail
cd "$(dirname "$0")/../.."
source scripts/windows/env.sh
source scripts/windows/wine.sh

packages=(-p patdesk-core -p patdesk-sim -p patdesk-cli -p patdesk)
list=$(mktemp)
trap 'rm -f "$list"; end_wine_prefix; [ -n "${prefix:-}" ] && rm -rf "$prefix"' EXIT

echo "test-windows: building the test binaries for $WINDOWS_TARGET"
windows_cargo test --no-run "${packages[@]}" --message-format=json-render-diagnostics > "$list.json" ||
  { echo "test-windows: the Windows build of the tests failed" >&2; exit 1; }
# One line per test binary: "<package folder> <executable> <package>/<target>".
python3 - "$list.json" > "$list" <<'PY'
import json, os, sys
for line in open(sys.argv[1]):
    try:
        m = json.loads(line)
    except ValueError:
        continue
    if m.get("reason") == "compiler-artifact" and m.get("executable") and m["profile"]["test"]:
        pkg_dir = os.path.dirname(m["manifest_path"])
        name = m["package_id"].split("#")[-1].split("@")[0].split("/")[-1]
        print(pkg_dir, m["executable"], f'{name}/{m["target"]["name"]}({",".join(m["target"]["kind"])})')
PY
rm -f "$list.json"
count=$(wc -l < "$list")
[ "$count" -gt 0 ] || { echo "test-windows: no test binary was built" >&2; exit 1; }

prefix=$(mktemp -d -t patdesk-wine-XXXXXX)
echo "test-windows: a fresh Wine prefix ($count test binaries to run)"
new_wine_prefix "$prefix"
# As `cargo test` does on Windows, the profile's folder is on the DLL search path: the shell's test binaries
# load WebView2Loader.dll (a GNU-toolchain build links it), which webview2-com-sys's build script puts there.
WINEPATH="Z:$(tr / '\\' <<<"$WINDOWS_TARGET_DIR/$WINDOWS_TARGET/debug")"
export WINEPATH
# cargo sets TS_RS_EXPORT_DIR (.cargo/config.toml) only for what it runs itself: the ts-rs export tests write
# their copy of the generated types to a throw-away folder here, never into the source tree.
export TS_RS_EXPORT_DIR="$prefix/drive_c/generated-types"
failed_binaries=()
while read -r dir exe name; do
  echo
  echo "test-windows: $name under Wine"
  (cd "$dir" && "$WINE" "$exe" --test-threads=2) || failed_binaries+=("$name")
done < "$list"
echo
if [ ${#failed_binaries[@]} -gt 0 ]; then
  echo "test-windows: FAILED under Wine: ${failed_binaries[*]}" >&2
  exit 1
fi
echo "test-windows: all $count Windows test binaries passed under Wine"

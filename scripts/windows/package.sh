#!/usr/bin/env bash
# `make package-windows`: PAT Desk for Windows as a person downloads it, made from the release build that
# `make windows` leaves (or from the folder given as the first argument):
#   target/windows/bundle/PAT-Desk_<version>_x64-setup.exe     the installer (src-tauri/packaging/windows/
#                                                              installer.nsi, built with Debian's makensis)
#   target/windows/bundle/PAT-Desk_<version>_x64-portable.zip  the same programs for people who may not
#                                                              install software: patdesk.exe, patdesk-cli.exe,
#                                                              WebView2Loader.dll (when the exe needs it),
#                                                              README.txt and LICENSE.txt
# The name, publisher, description and identifier come from src-tauri/tauri.conf.json and the version from the
# workspace's Cargo.toml, as for the .deb, so both say the same.
set -euo pipefail
# A folder given as argument is taken relative to where the command was typed.
[ $# -eq 0 ] || exe_dir=$(cd "$1" && pwd)
cd "$(dirname "$0")/../.."
root=$PWD
exe_dir=${exe_dir:-$root/target/windows/x86_64-pc-windows-gnu/release}
out=target/windows/bundle
packaging=src-tauri/packaging/windows

for exe in patdesk.exe patdesk-cli.exe; do
  [ -f "$exe_dir/$exe" ] || { echo "No $exe in $exe_dir: build PAT Desk for Windows first ('make windows')." >&2; exit 1; }
done
for tool in makensis zip node x86_64-w64-mingw32-objdump; do
  command -v "$tool" >/dev/null || { echo "'$tool' is missing: run scripts/windows/install-deps.sh (or 'make ui-deps' for node)." >&2; exit 1; }
done

# The version of [workspace.package] in Cargo.toml.
version=$(awk '/^\[/ { in_ws = ($0 == "[workspace.package]") } in_ws && /^version *=/ { gsub(/.*= *"|".*/, ""); print; exit }' Cargo.toml)
[ -n "$version" ] || { echo "Could not read the version from [workspace.package] in Cargo.toml." >&2; exit 1; }
# Windows' own version numbers have four parts, digits only: 0.1.0 -> 0.1.0.0, 1.2.3-beta.1 -> 1.2.3.0.
numeric=$(echo "${version%%[-+]*}.0.0.0" | cut -d. -f1-4)
conf() { node -p "require('./src-tauri/tauri.conf.json').$1 ?? ''"; }
product=$(conf productName)
identifier=$(conf identifier)
publisher=$(conf bundle.publisher)
description=$(conf bundle.shortDescription)
homepage=$(conf bundle.homepage)

# A build with the GNU toolchain loads the WebView2 loader from a DLL beside patdesk.exe (an MSVC build links it
# in): ship it when the exe asks for it.
extra_files=()
imports=$(x86_64-w64-mingw32-objdump -p "$exe_dir/patdesk.exe")
if grep -qi "DLL Name: WebView2Loader.dll" <<<"$imports"; then
  [ -f "$exe_dir/WebView2Loader.dll" ] ||
    { echo "patdesk.exe needs WebView2Loader.dll, which is not in $exe_dir." >&2; exit 1; }
  extra_files+=(WebView2Loader.dll)
fi

mkdir -p "$out"
base="$out/PAT-Desk_${version}_x64"
setup="$base-setup.exe"
portable="$base-portable.zip"
rm -f "$setup" "$portable"

staging=$(mktemp -d)
trap 'rm -rf "$staging"' EXIT
# The installer's licence page wraps the text itself: one line a paragraph, Windows' line endings.
awk 'BEGIN { RS = ""; ORS = "\r\n\r\n" } { gsub(/\n/, " "); print }' LICENSE >"$staging/licence-page.txt"

defines=(
  "-DPRODUCT_NAME=$product" "-DPUBLISHER=$publisher" "-DIDENTIFIER=$identifier"
  "-DSHORT_DESCRIPTION=$description" "-DVERSION=$version" "-DVERSION_NUMERIC=$numeric"
  "-DAPP_FILE=$exe_dir/patdesk.exe" "-DCLI_FILE=$exe_dir/patdesk-cli.exe"
  "-DLICENSE_FILE=$staging/licence-page.txt" "-DICON_FILE=$root/icons/icon.ico" "-DOUT_FILE=$root/$setup"
)
[ -z "$homepage" ] || defines+=("-DURL_INFO_ABOUT=$homepage")
[ ${#extra_files[@]} -eq 0 ] || defines+=("-DLOADER_FILE=$exe_dir/WebView2Loader.dll")
# -V2: warnings and errors only; -WX: a warning is an error.
makensis -V2 -WX "${defines[@]}" "$packaging/installer.nsi"

# The zip: the files at its top level (Windows' "Extract all" makes the folder), text files with Windows'
# line endings so every Notepad shows them right.
mkdir "$staging/zip"
for file in patdesk.exe patdesk-cli.exe "${extra_files[@]}"; do cp "$exe_dir/$file" "$staging/zip/"; done
sed -e "s/@VERSION@/$version/g" -e "s/@IDENTIFIER@/$identifier/g" -e 's/$/\r/' \
  "$packaging/portable-README.txt" >"$staging/zip/README.txt"
sed -e 's/$/\r/' LICENSE >"$staging/zip/LICENSE.txt"
touch -r "$exe_dir/patdesk.exe" "$staging"/zip/*
(cd "$staging/zip" && zip -q -X -9 "$root/$portable" patdesk.exe patdesk-cli.exe "${extra_files[@]}" README.txt LICENSE.txt)

echo
echo "The installer:    $setup ($(du -h "$setup" | cut -f1))"
echo "The portable zip: $portable ($(du -h "$portable" | cut -f1))"

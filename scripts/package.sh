#!/usr/bin/env bash
# `make package`: PAT Desk as a Debian package, made by the Tauri bundler (the Tauri CLI from ui/node_modules,
# pinned in ui/package-lock.json). It builds the app in release mode with ui/dist embedded, then the .deb with
# what src-tauri/tauri.conf.json declares: the icons, the menu entry, the description and the dependencies.
# The bundler downloads nothing for a .deb. The package is left as target/release/bundle/deb/
# <package>_<version>_<architecture>.deb, the name Debian's own packages have.
set -euo pipefail
cd "$(dirname "$0")/.."
tauri=ui/node_modules/.bin/tauri
[ -x "$tauri" ] || { echo "No Tauri CLI at $tauri: run 'make ui-deps' first." >&2; exit 1; }
out=target/release/bundle/deb
rm -f "$out"/*.deb
"$tauri" build --ci --bundles deb
shopt -s nullglob
built=("$out"/*.deb)
[ ${#built[@]} -eq 1 ] || { echo "Expected one .deb in $out, found ${#built[@]}." >&2; exit 1; }
field() { dpkg-deb --field "${built[0]}" "$1"; }
deb="$out/$(field Package)_$(field Version)_$(field Architecture).deb"
[ "${built[0]}" = "$deb" ] || mv "${built[0]}" "$deb"
echo
echo "The package: $deb ($(du -h "$deb" | cut -f1))"
echo "Install it with: sudo apt install ./$deb"

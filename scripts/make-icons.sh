#!/usr/bin/env bash
# Regenerates PAT Desk's icon set from its one source image, icons/patdesk.svg (`make icons`), offline, with the
# Tauri CLI from ui/node_modules: the PNG sizes the Linux bundle and the window use (32, 64, 128, 256 — both as
# 128x128@2x and 256x256 —, and icon.png at 512), icon.ico for Windows and icon.icns for macOS. The mobile and
# Windows Store images the CLI also makes are left out: PAT Desk ships no such bundle. Commit the result.
# (icon.icns differs from run to run by its inner order; the PNG and .ico files come out the same.)
set -euo pipefail
cd "$(dirname "$0")/.."
source=icons/patdesk.svg
tauri=ui/node_modules/.bin/tauri
[ -x "$tauri" ] || { echo "No Tauri CLI at $tauri: run 'make ui-deps' first." >&2; exit 1; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$tauri" icon "$source" --output "$out/set" >"$out/log" 2>&1 || { cat "$out/log" >&2; exit 1; }
# 256×256 as a size of its own too: the hicolor theme's 256x256 folder (the bundler puts 128x128@2x in 256x256@2).
"$tauri" icon "$source" --output "$out/set" --png 256 >"$out/log" 2>&1 || { cat "$out/log" >&2; exit 1; }
for icon in 32x32.png 64x64.png 128x128.png 128x128@2x.png 256x256.png icon.png icon.ico icon.icns; do
  cp "$out/set/$icon" "icons/$icon"
done
echo "icons/: the icon set made from $source"

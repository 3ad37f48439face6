#!/usr/bin/env bash
# `make windows`: PAT Desk for 64-bit Windows, cross-built on Debian (see env.sh): the app `patdesk.exe` (with
# ui/dist embedded, the icon and version resources from icons/icon.ico and src-tauri/tauri.conf.json) and the
# command line `patdesk-cli.exe`, in release mode, into target/windows/x86_64-pc-windows-gnu/release/.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/windows/env.sh
windows_cargo build --release -p patdesk -p patdesk-cli
out="$WINDOWS_TARGET_DIR/$WINDOWS_TARGET/release"
echo
for exe in patdesk.exe patdesk-cli.exe; do
  echo "Built: $out/$exe ($(du -h "$out/$exe" | cut -f1))"
done

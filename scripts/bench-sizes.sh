#!/usr/bin/env bash
# Prints the sizes of PAT Desk's release programs and packages, Linux and Windows, as a Markdown table
# (`make bench-sizes`, after `make package` and `make package-windows`).
set -euo pipefail
cd "$(dirname "$0")/.."
win=target/windows/x86_64-pc-windows-gnu/release
row() {
  local what=$1 file=$2
  if [ -f "$file" ]; then
    printf '| %s | `%s` | %s |\n' "$what" "$(basename "$file")" \
      "$(awk -v b="$(stat -c %s "$file")" 'BEGIN { printf "%.1f MB", b / 1000000 }')"
  else
    printf '| %s | `%s` | not built |\n' "$what" "$file"
  fi
}
shopt -s nullglob
debs=(target/release/bundle/deb/*.deb)
setups=(target/windows/bundle/*-setup.exe)
zips=(target/windows/bundle/*-portable.zip)
echo "Measured at commit $(git rev-parse --short HEAD) on $(date -u '+%Y-%m-%d %H:%M UTC')."
echo
echo "| what | file | size |"
echo "|---|---|---|"
row "Linux app, release binary" target/release/patdesk
row "Linux package" "${debs[0]:-target/release/bundle/deb/(none)}"
row "Windows app, release exe" "$win/patdesk.exe"
row "Windows command line, release exe" "$win/patdesk-cli.exe"
row "Windows installer" "${setups[0]:-target/windows/bundle/(none)}"
row "Windows portable zip" "${zips[0]:-target/windows/bundle/(none)}"

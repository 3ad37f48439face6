#!/usr/bin/env bash
# Installs the Debian packages PAT Desk needs to build, run headless and test (see README), or the packages
# given as arguments instead (scripts/windows/install-deps.sh names those of the Windows steps).
# Idempotent: does nothing when every package is already present.
set -euo pipefail
packages=(
  build-essential pkg-config file
  libwebkit2gtk-4.1-dev libgtk-3-dev libdbus-1-dev
  xvfb xauth webkit2gtk-driver dbus
  gnome-keyring libsecret-tools xclip xdotool imagemagick git curl faketime
  desktop-file-utils xdg-utils
  nuget python3-pip python3-keyring
)
[ $# -eq 0 ] || packages=("$@")
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
echo "Installing Debian packages: ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

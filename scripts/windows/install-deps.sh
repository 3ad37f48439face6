#!/usr/bin/env bash
# Installs the Debian packages of the Windows steps (`make windows`, `make package-windows`, `make test-windows`):
# Debian's own Rust toolchain with the standard library's sources (rustc-web, cargo-web, rust-web-src; they
# install /usr/bin/rustc and /usr/bin/cargo, which only the Windows scripts call, by full path — rustup's stay
# first on PATH), mingw-w64 as linker and C compiler, wine64 to run the Windows binaries, NSIS for the installer,
# zip, and winbind for the ntlm_auth that Wine's Windows sign-in (NTLM) calls. Idempotent.
set -euo pipefail
packages=(
  rustc-web cargo-web rust-web-src
  gcc-mingw-w64-x86-64 binutils-mingw-w64-x86-64
  wine64 nsis zip unzip icoutils winbind
  xvfb xauth xdotool
)
exec "$(dirname "$0")/../install-system-deps.sh" "${packages[@]}"

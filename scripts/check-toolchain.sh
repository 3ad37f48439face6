#!/usr/bin/env bash
# Says plainly what is missing when the machine lacks a toolchain the project cannot install itself
# (Rust comes from rustup, Node.js 20+ from the machine image; Debian 12's own Node 18 is too old for Vite 8).
set -euo pipefail
problems=()
command -v cargo >/dev/null || problems+=("cargo (Rust) is not on PATH: install Rust 1.85 or newer with rustup.")
if command -v node >/dev/null; then
  major=$(node -p 'process.versions.node.split(".")[0]')
  [ "$major" -ge 20 ] || problems+=("Node.js $(node --version) is too old: the UI needs Node.js 20 or newer.")
else
  problems+=("node (Node.js 20 or newer) is not on PATH.")
fi
command -v npm >/dev/null || problems+=("npm is not on PATH (it comes with Node.js).")
if command -v cargo >/dev/null; then
  cargo fmt --version >/dev/null 2>&1 || problems+=("rustfmt is missing: rustup component add rustfmt")
  cargo clippy --version >/dev/null 2>&1 || problems+=("clippy is missing: rustup component add clippy")
fi
if [ ${#problems[@]} -gt 0 ]; then
  printf 'Missing toolchain:\n' >&2
  printf '  - %s\n' "${problems[@]}" >&2
  exit 1
fi

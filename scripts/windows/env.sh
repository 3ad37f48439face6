# Sourced by the Windows scripts: the cross-build for x86_64-pc-windows-gnu with Debian's own Rust toolchain
# (`rustc-web`/`cargo-web`, whose `rust-web-src` ships the standard library's sources, built here with
# `-Zbuild-std`) and mingw-w64, into a target directory of its own. rustup cannot add targets on a machine
# that reaches only the package registries, so the normal build stays on rustup's toolchain and only these
# steps call Debian's, by full path.
WINDOWS_TARGET=x86_64-pc-windows-gnu
WINDOWS_TARGET_DIR="$PWD/target/windows"
WINDOWS_CARGO=/usr/bin/cargo
WINE=/usr/lib/wine/wine64
WINESERVER=/usr/lib/wine/wineserver64
export RUSTC=/usr/bin/rustc
export RUSTDOC=/usr/bin/rustdoc
# -Zbuild-std is unstable: Debian's stable compiler allows it with RUSTC_BOOTSTRAP.
export RUSTC_BOOTSTRAP=1
export CARGO_TARGET_DIR="$WINDOWS_TARGET_DIR"
export CARGO_TARGET_X86_64_PC_WINDOWS_GNU_LINKER=x86_64-w64-mingw32-gcc
export CC_x86_64_pc_windows_gnu=x86_64-w64-mingw32-gcc
export AR_x86_64_pc_windows_gnu=x86_64-w64-mingw32-ar
export WINDRES=x86_64-w64-mingw32-windres
# rustup's proxies must not answer for the build scripts' `cargo`/`rustc` calls.
export PATH="/usr/bin:$PATH"
unset RUSTUP_TOOLCHAIN

# `windows_cargo build|test …`: cargo for the Windows target with the standard library built from source.
windows_cargo() {
  local sub=$1
  shift
  "$WINDOWS_CARGO" "$sub" -Zbuild-std=std,panic_abort --target "$WINDOWS_TARGET" "$@"
}

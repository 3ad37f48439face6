# Sourced after env.sh: a fresh, throw-away Wine prefix for running the Windows binaries under Debian's wine64.
#   new_wine_prefix DIR   makes DIR a new prefix (64-bit, no desktop integration, no Mono/Gecko installs) with
#                         the test-only ProcessPrng shim in its system32, and exports WINEPREFIX, WINEDEBUG and
#                         WINEDLLOVERRIDES for the commands that follow.
#   end_wine_prefix       stops that prefix's wineserver.
_windows_scripts_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

# The shim, built once with mingw into the Windows target directory.
wine_shim_dll() {
  local out="$WINDOWS_TARGET_DIR/wine-shim/bcryptprimitives.dll"
  local src="$_windows_scripts_dir/bcryptprimitives.c"
  if [ ! -f "$out" ] || [ "$src" -nt "$out" ]; then
    mkdir -p "$(dirname "$out")"
    x86_64-w64-mingw32-gcc -O2 -shared -s -o "$out" "$src" -ladvapi32 >&2
  fi
  echo "$out"
}

new_wine_prefix() {
  local dir=$1 shim
  shim=$(wine_shim_dll)
  rm -rf "$dir"
  mkdir -p "$dir"
  export WINEPREFIX="$dir"
  export WINEARCH=win64
  export WINEDEBUG=-all
  # No Mono or Gecko installer prompts, no menu entries or file associations on the host.
  export WINEDLLOVERRIDES="mscoree=;mshtml=;winemenubuilder.exe=d;bcryptprimitives=n,b"
  "$WINE" wineboot --init >/dev/null 2>&1
  "$WINESERVER" -w
  cp "$shim" "$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll"
}

end_wine_prefix() {
  [ -n "${WINEPREFIX:-}" ] && "$WINESERVER" -k >/dev/null 2>&1 || true
}

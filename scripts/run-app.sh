#!/usr/bin/env bash
# Opens the built app (`make run`). Without a display it runs under a virtual X display and says so.
set -euo pipefail
bin=${1:-target/debug/patdesk}
[ -x "$bin" ] || { echo "No app binary at $bin: run 'make app' first." >&2; exit 1; }
if [ -n "${PATDESK_DEMO:-}" ]; then
  echo "Opening PAT Desk straight into the offline demo (PATDESK_DEMO=$PATDESK_DEMO)."
else
  echo "Opening PAT Desk."
fi
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  echo "There is no \$DISPLAY: running it under a virtual X display (xvfb-run -a), so no window will be visible."
  echo "Stop it with Ctrl+C."
  exec xvfb-run -a -s "-screen 0 1280x800x24" "$bin"
fi
exec "$bin"

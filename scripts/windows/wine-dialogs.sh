# Sourced by the Windows tests: finding and answering the windows (message boxes) that a program under Wine
# shows on an X display, with xdotool. Needs DISPLAY set (start_test_display gives a private Xvfb one).
#   start_test_display            starts Xvfb on a free display number and exports DISPLAY; stop_test_display ends it
#   wait_for_window_named TITLE TIMEOUT
#                                 prints the X id of the first visible window whose title is exactly TITLE, waiting
#                                 up to TIMEOUT seconds; fails (status 1) when none appeared
#   answer_window ID KEY          gives the window the keyboard and presses KEY (xdotool's key names: Return, n, …),
#                                 then waits up to 10 s for it to go; fails when it stays
#   close_window ID               closes a message box without accepting it: Escape (an OK or Cancel box), then
#                                 "n" (a Yes/No box answers No); fails when it stays
#   wait_for_window_gone ID TIMEOUT

start_test_display() {
  local number=90
  while [ -e "/tmp/.X${number}-lock" ] || [ -e "/tmp/.X11-unix/X${number}" ]; do
    number=$((number + 1))
  done
  Xvfb ":$number" -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
  _test_display_pid=$!
  export DISPLAY=":$number"
  local waited=0
  until xdotool getdisplaygeometry >/dev/null 2>&1; do
    sleep 0.2
    waited=$((waited + 1))
    if [ "$waited" -gt 50 ]; then
      echo "The virtual display $DISPLAY did not start (Xvfb)." >&2
      return 1
    fi
  done
}

stop_test_display() {
  if [ -n "${_test_display_pid:-}" ]; then
    kill "$_test_display_pid" 2>/dev/null || true
    wait "$_test_display_pid" 2>/dev/null || true
    _test_display_pid=
  fi
}

wait_for_window_named() {
  local title=$1 timeout=$2 deadline id
  deadline=$((SECONDS + timeout))
  while [ "$SECONDS" -le "$deadline" ]; do
    # xdotool matches a regular expression: anchor it and escape what would be special in the title.
    id=$(xdotool search --onlyvisible --name "^$(printf '%s' "$title" | sed 's/[][\.*^$+?(){}|]/\\&/g')\$" \
      2>/dev/null | head -n 1)
    if [ -n "$id" ]; then
      echo "$id"
      return 0
    fi
    sleep 0.5
  done
  return 1
}

window_is_shown() {
  xdotool getwindowname "$1" >/dev/null 2>&1 && xdotool search --onlyvisible --name '.' 2>/dev/null | grep -qx "$1"
}

wait_for_window_gone() {
  local id=$1 timeout=$2 deadline
  deadline=$((SECONDS + timeout))
  while [ "$SECONDS" -le "$deadline" ]; do
    window_is_shown "$id" || return 0
    sleep 0.3
  done
  return 1
}

answer_window() {
  local id=$1 key=$2
  # No window manager runs on the test display: give the window the keyboard directly, then type (XTEST, which
  # Wine takes as real input, unlike events sent to one window).
  xdotool windowraise "$id" windowfocus --sync "$id" >/dev/null 2>&1 || true
  xdotool key --clearmodifiers "$key"
  wait_for_window_gone "$id" 10
}

close_window() {
  local id=$1
  answer_window "$id" Escape && return 0
  answer_window "$id" n
}

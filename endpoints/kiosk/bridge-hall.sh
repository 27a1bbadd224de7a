#!/bin/sh
# bridge-hall — opens this hall's join link full screen in Chromium (or Google Chrome), with
# nothing for anyone to click: the managed policies (bridge-hall.json in
# /etc/chromium/policies/managed/ or /etc/opt/chrome/policies/managed/) grant the camera and
# microphone and allow sound; these flags are belt and braces for a browser without them.
# Install: /usr/local/bin/bridge-hall, started at login by bridge-hall.desktop or
# bridge-hall.service (docs/hall-pc.md).
#
#   bridge-hall [LINK]          LINK defaults to the one below (the kit fills it in)
#   BRIDGE_HALL_BROWSER=...     another browser binary
#   BRIDGE_HALL_PROFILE=DIR     the browser profile (default ~/.config/bridge-hall)
#   BRIDGE_HALL_EXTRA_FLAGS=... more flags, e.g. for diagnostics
set -u

DEFAULT_LINK='https://BRIDGE:8443/site/ID?kiosk=1#token=TOKEN'
LINK="${1:-$DEFAULT_LINK}"
PROFILE="${BRIDGE_HALL_PROFILE:-$HOME/.config/bridge-hall}"

BROWSER="${BRIDGE_HALL_BROWSER:-}"
if [ -z "$BROWSER" ]; then
  for candidate in chromium google-chrome-stable google-chrome chromium-browser; do
    if command -v "$candidate" >/dev/null 2>&1; then
      BROWSER="$candidate"
      break
    fi
  done
fi
if [ -z "$BROWSER" ]; then
  echo "bridge-hall: không tìm thấy Chromium / Chrome (sudo apt-get install chromium)" >&2
  echo "bridge-hall: no Chromium or Chrome found (sudo apt-get install chromium)" >&2
  exit 1
fi

# A power cut is not a crash the hall should be asked about: mark the last exit clean, so
# no "restore pages?" bubble covers the picture.
PREFS="$PROFILE/Default/Preferences"
if [ -f "$PREFS" ]; then
  sed -i -e 's/"exit_type":"Crashed"/"exit_type":"Normal"/' \
         -e 's/"exited_cleanly":false/"exited_cleanly":true/' "$PREFS" || true
fi

# Keep the screen on: no screen saver, no blanking, no display power-off (X11; GNOME too).
if [ -n "${DISPLAY:-}" ] && command -v xset >/dev/null 2>&1; then
  xset s off || true
  xset s noblank || true
  xset -dpms || true
fi
if command -v gsettings >/dev/null 2>&1; then
  gsettings set org.gnome.desktop.session idle-delay 0 2>/dev/null || true
  gsettings set org.gnome.desktop.screensaver lock-enabled false 2>/dev/null || true
fi

# shellcheck disable=SC2086  # BRIDGE_HALL_EXTRA_FLAGS is a list of flags, split on purpose
exec "$BROWSER" \
  --kiosk \
  --start-fullscreen \
  --noerrdialogs \
  --disable-session-crashed-bubble \
  --autoplay-policy=no-user-gesture-required \
  --no-first-run \
  --password-store=basic \
  --check-for-update-interval=31536000 \
  --user-data-dir="$PROFILE" \
  ${BRIDGE_HALL_EXTRA_FLAGS:-} \
  "$LINK"

#!/bin/sh
# Installs this hall PC kit on Debian / Ubuntu, as root:  sudo sh install-debian.sh USER
# USER is the hall's kiosk account (logged in automatically: docs/hall-pc.md). It puts
#   bridge-hall.json     -> /etc/chromium/policies/managed/ and /etc/opt/chrome/policies/managed/
#   bridge-hall.sh       -> /usr/local/bin/bridge-hall
#   bridge-hall.desktop  -> ~USER/.config/autostart/
#   ../ca.crt (if there) -> the system store and USER's NSS store (Chromium trusts the bridge)
set -eu

USER_NAME="${1:?usage: sudo sh install-debian.sh KIOSK_USER}"
HERE="$(cd "$(dirname "$0")" && pwd)"
HOME_DIR="$(getent passwd "$USER_NAME" | cut -d: -f6)"
[ -n "$HOME_DIR" ] || { echo "no such user: $USER_NAME" >&2; exit 1; }

for dir in /etc/chromium/policies/managed /etc/opt/chrome/policies/managed; do
  install -d -m 755 "$dir"
  install -m 644 "$HERE/bridge-hall.json" "$dir/bridge-hall.json"
done
install -m 755 "$HERE/bridge-hall.sh" /usr/local/bin/bridge-hall
install -d -o "$USER_NAME" -m 755 "$HOME_DIR/.config" "$HOME_DIR/.config/autostart"
install -o "$USER_NAME" -m 644 "$HERE/bridge-hall.desktop" "$HOME_DIR/.config/autostart/"

CA="$HERE/../ca.crt"
if [ -f "$CA" ]; then
  install -m 644 "$CA" /usr/local/share/ca-certificates/bridge-ca.crt
  update-ca-certificates
  command -v certutil >/dev/null 2>&1 || apt-get install -y libnss3-tools
  NSSDB="$HOME_DIR/.pki/nssdb"
  install -d -o "$USER_NAME" -m 700 "$HOME_DIR/.pki" "$NSSDB"
  [ -f "$NSSDB/cert9.db" ] || su "$USER_NAME" -s /bin/sh -c "certutil -d sql:$NSSDB -N --empty-password"
  su "$USER_NAME" -s /bin/sh -c "certutil -d sql:$NSSDB -A -t C,, -n 'Bridge local CA' -i '$CA'"
fi
echo "OK. Check chrome://policy, then set up auto-login for $USER_NAME (docs/hall-pc.md)."

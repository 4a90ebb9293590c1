#!/usr/bin/env bash
# Installs the Debian tools the test suite drives, if any is missing (CI machines start without them):
#   xmllint (pain.001/camt.053 XSD checks), pdftoppm/pdftotext (render printed tickets), zbarimg (QR) and dmtxread
#   (DataMatrix) to decode barcodes back, slapd + ldap-utils (a throw-away directory server for the LDAP tests).
# Idempotent and quiet when everything is there. Individual suites also install what they need on demand.
set -uo pipefail
declare -A need=([xmllint]=libxml2-utils [pdftoppm]=poppler-utils [zbarimg]=zbar-tools [dmtxread]=dmtx-utils
  [slapd]=slapd [ldapadd]=ldap-utils)
missing=()
for bin in "${!need[@]}"; do
  command -v "$bin" >/dev/null 2>&1 || [ -x "/usr/sbin/$bin" ] || missing+=("${need[$bin]}")
done
[ ${#missing[@]} -eq 0 ] && exit 0
sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo -n"
echo "installing test tools: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
install() { flock /tmp/apt.lock $sudo apt-get install -y -q --no-install-recommends "${missing[@]}" >/tmp/proticket-apt.log 2>&1; }
install || { flock /tmp/apt.lock $sudo apt-get update -q >>/tmp/proticket-apt.log 2>&1 && install; } || {
  echo "could not install ${missing[*]} (see /tmp/proticket-apt.log); the suites that need them will fail" >&2
  exit 0
}

#!/usr/bin/env bash
# Ensures xmllint (Debian package libxml2-utils) is installed: the escrow tests validate pain.001 / camt.053 files
# against the official XSDs with it. Idempotent; prints the path of xmllint.
set -euo pipefail
if ! command -v xmllint >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  if command -v flock >/dev/null 2>&1; then
    $SUDO flock /tmp/apt.lock apt-get install -y libxml2-utils >/dev/null || { $SUDO apt-get update >/dev/null && $SUDO flock /tmp/apt.lock apt-get install -y libxml2-utils >/dev/null; }
  else
    $SUDO apt-get install -y libxml2-utils >/dev/null || { $SUDO apt-get update >/dev/null && $SUDO apt-get install -y libxml2-utils >/dev/null; }
  fi
fi
command -v xmllint

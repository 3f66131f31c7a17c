#!/usr/bin/env bash
# Installs Debian's Chromium for the browser tests when it is missing (never a downloaded browser build).
set -euo pipefail
if [ -x /usr/bin/chromium ]; then exit 0; fi
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "browser-deps: /usr/bin/chromium is missing and cannot be installed here (need root and apt-get)" >&2
    exit 0
fi
echo "browser-deps: installing Debian's chromium for the browser tests..."
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null || { echo "browser-deps: apt-get update failed" >&2; exit 1; }
apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
echo "browser-deps: $(/usr/bin/chromium --version 2>/dev/null || echo chromium installed)"

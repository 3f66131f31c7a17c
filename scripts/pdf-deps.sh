#!/usr/bin/env bash
# Installs what WeasyPrint needs to write the bylaws as PDF when it is missing: Debian's pango
# (libpango-1.0-0, libpangoft2-1.0-0) and a font (fonts-dejavu-core).
set -euo pipefail
PACKAGES=(libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core)
missing=()
for package in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "pdf-deps: ${missing[*]} missing and cannot be installed here (need root and apt-get)" >&2
    exit 0
fi
echo "pdf-deps: installing ${missing[*]} for the bylaws' PDF..."
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null || { echo "pdf-deps: apt-get update failed" >&2; exit 1; }
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

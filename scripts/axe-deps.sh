#!/usr/bin/env bash
# Installs axe-core (pinned in tests/web/axe/package-lock.json) for the browser tests' accessibility check.
set -euo pipefail
cd "$(dirname "$0")/../tests/web/axe"
if [ -f node_modules/axe-core/axe.min.js ]; then exit 0; fi
if ! command -v npm >/dev/null 2>&1; then
    echo "axe-deps: npm is missing: install Debian's npm (apt-get install npm)" >&2
    exit 1
fi
npm ci --no-audit --no-fund --silent
echo "axe-deps: axe-core $(node -p 'require("axe-core/package.json").version' 2>/dev/null || echo installed)"

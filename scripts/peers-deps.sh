#!/usr/bin/env bash
# Installs the peers that `python -m bench.peers` compares poolnode with, each in a local
# directory of this checkout (never globally): Fedify (npm) in bench/peers/fedify/node_modules,
# bovine-herd (PyPI) in its own virtualenv bench/peers/.venv-bovine (its dependencies pin
# versions our own virtualenv does not share). A peer that cannot be installed is reported
# and skipped; the benchmark then prints a line saying why.
set -uo pipefail
cd "$(dirname "$0")/../bench/peers"
PYTHON="${PYTHON:-python3}"

fedify_version() {
    node -p 'JSON.parse(require("fs").readFileSync("fedify/node_modules/@fedify/fedify/package.json")).version'
}

fedify() {
    if [ -f fedify/node_modules/@fedify/fedify/package.json ]; then
        echo "peers-deps: Fedify $(fedify_version) already installed"
        return 0
    fi
    if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
        echo "peers-deps: Fedify skipped: Node.js and npm are missing (apt-get install nodejs npm)" >&2
        return 1
    fi
    # Fedify 1.6 and later need Node.js 22; 1.5 is the last release that runs on Node.js 20.
    local major version
    major="$(node -p 'process.versions.node.split(".")[0]')"
    if [ "$major" -ge 22 ]; then version="^2.3.8"; else version="1.5.9"; fi
    (cd fedify && npm install --no-audit --no-fund --silent --no-save \
        "@fedify/fedify@$version" "@logtape/logtape") || {
        echo "peers-deps: Fedify skipped: npm install @fedify/fedify@$version failed" >&2
        return 1
    }
    echo "peers-deps: Fedify $(fedify_version) installed for Node.js $(node --version)"
}

bovine() {
    # (bovine writes a JSON-LD cache file where it is imported: git ignores it here)
    if [ -x .venv-bovine/bin/python ] && .venv-bovine/bin/python -c "import bovine_herd" 2>/dev/null; then
        echo "peers-deps: bovine-herd already installed"
        return 0
    fi
    "$PYTHON" -m venv .venv-bovine && .venv-bovine/bin/python -m pip install --quiet --upgrade pip \
        && .venv-bovine/bin/python -m pip install --quiet "bovine-herd>=0.5" "hypercorn" || {
        echo "peers-deps: bovine-herd skipped: pip install bovine-herd failed" >&2
        return 1
    }
    echo "peers-deps: bovine-herd $(.venv-bovine/bin/python -c 'import importlib.metadata as m; print(m.version("bovine-herd"))') installed"
}

fedify
bovine
exit 0

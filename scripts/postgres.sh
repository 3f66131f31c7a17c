#!/usr/bin/env bash
# Installs Debian's PostgreSQL server for the tests when it is missing. The tests start and stop
# their own throwaway server (tests/pg_server.py: initdb into a temp directory, a loopback port);
# nothing here starts a service. Without root or apt-get the PostgreSQL tests skip with a reason.
set -euo pipefail
if compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || command -v initdb >/dev/null 2>&1; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "postgres: PostgreSQL is missing and cannot be installed here (need root and apt-get);" \
         "the PostgreSQL tests will be skipped" >&2
    exit 0
fi
echo "postgres: installing Debian's postgresql for the PostgreSQL tests..."
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null || { echo "postgres: apt-get update failed" >&2; exit 1; }
apt-get install -y -qq --no-install-recommends postgresql >/dev/null
# The Debian package creates and starts a cluster of its own; the tests use their own server.
echo "postgres: $(ls /usr/lib/postgresql/*/bin/postgres | head -1) installed"

#!/bin/sh
# Initialise the node in the /data volume on the first start (as `make run` does), then serve.
# POOLNODE_BASE_URL is required on the first start; POOLNODE_* variables override settings.
set -eu
DATA="${POOLNODE_DATA:-/data}"
if [ ! -f "$DATA/poolnode.toml" ]; then
    : "${POOLNODE_BASE_URL:?set POOLNODE_BASE_URL to the node's public URL}"
    poolnode init --data "$DATA" --url "$POOLNODE_BASE_URL" --pool "${POOL_NAME:-commons}" --admin "${ADMIN_NAME:-admin}" --host 0.0.0.0 --port "${POOLNODE_PORT:-8080}"
    if [ -n "${ADMIN_PASSWORD:-}" ]; then
        printf '%s\n' "$ADMIN_PASSWORD" | poolnode member password --data "$DATA" "${ADMIN_NAME:-admin}" --password-stdin
    fi
fi
# A container listens on all its interfaces whatever an older volume recorded (make run's
# SERVE_FLAGS pass --host/--port the same way when they are given).
exec poolnode serve --data "$DATA" --host 0.0.0.0 --port "${POOLNODE_PORT:-8080}"

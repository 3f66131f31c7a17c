-- Schema 3: the durable outgoing delivery queue and per-host health.
-- Times are Unix seconds (REAL): the queue orders and compares them on every claim.

-- An outgoing activity's bytes, serialised once: every inbox gets (and every retry resends)
-- exactly these bytes, so the signed Digest always matches.
CREATE TABLE outgoing_activities (
    id INTEGER PRIMARY KEY,
    activity_uri TEXT NOT NULL,
    sender_id INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    body BLOB NOT NULL,
    created_at REAL NOT NULL
);
CREATE INDEX outgoing_activities_uri ON outgoing_activities (activity_uri);

-- One row per (activity, inbox). state: queued (waiting or in flight while locked_until is
-- in the future), delivered, failed (permanent refusal or retries exhausted), skipped (the
-- host was unavailable). A row locked by a process that died is picked up again after
-- locked_until, or at once when the node starts.
CREATE TABLE deliveries (
    id INTEGER PRIMARY KEY,
    activity_id INTEGER NOT NULL REFERENCES outgoing_activities (id) ON DELETE CASCADE,
    inbox TEXT NOT NULL,
    host TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'queued'
        CHECK (state IN ('queued', 'delivered', 'failed', 'skipped')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL NOT NULL,
    locked_until REAL,
    last_status INTEGER,
    last_error TEXT,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    UNIQUE (activity_id, inbox)
);
CREATE INDEX deliveries_due ON deliveries (state, next_attempt_at);
CREATE INDEX deliveries_host ON deliveries (host, state);

-- Health of each remote host we deliver to: the circuit breaker and availability.
CREATE TABLE delivery_hosts (
    host TEXT PRIMARY KEY,
    origin TEXT NOT NULL,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    failing_since REAL,
    last_success_at REAL,
    open_until REAL,
    unavailable INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    updated_at REAL NOT NULL
);

-- Schema 2: received activities awaiting processing, remote actors, follows.

-- The durable inbox queue: one row per received activity, written before the 202.
-- Times are integer milliseconds since the epoch; locked_until leases a row to a worker.
CREATE TABLE inbox_items (
    id INTEGER PRIMARY KEY,
    activity_id TEXT NOT NULL,
    activity_type TEXT NOT NULL,
    actor_uri TEXT NOT NULL,
    recipient_id INTEGER REFERENCES actors (id) ON DELETE SET NULL,
    document TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'done', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    locked_until INTEGER,
    last_error TEXT,
    received_at INTEGER NOT NULL,
    processed_at INTEGER
);
-- Deduplication: an activity id is accepted once, whichever inbox it arrives on.
CREATE UNIQUE INDEX inbox_items_activity ON inbox_items (activity_id);
CREATE INDEX inbox_items_due ON inbox_items (state, next_attempt_at);

-- Remote actors as last fetched: where to deliver, and the keys that verify them.
CREATE TABLE remote_actors (
    uri TEXT PRIMARY KEY,
    type TEXT NOT NULL,
    inbox TEXT NOT NULL,
    shared_inbox TEXT,
    key_id TEXT,
    public_key_pem TEXT,
    ed25519_keys TEXT NOT NULL DEFAULT '{}',
    document TEXT NOT NULL,
    fetched_at INTEGER NOT NULL
);

-- Follow relations between any two actors (local or remote), with the Follow's id.
-- Accepted rows are mirrored in collection_items ('followers' / 'following') of local actors.
CREATE TABLE follows (
    id INTEGER PRIMARY KEY,
    follower_uri TEXT NOT NULL,
    followee_uri TEXT NOT NULL,
    follow_id TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'accepted', 'rejected')),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (follower_uri, followee_uri)
);
CREATE INDEX follows_activity ON follows (follow_id);
CREATE INDEX follows_followee ON follows (followee_uri, state);

-- Schema 23: a pool's stewards block an account, or a whole domain, for the pool (ActivityPub 6.9).

-- Who blocked for a pool, and why (NULL for an account's own Block). A domain block's
-- blocked_uri is the host name (lowercase, no scheme: "spam.example"), an account block's the
-- actor id (an absolute URL), so one lookup asks for both.
ALTER TABLE blocks ADD COLUMN steward_uri TEXT;
ALTER TABLE blocks ADD COLUMN reason TEXT;

-- Every block and unblock a steward made for a pool: who, what, when and why.
CREATE TABLE block_log (
    id INTEGER PRIMARY KEY,
    actor_id INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    blocked TEXT NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('block', 'unblock')),
    steward_uri TEXT NOT NULL,
    reason TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX block_log_actor ON block_log (actor_id, id);

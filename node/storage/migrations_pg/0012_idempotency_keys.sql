-- Schema (PostgreSQL) 12: C2S Idempotency-Key (docs/PROTOCOL.md, "Retrying a C2S request"). One row per
-- (actor, key): the request's fingerprint and, once it succeeded, the response to replay.
-- status IS NULL while the first request is in progress. Rows expire 24 h after first use.
CREATE TABLE idempotency_keys (
    actor_id BIGINT NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    idempotency_key TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    status BIGINT,
    location TEXT,
    content_type TEXT,
    body TEXT,
    PRIMARY KEY (actor_id, idempotency_key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

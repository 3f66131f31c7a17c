-- Schema 15: invitations to a pool and one-time sign-in links.

-- A steward's invite link: whoever opens it may create an account (even when the node's
-- registrations are closed) and apply to the pool, under its admission policy. Only the
-- SHA-256 of the link's secret is kept; the link is shown once, when it is made.
CREATE TABLE invitations (
    id INTEGER PRIMARY KEY,
    pool_id INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    created_by INTEGER REFERENCES actors (id) ON DELETE SET NULL,
    note TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    max_uses INTEGER NOT NULL,
    uses INTEGER NOT NULL DEFAULT 0,
    revoked_at TEXT
);
CREATE INDEX invitations_pool ON invitations (pool_id, id);

-- Who came in through which invitation (the steward sees who used a link).
CREATE TABLE invitation_uses (
    id INTEGER PRIMARY KEY,
    invitation_id INTEGER NOT NULL REFERENCES invitations (id) ON DELETE CASCADE,
    person_uri TEXT NOT NULL,
    used_at TEXT NOT NULL
);
CREATE INDEX invitation_uses_invitation ON invitation_uses (invitation_id);

-- One-time sign-in links (the admin's first sign-in after `poolnode init`, or a lost
-- password): the SHA-256 of the secret, spent on first use.
CREATE TABLE web_signin_links (
    token_hash TEXT PRIMARY KEY,
    actor_id INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT
);

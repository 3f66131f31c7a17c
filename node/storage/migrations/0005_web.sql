-- Schema 5: web sign-in: password hashes, browser sessions and sign-in attempts.

-- One password per local member account: an scrypt hash (salt and parameters inside).
CREATE TABLE web_passwords (
    actor_id INTEGER PRIMARY KEY REFERENCES actors (id) ON DELETE CASCADE,
    password_hash TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- Browser sessions. The cookie carries a random id; only its SHA-256 is stored.
-- actor_id is NULL for a visitor who has not signed in (the session still holds the
-- CSRF token that the sign-in and sign-up forms need).
CREATE TABLE web_sessions (
    id_hash TEXT PRIMARY KEY,
    actor_id INTEGER REFERENCES actors (id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX web_sessions_expiry ON web_sessions (expires_at);
CREATE INDEX web_sessions_actor ON web_sessions (actor_id);

-- Failed sign-ins, for rate limiting per username and per client address.
CREATE TABLE web_signin_failures (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL,
    address TEXT NOT NULL,
    failed_at TEXT NOT NULL
);
CREATE INDEX web_signin_failures_username ON web_signin_failures (username, failed_at);
CREATE INDEX web_signin_failures_address ON web_signin_failures (address, failed_at);

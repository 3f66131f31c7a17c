-- Schema 21: notifications. What a member is told (the list in the web app), how each kind
-- reaches them by email, the mail queue, password resets, and the direct messages sent to
-- members whose account lives on another server.

-- One line of a local member's list. The same event tells the same member once
-- (``UNIQUE``): a reminder or a notice found again after a restart is not added twice.
-- ``mailed_at`` is set when an email (immediate or in a digest) carried it.
CREATE TABLE notifications (
    id INTEGER PRIMARY KEY,
    actor_id INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('proposal_opened', 'closing_soon', 'result', 'reply',
        'mention', 'admitted', 'turned_down', 'money', 'flood')),
    subject_uri TEXT NOT NULL,
    pool_uri TEXT NOT NULL,
    link TEXT NOT NULL,
    title TEXT NOT NULL DEFAULT '',
    detail TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    read_at TEXT,
    mailed_at TEXT,
    UNIQUE (actor_id, kind, subject_uri)
);
CREATE INDEX notifications_actor ON notifications (actor_id, id);
CREATE INDEX notifications_unread ON notifications (actor_id, read_at);
CREATE INDEX notifications_created ON notifications (created_at);

-- How a member wants each kind by email: 'none', 'immediately' or 'daily' (a digest).
-- No row: the default of the kind (node/notifications/kinds.py).
CREATE TABLE notification_modes (
    actor_id INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    mode TEXT NOT NULL CHECK (mode IN ('none', 'immediately', 'daily')),
    updated_at TEXT NOT NULL,
    PRIMARY KEY (actor_id, kind)
);

-- The address a member gave for email (none: no mail).
CREATE TABLE member_emails (
    actor_id INTEGER PRIMARY KEY REFERENCES actors (id) ON DELETE CASCADE,
    address TEXT NOT NULL CHECK (length(address) BETWEEN 3 AND 254),
    updated_at TEXT NOT NULL
);

-- Mails to send: a durable job per mail, leased like the delivery queue. ``dedupe`` names the
-- mail (a notification's, a member's digest of a day, a reset request), so a job found again
-- is not queued twice; ``payload`` holds what only the job knows (a reset link) until sent.
CREATE TABLE mail_jobs (
    id INTEGER PRIMARY KEY,
    actor_id INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('notification', 'digest', 'reset')),
    dedupe TEXT NOT NULL UNIQUE,
    notification_id INTEGER,
    payload TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'sent', 'failed', 'dropped')),
    due_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    locked_until INTEGER,
    leased_by TEXT,
    last_error TEXT,
    created_at TEXT NOT NULL,
    sent_at TEXT
);
CREATE INDEX mail_jobs_due ON mail_jobs (state, due_at);

-- Password resets by email: only the SHA-256 of the token is kept; one use, then expired.
CREATE TABLE password_resets (
    token_hash TEXT PRIMARY KEY,
    actor_id INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT
);
CREATE INDEX password_resets_actor ON password_resets (actor_id, created_at);

-- Direct messages (a private Note) sent to members whose account is on another server: one
-- per (person, kind, subject), recorded with the notifier's step and then queued on the
-- delivery queue (``queued_at``).
CREATE TABLE remote_notices (
    id INTEGER PRIMARY KEY,
    pool_id INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    person_uri TEXT NOT NULL,
    kind TEXT NOT NULL,
    subject_uri TEXT NOT NULL,
    note_uri TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL DEFAULT '',
    detail TEXT NOT NULL DEFAULT '',
    link TEXT NOT NULL,
    created_at TEXT NOT NULL,
    queued_at TEXT,
    UNIQUE (person_uri, kind, subject_uri)
);
CREATE INDEX remote_notices_created ON remote_notices (created_at);
CREATE INDEX remote_notices_unqueued ON remote_notices (queued_at, id);

-- Events whose notifications were all added (a result, a closing reminder): found again, skipped.
CREATE TABLE notified_subjects (
    source TEXT NOT NULL,
    subject_uri TEXT NOT NULL,
    at TEXT NOT NULL,
    PRIMARY KEY (source, subject_uri)
);

-- Results are read by close time (the notifier looks a week back).
CREATE INDEX proposals_closed ON proposals (state, closed_at);

-- How far the notifier has read each source table (row ids), so a restart neither repeats
-- nor skips: the cursor moves in the same transaction as the notifications it produced.
CREATE TABLE notification_cursors (
    source TEXT PRIMARY KEY,
    position INTEGER NOT NULL
);

-- A node that already has history starts telling from now: the cursors start at the last row
-- of each source, and results already out are marked told. A source with no rows gets no
-- cursor (the notifier reads a missing one as 0), so a new database holds no rows at all.
INSERT INTO notification_cursors (source, position) SELECT 'proposals', MAX(id) FROM proposals HAVING MAX(id) IS NOT NULL;
INSERT INTO notification_cursors (source, position) SELECT 'comments', MAX(id) FROM comments HAVING MAX(id) IS NOT NULL;
INSERT INTO notification_cursors (source, position) SELECT 'mentions', MAX(id) FROM mentions HAVING MAX(id) IS NOT NULL;
INSERT INTO notification_cursors (source, position) SELECT 'ledger_entries', MAX(id) FROM ledger_entries HAVING MAX(id) IS NOT NULL;
INSERT INTO notification_cursors (source, position) SELECT 'flood_proposals', MAX(id) FROM flood_proposals HAVING MAX(id) IS NOT NULL;
INSERT INTO notification_cursors (source, position) SELECT 'answers', MAX(id) FROM objects HAVING MAX(id) IS NOT NULL;
INSERT INTO notified_subjects (source, subject_uri, at)
    SELECT 'result', uri, COALESCE(closed_at, created_at) FROM proposals WHERE state = 'closed';

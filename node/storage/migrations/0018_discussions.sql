-- Schema 17: discussion. A pool's discussions, the comments in its threads (a proposal's or a
-- discussion's), the mentions in them, stewards' moderation, and the actors local accounts block.

-- A discussion: a title and an opening post. The pool opens it from a member's draft (a Page
-- sent to the pool) and owns its document, as it owns its proposals; the same draft opens once.
CREATE TABLE discussions (
    id INTEGER PRIMARY KEY,
    pool_id INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    uri TEXT NOT NULL UNIQUE,
    source_uri TEXT NOT NULL UNIQUE,
    author_uri TEXT NOT NULL,
    title TEXT NOT NULL,
    content TEXT NOT NULL,
    document TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT,
    deleted_at TEXT
);
CREATE INDEX discussions_pool ON discussions (pool_id, id);
CREATE INDEX discussions_author ON discussions (author_uri, created_at);

-- A proposal started from a discussion (the proposal names it; the discussion lists it).
CREATE TABLE discussion_proposals (
    proposal_uri TEXT PRIMARY KEY,
    discussion_id INTEGER NOT NULL REFERENCES discussions (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL
);
CREATE INDEX discussion_proposals_discussion ON discussion_proposals (discussion_id);

-- A comment in a thread of a local pool, written here or received. ``parent_id`` is the
-- top-level comment a reply hangs under (one level of nesting; no foreign key, so a copy of
-- the table needs no order). ``standing`` is the author's when the pool received it;
-- ``content`` is the sanitised HTML shown, ``document`` the Note as stored.
CREATE TABLE comments (
    id INTEGER PRIMARY KEY,
    pool_id INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    thread_uri TEXT NOT NULL,
    uri TEXT NOT NULL UNIQUE,
    parent_id INTEGER,
    author_uri TEXT NOT NULL,
    kind TEXT NOT NULL DEFAULT 'comment' CHECK (kind IN ('comment', 'outcome')),
    standing TEXT NOT NULL CHECK (standing IN ('member', 'outside')),
    content TEXT NOT NULL,
    document TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT,
    deleted_at TEXT,
    hidden_at TEXT,
    hidden_by TEXT,
    hidden_reason TEXT
);
CREATE INDEX comments_thread ON comments (thread_uri, id);
CREATE INDEX comments_author ON comments (author_uri, created_at);
-- A proposal has at most one outcome statement (a deleted one can be replaced).
CREATE UNIQUE INDEX comments_one_outcome ON comments (thread_uri)
    WHERE kind = 'outcome' AND deleted_at IS NULL;

-- Who a comment or an opening post mentions (a later notifications module reads it).
CREATE TABLE mentions (
    id INTEGER PRIMARY KEY,
    pool_id INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    object_uri TEXT NOT NULL,
    thread_uri TEXT NOT NULL,
    actor_uri TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (object_uri, actor_uri)
);
CREATE INDEX mentions_actor ON mentions (actor_uri, id);

-- Stewards hiding a comment (with the reason shown in its place) and showing it again.
CREATE TABLE moderation_log (
    id INTEGER PRIMARY KEY,
    pool_id INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    comment_uri TEXT NOT NULL,
    steward_uri TEXT NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('hide', 'show')),
    reason TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX moderation_log_pool ON moderation_log (pool_id, id);

-- Actors a local account blocked (ActivityPub 6.9): their activities to it are refused.
CREATE TABLE blocks (
    id INTEGER PRIMARY KEY,
    actor_id INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    blocked_uri TEXT NOT NULL,
    activity_uri TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    UNIQUE (actor_id, blocked_uri)
);
CREATE INDEX blocks_blocked ON blocks (blocked_uri);

-- Schema 1: actors (pools and members), their keys, tokens, memberships, objects and collections.
CREATE TABLE schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- Local actors: a pool is an ActivityStreams Group, a member account a Person.
CREATE TABLE actors (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('pool', 'member')),
    uri TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    summary TEXT NOT NULL DEFAULT '',
    is_admin INTEGER NOT NULL DEFAULT 0,
    rsa_private_pem TEXT NOT NULL,
    rsa_public_pem TEXT NOT NULL,
    ed25519_private_pem TEXT NOT NULL,
    ed25519_public_multibase TEXT NOT NULL,
    created_at TEXT NOT NULL
);

-- A pool's settings (its bylaws) as JSON written by the governance core.
CREATE TABLE pools (
    actor_id INTEGER PRIMARY KEY REFERENCES actors (id) ON DELETE CASCADE,
    bylaws_json TEXT NOT NULL
);

-- Who belongs to which local pool; person_uri may name a local or a remote Person.
CREATE TABLE memberships (
    id INTEGER PRIMARY KEY,
    pool_id INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    person_uri TEXT NOT NULL,
    roles TEXT NOT NULL DEFAULT 'member',
    state TEXT NOT NULL DEFAULT 'member',
    joined_at TEXT NOT NULL,
    UNIQUE (pool_id, person_uri)
);
CREATE INDEX memberships_person ON memberships (person_uri);

-- Bearer tokens for the client-to-server API, stored only as SHA-256 hashes.
CREATE TABLE tokens (
    id INTEGER PRIMARY KEY,
    actor_id INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    label TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    revoked_at TEXT
);
CREATE INDEX tokens_actor ON tokens (actor_id);

-- Every ActivityPub object and activity the node holds, local or received.
CREATE TABLE objects (
    id INTEGER PRIMARY KEY,
    uri TEXT NOT NULL UNIQUE,
    type TEXT NOT NULL,
    actor_uri TEXT,
    local INTEGER NOT NULL DEFAULT 0,
    document TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX objects_actor ON objects (actor_uri);

-- Ordered collections (outbox, inbox, ...) of local actors: keyset-paged, newest first.
CREATE TABLE collection_items (
    id INTEGER PRIMARY KEY,
    owner_id INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    collection TEXT NOT NULL,
    item_uri TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (owner_id, collection, item_uri)
);
CREATE INDEX collection_items_page ON collection_items (owner_id, collection, id);

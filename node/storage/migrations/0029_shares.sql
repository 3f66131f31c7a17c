-- Schema 29: the share register (every co-op share issued or redeemed, each with the ledger entry
-- that booked it) and the patronage a treasurer records for a surplus shared by patronage
-- (docs/GOVERNANCE.md, "Shares and surplus in the node").

CREATE TABLE share_events (
    id INTEGER PRIMARY KEY,
    pool_id INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    uri TEXT NOT NULL UNIQUE,
    person_uri TEXT NOT NULL,
    action TEXT NOT NULL,
    share_type TEXT NOT NULL,
    count INTEGER NOT NULL,
    value INTEGER NOT NULL,
    at TEXT NOT NULL,
    entry_uri TEXT NOT NULL
);
CREATE INDEX share_events_pool ON share_events (pool_id, id);

CREATE TABLE patronage (
    id INTEGER PRIMARY KEY,
    pool_id INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    uri TEXT NOT NULL UNIQUE,
    source_uri TEXT UNIQUE,
    person_uri TEXT NOT NULL,
    amount INTEGER NOT NULL,
    at TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    note TEXT NOT NULL
);
CREATE INDEX patronage_pool ON patronage (pool_id, id);

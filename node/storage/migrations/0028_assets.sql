-- Schema 28: the pool's asset register and the members' bookings of its assets
-- (docs/GOVERNANCE.md, "Shared assets in the node").

-- One row per registered asset; its purchase is the ledger entry entry_uri, written in the
-- same transaction (an asset is never registered without its booking, nor booked without it).
CREATE TABLE assets (
    id INTEGER PRIMARY KEY,
    pool_id INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    uri TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    tenure TEXT NOT NULL,
    asset_json TEXT NOT NULL,
    keeper_uri TEXT NOT NULL,
    commitment TEXT NOT NULL,
    entry_uri TEXT NOT NULL UNIQUE REFERENCES ledger_entries (uri),
    source_uri TEXT UNIQUE,
    registered_by TEXT NOT NULL,
    document TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX assets_pool ON assets (pool_id, id);

-- Every hand-over of an asset to another keeper.
CREATE TABLE asset_keepers (
    id INTEGER PRIMARY KEY,
    asset_id INTEGER NOT NULL REFERENCES assets (id) ON DELETE CASCADE,
    keeper_uri TEXT NOT NULL,
    handed_by TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX asset_keepers_asset ON asset_keepers (asset_id, id);

-- A member holds an asset over [start_at, end_at) (UTC, whole minutes, ISO 8601 with Z, so
-- text order is time order); a cancelled booking is kept and holds nothing.
CREATE TABLE bookings (
    id INTEGER PRIMARY KEY,
    pool_id INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    asset_id INTEGER NOT NULL REFERENCES assets (id) ON DELETE CASCADE,
    uri TEXT NOT NULL UNIQUE,
    source_uri TEXT UNIQUE,
    member_uri TEXT NOT NULL,
    start_at TEXT NOT NULL,
    end_at TEXT NOT NULL,
    made_at TEXT NOT NULL,
    cancelled_at TEXT,
    note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX bookings_asset ON bookings (asset_id, start_at);
CREATE INDEX bookings_pool ON bookings (pool_id, start_at);

-- Schema 24: witnessed ledger heads (docs/PROTOCOL.md, "Witnessed ledger heads"). Pools sign
-- attestations of each other's ledger head; a head inconsistent with one witnessed before is an
-- alarm kept for good; pools report their recounts of each other's final tallies.

-- A local pool witnessing another pool's ledger: because they share a flood (by_flood, kept up
-- to date from the flood links) or because a steward chose it (by_steward, added_by). Witnessed
-- while either holds. next_check_at is the durable clock: a process claims a due row by moving
-- it on (a conditional UPDATE), so one process checks it. sequence, head_hash and
-- entry_document are the head this pool last attested (the pool-signed LedgerEntry at that
-- sequence, kept as evidence); checked_at and problem tell how the last check went.
CREATE TABLE witness_links (
    id INTEGER PRIMARY KEY,
    pool_id INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    target_uri TEXT NOT NULL,
    by_flood INTEGER NOT NULL DEFAULT 0 CHECK (by_flood IN (0, 1)),
    by_steward INTEGER NOT NULL DEFAULT 0 CHECK (by_steward IN (0, 1)),
    added_by TEXT,
    next_check_at TEXT NOT NULL,
    sequence INTEGER,
    head_hash TEXT,
    entry_document TEXT,
    checked_at TEXT,
    problem TEXT,
    created_at TEXT NOT NULL,
    UNIQUE (pool_id, target_uri)
);
CREATE INDEX witness_links_due ON witness_links (next_check_at);

-- Signed HeadAttestations: the latest of each witness about each pool, those our pools signed
-- and those witnesses sent our pools.
CREATE TABLE witness_attestations (
    witness_uri TEXT NOT NULL,
    pool_uri TEXT NOT NULL,
    uri TEXT NOT NULL UNIQUE,
    sequence INTEGER NOT NULL,
    head_hash TEXT NOT NULL,
    published TEXT NOT NULL,
    document TEXT NOT NULL,
    received_at TEXT NOT NULL,
    PRIMARY KEY (witness_uri, pool_uri)
);
CREATE INDEX witness_attestations_pool ON witness_attestations (pool_uri);

-- Alarms: a ledger head inconsistent with one witnessed before, with its evidence (a signed
-- LedgerConflict). Never deleted; shown on the local pool's page, as the witness (role
-- 'witness') or as the witnessed pool (role 'witnessed'). One row per conflict (fingerprint).
CREATE TABLE witness_alarms (
    id INTEGER PRIMARY KEY,
    pool_id INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('witness', 'witnessed')),
    witness_uri TEXT NOT NULL,
    pool_uri TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('rewritten', 'truncated', 'broken')),
    sequence INTEGER NOT NULL,
    reason TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    uri TEXT NOT NULL UNIQUE,
    document TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (pool_id, fingerprint)
);
CREATE INDEX witness_alarms_pool ON witness_alarms (pool_id, id);

-- A pool's recount of another pool's final tally, as a signed Recount: those our pools sent and
-- those other pools sent about our pools' proposals. matches: whether the recounted fields equal
-- our own final tally's (set by the proposal's pool; NULL where we are the reporter).
CREATE TABLE recount_reports (
    proposal_uri TEXT NOT NULL,
    reporter_uri TEXT NOT NULL,
    pool_uri TEXT NOT NULL,
    uri TEXT NOT NULL UNIQUE,
    result TEXT NOT NULL CHECK (result IN ('matches', 'mismatch')),
    matches INTEGER,
    differences TEXT NOT NULL,
    document TEXT NOT NULL,
    received_at TEXT NOT NULL,
    PRIMARY KEY (proposal_uri, reporter_uri)
);
CREATE INDEX recount_reports_reporter ON recount_reports (reporter_uri, pool_uri);

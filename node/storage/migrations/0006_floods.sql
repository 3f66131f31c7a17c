-- Schema 6: floods. A local pool's approved links to other pools, the flood proposals this
-- node takes part in, each pool's signed electorate for them, the ballots (the pools' own
-- and relayed), and the pools' signed attestations of the result (with mismatches found).

-- A passed JoinFlood proposal approves a link from a local pool to a peer pool in a flood;
-- a passed LeaveFlood proposal marks every link of the pool in that flood 'left'.
CREATE TABLE flood_links (
    id INTEGER PRIMARY KEY,
    pool_id INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    flood_uri TEXT NOT NULL,
    flood_name TEXT NOT NULL,
    peer_uri TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('approved', 'left')),
    proposal_uri TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (pool_id, flood_uri, peer_uri)
);
CREATE INDEX flood_links_peer ON flood_links (peer_uri, state);

-- One row per flood proposal this node knows (opened here or announced by another pool).
-- pools_json: the pools of the flood when it opened (sorted ids), from the origin's document.
CREATE TABLE flood_proposals (
    id INTEGER PRIMARY KEY,
    uri TEXT NOT NULL UNIQUE,
    flood_uri TEXT NOT NULL,
    origin_pool TEXT NOT NULL,
    pools_json TEXT NOT NULL,
    document TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'closed')),
    closes_at TEXT NOT NULL,
    outcome TEXT,
    result_json TEXT,
    created_at TEXT NOT NULL,
    closed_at TEXT
);
CREATE INDEX flood_proposals_due ON flood_proposals (state, closes_at);

-- Electorates, ballots and attestations are keyed by the proposal's id, not its row: they may
-- arrive before the proposal itself (deliveries from different pools race).

-- Each pool's pool-signed Electorate for a flood proposal (its members and its pledge).
CREATE TABLE flood_electorates (
    proposal_uri TEXT NOT NULL,
    pool_uri TEXT NOT NULL,
    uri TEXT NOT NULL,
    document TEXT NOT NULL,
    PRIMARY KEY (proposal_uri, pool_uri)
);

-- Every accepted ballot of a flood proposal, with the signed document it was accepted on.
CREATE TABLE flood_ballots (
    id INTEGER PRIMARY KEY,
    proposal_uri TEXT NOT NULL,
    uri TEXT NOT NULL,
    voter_uri TEXT NOT NULL,
    via_pool TEXT NOT NULL,
    ballot_json TEXT NOT NULL,
    document TEXT NOT NULL,
    received_at TEXT NOT NULL,
    UNIQUE (proposal_uri, uri)
);

-- Attestations of the result: our own pools' (published) and the other pools' (received).
-- matches is NULL until this node has its own final result, then 1 or 0 (a mismatch, with
-- the reason).
CREATE TABLE flood_attestations (
    proposal_uri TEXT NOT NULL,
    pool_uri TEXT NOT NULL,
    uri TEXT NOT NULL,
    document TEXT NOT NULL,
    matches INTEGER,
    reason TEXT,
    received_at TEXT NOT NULL,
    PRIMARY KEY (proposal_uri, pool_uri)
);

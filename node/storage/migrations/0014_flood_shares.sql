-- Schema 14: each local pool's share of a flood disbursement whose final result passed, and
-- what became of it in the pool's queue of money owed (docs/PROTOCOL.md, floods "Money"):
-- waiting_funds until the free fund covers it (served oldest first with the pool's own
-- obligations, by the flood's close), then done (booked), lapsed (past the bylaws'
-- funding wait) or refused (with the reason).
CREATE TABLE flood_shares (
    proposal_uri TEXT NOT NULL,
    pool_id INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    amount INTEGER NOT NULL CHECK (amount > 0),
    since TEXT NOT NULL,
    effect TEXT NOT NULL CHECK (effect IN ('waiting_funds', 'done', 'lapsed', 'refused')),
    reason TEXT,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (proposal_uri, pool_id)
);
CREATE INDEX flood_shares_waiting ON flood_shares (pool_id, effect);

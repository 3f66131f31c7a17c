-- Schema 30: the capital calls of passed investment proposals (docs/GOVERNANCE.md, "Investment
-- proposals and capital calls"). What each member has paid is in the ledger (call_payment
-- entries); these rows keep what each member was asked, frozen when the proposal passed, and
-- whether the call is open, done (the asset registered) or cancelled.
CREATE TABLE capital_calls (
    id INTEGER PRIMARY KEY,
    pool_id INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    proposal_uri TEXT NOT NULL UNIQUE,
    amount INTEGER NOT NULL CHECK (amount >= 0),
    state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'done', 'cancelled')),
    opened_at TEXT NOT NULL,
    closed_at TEXT,
    closed_by TEXT
);
CREATE INDEX capital_calls_pool ON capital_calls (pool_id, id);

-- Each member's due toward a call (the equal split, governance.investment.split_call).
CREATE TABLE capital_call_shares (
    call_id INTEGER NOT NULL REFERENCES capital_calls (id) ON DELETE CASCADE,
    person_uri TEXT NOT NULL,
    due INTEGER NOT NULL CHECK (due >= 0),
    PRIMARY KEY (call_id, person_uri)
);

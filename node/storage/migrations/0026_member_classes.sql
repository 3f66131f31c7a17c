-- Schema 24: each membership's member class (a co-op's worker, consumer, ...: the names the
-- pool's bylaws declare in member_classes), and every change a steward made to one, with why.

-- NULL when the pool declares no classes, or the member has none yet (see docs/GOVERNANCE.md,
-- "Member classes in the node").
ALTER TABLE memberships ADD COLUMN member_class TEXT;

CREATE TABLE member_class_log (
    id INTEGER PRIMARY KEY,
    pool_id INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    person_uri TEXT NOT NULL,
    old_class TEXT,
    new_class TEXT NOT NULL,
    steward_uri TEXT NOT NULL,
    reason TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX member_class_log_pool ON member_class_log (pool_id, id);

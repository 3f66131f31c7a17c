-- Schema (PostgreSQL) 13: when a closed proposal's final tally (and its closed Question) was published.
-- NULL on a closed proposal means the node stopped between the close and the publication; the
-- closing worker publishes it at start-up (docs/PROTOCOL.md, "Effects"). Proposals closed
-- before this schema were published when they closed.
ALTER TABLE proposals ADD COLUMN announced_at TEXT;
UPDATE proposals SET announced_at = closed_at WHERE state = 'closed';

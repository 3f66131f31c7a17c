-- Schema (PostgreSQL) 17: a flood proposal's ballots in arrival order straight from an index,
-- so a process sharing the database reads only the ballots stored after the last one it
-- counted (node/floods/running.py), and the count of every ballot needs no sort.
CREATE INDEX flood_ballots_proposal ON flood_ballots (proposal_uri, id);

-- Schema (PostgreSQL) 10: a voter's ballots are ordered by the sequence their signer puts in each one
-- (docs/PROTOCOL.md §Ballot order). Ballots stored before carry none: sequence 0.
ALTER TABLE ballots ADD COLUMN sequence BIGINT NOT NULL DEFAULT 0;
-- One ballot per (voter, sequence) on a proposal: a second, different ballot reusing a
-- sequence is refused (ballot_sequence_conflict). Sequence 0 (none) may repeat.
CREATE UNIQUE INDEX ballots_voter_sequence ON ballots (proposal_id, voter_uri, sequence)
    WHERE sequence > 0;
-- A flood ballot's sequence is read from its ballot_json; this finds a voter's ballots.
CREATE INDEX flood_ballots_voter ON flood_ballots (proposal_uri, voter_uri);

-- The last sequence this node signed for a voter (a local person, or a remote voter whose
-- poll replies a local pool attests) on a proposal, wherever the proposal lives.
CREATE TABLE ballot_sequences (
    voter_uri TEXT NOT NULL,
    proposal_uri TEXT NOT NULL,
    last BIGINT NOT NULL,
    PRIMARY KEY (voter_uri, proposal_uri)
);

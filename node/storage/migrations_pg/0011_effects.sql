-- Schema (PostgreSQL) 11: what a closed proposal's decision did (its effect), kept with the proposal row and
-- written in the same transaction as the close, so a crash between the close and the booking
-- leaves a 'pending' effect that the node carries out at start-up (docs/PROTOCOL.md, "Effects").
--   none           rejected, or a kind with nothing to carry out (a plain decision)
--   pending        passed; the effect is not carried out yet
--   done           carried out (booked, admitted, expelled, bylaws replaced, flood linked)
--   waiting_funds  a passed disbursement the free fund cannot cover yet (booked oldest first)
--   lapsed         it waited for funds longer than the bylaws' funding_wait
--   refused        the effect broke a rule when carried out; effect_reason says which
ALTER TABLE proposals ADD COLUMN effect TEXT NOT NULL DEFAULT 'none'
    CHECK (effect IN ('none', 'pending', 'done', 'waiting_funds', 'lapsed', 'refused'));
ALTER TABLE proposals ADD COLUMN effect_reason TEXT;
ALTER TABLE proposals ADD COLUMN effect_at TEXT;

-- Proposals closed before this schema: a passed disbursement with no commitment booked is
-- pending (start-up books it or marks it waiting for funds); every other passed one is done.
UPDATE proposals SET effect = CASE
        WHEN kind = 'disbursement' AND NOT EXISTS (
            SELECT 1 FROM ledger_entries WHERE ledger_entries.source_uri = proposals.uri || '#commitment'
        ) THEN 'pending'
        ELSE 'done' END,
    effect_at = closed_at
    WHERE state = 'closed' AND outcome = 'passed'
        AND kind IN ('disbursement', 'bylaws_change', 'admission', 'expulsion', 'join_flood', 'leave_flood');

CREATE INDEX proposals_effect ON proposals (effect, closed_at, id);

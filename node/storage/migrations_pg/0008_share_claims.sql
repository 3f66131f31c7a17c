-- Schema (PostgreSQL) 8: an applicant's claim of a share payment (the Join's sharePayment: amount in minor
-- units, currency, reference), kept as JSON for the treasurer. Only a contribution entry the
-- treasurer books confirms money; the claim is what they check it against.
ALTER TABLE memberships ADD COLUMN share_claim TEXT;

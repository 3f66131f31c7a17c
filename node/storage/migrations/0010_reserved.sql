-- Placeholder so this branch (i12-effects) numbers its migrations without a gap: number 10
-- belongs to another branch of issue 12. Drop this file when merging that branch.
SELECT 1;

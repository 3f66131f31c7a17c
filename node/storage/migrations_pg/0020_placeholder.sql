-- Placeholder for schema 20, which another branch brings; dropped when that branch merges.
SELECT 1;

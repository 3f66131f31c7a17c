-- Placeholder for schema 10, numbered by another branch of issue 12 (item 9 uses 12).
-- Delete this file when merging: the other branch brings the real migration 0010.
SELECT 1;

-- Placeholder so the numbering has no gap on this branch: schema 28 belongs to another change
-- and replaces this file when the branches meet.
SELECT 1;

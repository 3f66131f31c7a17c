-- Placeholder so the numbering has no gap on this branch: schema 27 belongs to another change
-- and replaces this file when the branches meet.
SELECT 1;

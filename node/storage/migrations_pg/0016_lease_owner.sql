-- Schema (PostgreSQL) 16: which process holds a queue row's lease (its session's
-- "pid:backend_start"). A row leased by a process whose session is gone (killed, crashed)
-- may be claimed again at once by another process instead of when its lease expires.
ALTER TABLE inbox_items ADD COLUMN leased_by TEXT;
ALTER TABLE deliveries ADD COLUMN leased_by TEXT;

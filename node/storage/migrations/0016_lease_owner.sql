-- Schema 16: which process holds a queue row's lease. On PostgreSQL, where several processes
-- share the queues, a row leased by a process that has since died (its database session is
-- gone) may be claimed again at once instead of when its lease expires. One SQLite process
-- never writes it.
ALTER TABLE inbox_items ADD COLUMN leased_by TEXT;
ALTER TABLE deliveries ADD COLUMN leased_by TEXT;

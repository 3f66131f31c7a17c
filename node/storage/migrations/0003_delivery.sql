-- Schema 3: the durable outgoing delivery queue and per-host health.
-- (Owned by the delivery work; filled in there.)
CREATE TABLE deliveries (
    id INTEGER PRIMARY KEY
);

-- Schema 2: received activities awaiting processing, remote actors, follows.
-- (Owned by the inbox work; filled in there.)
CREATE TABLE inbox_items (
    id INTEGER PRIMARY KEY
);

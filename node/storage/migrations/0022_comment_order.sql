-- Schema 22: a thread's page reads its comments in conversation order (each top-level comment,
-- then its replies) straight from this index, so a page of 50 does not sort the whole thread.
CREATE INDEX comments_conversation ON comments (thread_uri, kind, COALESCE(parent_id, id), id);

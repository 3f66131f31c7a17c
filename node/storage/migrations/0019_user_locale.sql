-- Schema 17: the language a member chose for the web pages (node/web/i18n.py).

-- No row: the member has not chosen, and the browser's Accept-Language decides.
CREATE TABLE web_locales (
    actor_id INTEGER PRIMARY KEY REFERENCES actors (id) ON DELETE CASCADE,
    locale TEXT NOT NULL CHECK (length(locale) BETWEEN 2 AND 35),
    updated_at TEXT NOT NULL
);

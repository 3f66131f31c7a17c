-- Schema 5: web sign-in: password hashes and browser sessions.
-- (Owned by the web app work, issue 7; replace this placeholder there.)
CREATE TABLE web_sessions (
    id INTEGER PRIMARY KEY
);

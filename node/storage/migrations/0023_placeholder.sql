-- Schema 23: nothing. This number is kept for a migration of another line of work that may
-- claim it; 0024 follows it. Merged with that work, this file is dropped and 0024 renumbered.
SELECT 1;

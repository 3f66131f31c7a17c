-- Schema 27 is reserved for the shares register (merged separately); this placeholder keeps
-- the numbering without gaps until it lands, and is removed then.
SELECT 1;

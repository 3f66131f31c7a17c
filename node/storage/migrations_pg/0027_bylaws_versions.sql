-- Schema 27: the bylaws archive. Every version of a local pool's bylaws that was ever in force,
-- numbered from 1 (the founding bylaws), with the proposal that brought it into force (NULL for
-- the founding version) and when. A bylaws change writes its version in the same transaction
-- as the pool's current bylaws (node/storage/bylaws_versions.py).
CREATE TABLE bylaws_versions (
    pool_id BIGINT NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    number INTEGER NOT NULL,
    bylaws_json TEXT NOT NULL,
    proposal_uri TEXT,
    adopted_at TEXT NOT NULL,
    PRIMARY KEY (pool_id, number)
);
CREATE UNIQUE INDEX bylaws_versions_proposal ON bylaws_versions (pool_id, proposal_uri);

-- Pools that existed before the archive: their bylaws as they stand become version 1, adopted
-- when the pool was made (their earlier versions were not kept).
INSERT INTO bylaws_versions (pool_id, number, bylaws_json, proposal_uri, adopted_at)
SELECT pools.actor_id, 1, pools.bylaws_json, NULL, actors.created_at
FROM pools JOIN actors ON actors.id = pools.actor_id;

"""Ballot and tally rows of local pools' proposals."""

from __future__ import annotations

import json
from typing import Any

from node.storage.database import INTEGRITY_ERRORS, Database
from node.storage.dialect import json_json, json_text
from node.storage.governance_rows import CountedBallot, StoredBallot, ballot_from_row, dumps

__all__ = ["BallotQueries"]


class BallotQueries:
    """The ballots and tallies part of ``GovernanceStore``."""

    db: Database

    def __init__(self, db: Database) -> None:
        self.db = db
        d = db.dialect
        # What a count reads of each ballot, without decoding its JSON in Python.
        self._counted_sql = (
            f"SELECT uri, voter_uri, {json_text(d, 'ballot_json', 'cast_at')},"
            f" {json_json(d, 'ballot_json', 'choice')}, sequence, id"
            " FROM ballots WHERE proposal_id = ? AND id > ? ORDER BY id"
        )

    async def add_ballot(
        self, proposal_id: int, *, uri: str, voter_uri: str, cast_at: str, ballot: dict[str, Any],
        document: dict[str, Any], attested_by: str | None, received_at: str, sequence: int = 0,
    ) -> int | None:
        """Store an accepted ballot; its row id, or None if this ballot id, or this voter's
        ``sequence`` (when not 0), was stored before."""
        try:
            return await self.db.insert(
                "INSERT INTO ballots (proposal_id, uri, voter_uri, cast_at, ballot_json, document,"
                " attested_by, received_at, sequence) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " RETURNING id",
                (proposal_id, uri, voter_uri, cast_at, dumps(ballot), dumps(document),
                 attested_by, received_at, sequence),
            )
        except INTEGRITY_ERRORS:
            return None

    async def ballot(self, proposal_id: int, uri: str) -> StoredBallot | None:
        """One stored ballot of a proposal."""
        row = await self.db.lookup(
            "SELECT * FROM ballots WHERE proposal_id = ? AND uri = ?", (proposal_id, uri)
        )
        return ballot_from_row(row) if row else None

    async def ballot_by_uri(self, uri: str) -> StoredBallot | None:
        """A stored ballot by its id, whatever the proposal."""
        row = await self.db.fetchone("SELECT * FROM ballots WHERE uri = ?", (uri,))
        return ballot_from_row(row) if row else None

    async def ballots(self, proposal_id: int) -> list[StoredBallot]:
        """Every accepted ballot of a proposal with its signed document, in arrival order.

        Counting needs only ``counted_ballots``; this is for the few readers of the documents.
        """
        rows = await self.db.fetchall(
            "SELECT * FROM ballots WHERE proposal_id = ? ORDER BY id", (proposal_id,)
        )
        return [ballot_from_row(r) for r in rows]

    async def counted_ballots(self, proposal_id: int, *, after: int = 0) -> list[CountedBallot]:
        """What a count needs of each accepted ballot, in arrival order: no signed document.

        ``uri`` and ``voter_uri`` are the ballot's id and voter (``add_ballot`` writes both from
        the same ballot); its time and choice are taken out of ``ballot_json`` by the database,
        so no JSON document is decoded in Python per ballot. With ``after`` (a row id), only
        the ballots stored after that row: what a running count has not read yet.
        """
        rows = await self.db.fetchall(self._counted_sql, (proposal_id, after))
        return [CountedBallot._make(r) for r in rows]

    async def count_ballots(self, proposal_id: int) -> int:
        """How many ballots of a proposal were accepted (changed votes included)."""
        row = await self.db.fetchone(
            "SELECT COUNT(*) AS n FROM ballots WHERE proposal_id = ?", (proposal_id,)
        )
        return int(row["n"]) if row else 0

    async def ballots_page(
        self, proposal_id: int, *, limit: int, before: int | None = None
    ) -> list[StoredBallot]:
        """A proposal's ballots newest first, keyset-paged on the row id."""
        sql, params = "SELECT * FROM ballots WHERE proposal_id = ?", [proposal_id]
        if before is not None:
            sql += " AND id < ?"
            params.append(before)
        rows = await self.db.fetchall(sql + " ORDER BY id DESC LIMIT ?", (*params, limit))
        return [ballot_from_row(r) for r in rows]

    async def voter_ballots(self, proposal_id: int, voter_uri: str) -> list[StoredBallot]:
        """Every ballot a voter cast on a proposal, in arrival order (which counts is
        ``governance.counted_ballot``'s to say: arrival is not the counting order)."""
        rows = await self.db.fetchall(
            "SELECT * FROM ballots WHERE proposal_id = ? AND voter_uri = ? ORDER BY id",
            (proposal_id, voter_uri),
        )
        return [ballot_from_row(r) for r in rows]

    async def voter_sequence_holder(
        self, proposal_id: int, voter_uri: str, sequence: int
    ) -> str | None:
        """The id of the voter's stored ballot with this sequence (1 or more), if any."""
        row = await self.db.fetchone(
            "SELECT uri FROM ballots WHERE proposal_id = ? AND voter_uri = ? AND sequence = ?",
            (proposal_id, voter_uri, sequence),
        )
        return row["uri"] if row else None

    async def set_tally(self, proposal_id: int, outcome: str, document: dict[str, Any], at: str) -> None:
        """Replace the running tally of an open proposal."""
        await self.db.execute(
            "UPDATE tallies SET outcome = ?, document = ?, updated_at = ?"
            " WHERE proposal_id = ? AND final = 0",
            (outcome, dumps(document), at, proposal_id),
        )

    async def tally_document(self, proposal_id: int) -> dict[str, Any] | None:
        """The latest pool-signed Tally document."""
        row = await self.db.fetchone(
            "SELECT document FROM tallies WHERE proposal_id = ?", (proposal_id,)
        )
        return json.loads(row["document"]) if row else None

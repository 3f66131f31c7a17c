"""Running tallies: which open proposals are due a signed Tally, storing it, serving it.

The tallies table (schema 4, extended by schema 23) keeps one pool-signed Tally per proposal.
While the proposal is open, ``ballot_row`` is the row id of the last ballot the stored Tally
counted, ``signed_at`` when it was signed (Unix seconds) and ``published_row`` the
``ballot_row`` of the last one published; a proposal's ballots are stored in row order
(docs/OPERATIONS.md, "Several processes"), so "a ballot row after ``ballot_row``" is "a ballot
the stored Tally has not counted".
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from node.storage.database import Database

__all__ = ["DueTally", "RunningTallyStore", "ServedTally", "TallyMark"]


@dataclass(frozen=True, slots=True)
class DueTally:
    """An open proposal whose running Tally is due to be signed or published."""

    proposal_id: int
    uri: str
    pool_id: int


@dataclass(frozen=True, slots=True)
class TallyMark:
    """Where a proposal's stored Tally stands."""

    final: bool
    ballot_row: int
    signed_at: float
    published_row: int


@dataclass(frozen=True, slots=True)
class ServedTally:
    """A proposal's kind, its stored Tally (None: none stored) and how many ballots were stored
    after it was signed (0 once final)."""

    kind: str
    document: dict[str, Any] | None
    final: bool
    unsigned: int


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


class RunningTallyStore:
    """Queries behind the running-tally clock (node/pool_engine/running.py) and its readers."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def due(self, signed_before: float) -> list[DueTally]:
        """Open proposals with a ballot their stored Tally has not counted, signed at or before
        ``signed_before``; and those whose stored Tally is not published yet."""
        rows = await self.db.fetchall(
            "SELECT t.proposal_id, p.uri, p.pool_id FROM tallies t"
            " JOIN proposals p ON p.id = t.proposal_id"
            " WHERE t.final = 0 AND p.state = 'open' AND ("
            "  t.published_row < t.ballot_row OR (t.signed_at <= ? AND EXISTS ("
            "   SELECT 1 FROM ballots b WHERE b.proposal_id = t.proposal_id AND b.id > t.ballot_row)))"
            " ORDER BY t.proposal_id",
            (signed_before,),
        )
        return [DueTally(int(r["proposal_id"]), r["uri"], int(r["pool_id"])) for r in rows]

    async def mark(self, proposal_id: int) -> TallyMark | None:
        """Where the proposal's stored Tally stands (None: no Tally)."""
        row = await self.db.fetchone(
            "SELECT final, ballot_row, signed_at, published_row FROM tallies WHERE proposal_id = ?",
            (proposal_id,),
        )
        if row is None:
            return None
        return TallyMark(bool(row["final"]), int(row["ballot_row"]), float(row["signed_at"]),
                         int(row["published_row"]))

    async def store(self, proposal_id: int, outcome: str, document: dict[str, Any], at: str,
                    *, ballot_row: int, signed_at: float) -> bool:
        """Replace the running Tally of an open proposal with one that counted the ballots up to
        ``ballot_row``; False if the proposal closed or a Tally counting as many is stored."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE tallies SET outcome = ?, document = ?, updated_at = ?, ballot_row = ?,"
                " signed_at = ? WHERE proposal_id = ? AND final = 0 AND ballot_row < ?",
                (outcome, _dumps(document), at, ballot_row, signed_at, proposal_id, ballot_row),
            )
            return cursor.rowcount > 0

    async def unpublished(self, proposal_id: int) -> tuple[dict[str, Any], int] | None:
        """The stored running Tally and its ``ballot_row``, if it is not published yet."""
        row = await self.db.fetchone(
            "SELECT document, ballot_row FROM tallies"
            " WHERE proposal_id = ? AND final = 0 AND published_row < ballot_row",
            (proposal_id,),
        )
        return (json.loads(row["document"]), int(row["ballot_row"])) if row else None

    async def mark_published(self, proposal_id: int, ballot_row: int) -> None:
        """The running Tally that counted up to ``ballot_row`` is published."""
        await self.db.execute(
            "UPDATE tallies SET published_row = ? WHERE proposal_id = ? AND published_row < ?",
            (ballot_row, proposal_id, ballot_row),
        )

    async def served(self, proposal_uri: str) -> ServedTally | None:
        """The proposal's stored Tally (None: no such proposal), and for a running one how many
        ballots were stored after it counted (an index range of the ballots of one interval,
        never the whole proposal); in one query, reading none of the proposal's documents."""
        row = await self.db.fetchone(
            "SELECT p.kind, t.document, t.final, CASE WHEN t.final = 0 THEN (SELECT count(*)"
            " FROM ballots b WHERE b.proposal_id = p.id AND b.id > t.ballot_row) ELSE 0 END"
            " AS unsigned FROM proposals p LEFT JOIN tallies t ON t.proposal_id = p.id"
            " WHERE p.uri = ?",
            (proposal_uri,),
        )
        if row is None:
            return None
        document = json.loads(row["document"]) if row["document"] is not None else None
        return ServedTally(row["kind"], document, bool(row["final"]), int(row["unsigned"] or 0))

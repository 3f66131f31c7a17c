"""Proposal rows of local pools: opening, closing, effects and their announcements."""

from __future__ import annotations

from typing import Any

from node.storage.database import INTEGRITY_ERRORS, Database
from node.storage.governance_rows import ProposalHead, StoredProposal, dumps, proposal_from_row

__all__ = ["ProposalQueries"]


class ProposalQueries:
    """The proposals part of ``GovernanceStore``."""

    db: Database

    async def add_proposal(
        self, *, pool_id: int, uri: str, source_uri: str | None, author_uri: str, kind: str,
        closes_at: str, proposal: dict[str, Any], document: dict[str, Any],
        electorate_document: dict[str, Any], tally_document: dict[str, Any], outcome: str,
        created_at: str,
    ) -> bool:
        """Store an opened proposal with its first tally; False if its source was opened before."""
        try:
            async with self.db.transaction() as conn:
                cursor = await conn.execute(
                    "INSERT INTO proposals (pool_id, uri, source_uri, author_uri, kind, closes_at,"
                    " proposal_json, document, electorate_document, created_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                    (pool_id, uri, source_uri, author_uri, kind, closes_at, dumps(proposal),
                     dumps(document), dumps(electorate_document), created_at),
                )
                proposal_id = (await cursor.fetchone())[0]
                await conn.execute(
                    "INSERT INTO tallies (proposal_id, outcome, final, document, updated_at)"
                    " VALUES (?, ?, 0, ?, ?)",
                    (proposal_id, outcome, dumps(tally_document), created_at),
                )
        except INTEGRITY_ERRORS:
            return False
        return True

    async def proposal(self, uri: str) -> StoredProposal | None:
        """A proposal by its id (the pool's Proposal document id)."""
        row = await self.db.fetchone("SELECT * FROM proposals WHERE uri = ?", (uri,))
        return proposal_from_row(row) if row else None

    async def proposal_head(self, uri: str) -> ProposalHead | None:
        """A proposal's row id, pool and state by its id, without reading its documents."""
        row = await self.db.lookup(
            "SELECT id, pool_id, uri, state FROM proposals WHERE uri = ?", (uri,)
        )
        return ProposalHead(row["id"], row["pool_id"], row["uri"], row["state"]) if row else None

    async def proposal_row_id(self, uri: str) -> int | None:
        """A proposal's row id by its id, without reading (or decoding) its documents."""
        row = await self.db.fetchone("SELECT id FROM proposals WHERE uri = ?", (uri,))
        return int(row["id"]) if row else None

    async def proposal_by_source(self, source_uri: str) -> StoredProposal | None:
        """The proposal opened from a member's draft."""
        row = await self.db.fetchone("SELECT * FROM proposals WHERE source_uri = ?", (source_uri,))
        return proposal_from_row(row) if row else None

    async def proposals_of_pool(
        self, pool_id: int, *, limit: int, before: int | None = None
    ) -> list[StoredProposal]:
        """A pool's proposals, newest first, keyset-paged on the row id."""
        sql, params = "SELECT * FROM proposals WHERE pool_id = ?", [pool_id]
        if before is not None:
            sql += " AND id < ?"
            params.append(before)
        rows = await self.db.fetchall(sql + " ORDER BY id DESC LIMIT ?", (*params, limit))
        return [proposal_from_row(r) for r in rows]

    async def count_proposals(self, pool_id: int) -> int:
        """How many proposals a pool has opened."""
        row = await self.db.fetchone(
            "SELECT COUNT(*) AS n FROM proposals WHERE pool_id = ?", (pool_id,)
        )
        return int(row["n"]) if row else 0

    async def due_proposals(self, now: str) -> list[StoredProposal]:
        """Open proposals whose closing time has come."""
        rows = await self.db.fetchall(
            "SELECT * FROM proposals WHERE state = 'open' AND closes_at <= ? ORDER BY closes_at",
            (now,),
        )
        return [proposal_from_row(r) for r in rows]

    async def open_proposals(self) -> list[StoredProposal]:
        """Every open proposal (the scheduler checks them for an early decision)."""
        rows = await self.db.fetchall("SELECT * FROM proposals WHERE state = 'open' ORDER BY id")
        return [proposal_from_row(r) for r in rows]

    async def open_proposals_of_pools(self, pool_ids: list[int]) -> list[StoredProposal]:
        """The open proposals of these pools, soonest closing first (a member's "needs your vote")."""
        if not pool_ids:
            return []
        marks = ",".join("?" for _ in pool_ids)
        rows = await self.db.fetchall(
            f"SELECT * FROM proposals WHERE state = 'open' AND pool_id IN ({marks})"
            " ORDER BY closes_at, id", tuple(pool_ids),
        )
        return [proposal_from_row(r) for r in rows]

    async def close_proposal(
        self, proposal_id: int, outcome: str, tally_document: dict[str, Any], at: str,
        effect: str = "none",
    ) -> bool:
        """Close an open proposal with its final tally and effect state, in one transaction.

        False if it was already closed. ``effect`` is 'pending' for a passed proposal that does
        something: whoever finds it pending (the closer, or start-up after a crash) carries it out.
        """
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE proposals SET state = 'closed', outcome = ?, closed_at = ?, effect = ?,"
                " effect_at = ? WHERE id = ? AND state = 'open'",
                (outcome, at, effect, at, proposal_id),
            )
            if cursor.rowcount == 0:
                return False
            await conn.execute(
                "UPDATE tallies SET outcome = ?, final = 1, document = ?, updated_at = ?"
                " WHERE proposal_id = ?",
                (outcome, dumps(tally_document), at, proposal_id),
            )
        return True

    async def set_effect(
        self, proposal_id: int, effect: str, at: str, reason: str | None = None,
        *, expected: tuple[str, ...] = ("pending", "waiting_funds"),
    ) -> bool:
        """Move a closed proposal's effect on from one of ``expected``; False if it had moved."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE proposals SET effect = ?, effect_reason = ?, effect_at = ?"
                f" WHERE id = ? AND effect IN ({', '.join('?' * len(expected))})",
                (effect, reason, at, proposal_id, *expected),
            )
            return bool(cursor.rowcount)

    async def proposals_with_effect(self, effect: str, pool_id: int | None = None) -> list[StoredProposal]:
        """Closed proposals whose effect is ``effect``, oldest close first (the order they are served)."""
        sql, params = "SELECT * FROM proposals WHERE effect = ?", list[object]([effect])
        if pool_id is not None:
            sql += " AND pool_id = ?"
            params.append(pool_id)
        rows = await self.db.fetchall(sql + " ORDER BY closed_at, id", tuple(params))
        return [proposal_from_row(r) for r in rows]

    async def unannounced(self) -> list[StoredProposal]:
        """Closed proposals whose final tally is not published yet, oldest close first."""
        rows = await self.db.fetchall(
            "SELECT * FROM proposals WHERE state = 'closed' AND announced_at IS NULL"
            " ORDER BY closed_at, id")
        return [proposal_from_row(r) for r in rows]

    async def announced(self, proposal_id: int) -> bool:
        """Whether a closed proposal's final tally is published."""
        row = await self.db.fetchone(
            "SELECT announced_at FROM proposals WHERE id = ?", (proposal_id,))
        return row is not None and row["announced_at"] is not None

    async def effect_of(self, proposal_id: int) -> str | None:
        """A proposal's effect state as stored now."""
        row = await self.db.fetchone("SELECT effect FROM proposals WHERE id = ?", (proposal_id,))
        return str(row["effect"]) if row is not None else None

    async def mark_announced(self, proposal_id: int, at: str) -> None:
        """The final tally of a closed proposal is published (stored and queued for delivery)."""
        await self.db.execute(
            "UPDATE proposals SET announced_at = ? WHERE id = ? AND announced_at IS NULL",
            (at, proposal_id))

    async def pools_with_obligations(self) -> list[int]:
        """Pools with a disbursement waiting for funds, a refund owed or a commitment booked."""
        rows = await self.db.fetchall(
            "SELECT pool_id FROM proposals WHERE effect = 'waiting_funds'"
            " UNION SELECT pool_id FROM ledger_entries WHERE kind IN ('refund_owed', 'commitment')"
            " UNION SELECT pool_id FROM flood_shares WHERE effect = 'waiting_funds'"
        )
        return [int(r["pool_id"]) for r in rows]

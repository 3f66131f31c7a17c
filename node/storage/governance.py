"""Proposals, ballots, tallies, ledger entries and membership changes of local pools."""

from __future__ import annotations

import json
from typing import Any

from node.storage.actors import Membership
from node.storage.database import INTEGRITY_ERRORS, Connection, Database
from node.storage.dialect import json_json, json_text
from node.storage.governance_rows import (
    CountedBallot,
    ProposalHead,
    StoredBallot,
    StoredEntry,
    StoredProposal,
    ballot_from_row,
    entry_from_row,
    membership_from_row,
    proposal_from_row,
)

__all__ = [
    "CountedBallot",
    "GovernanceStore",
    "ProposalHead",
    "StoredBallot",
    "StoredEntry",
    "StoredProposal",
    "write_entry",
    "write_membership",
]


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


async def write_membership(
    conn: Connection, pool_id: int, person_uri: str, *, state: str, roles: tuple[str, ...],
    at: str, join_activity: str | None = None, member_class: str | None = None,
) -> None:
    """Create or update a person's membership row inside the caller's transaction."""
    cursor = await conn.execute(
        "UPDATE memberships SET state = ?, roles = ?, updated_at = ?,"
        " join_activity = COALESCE(?, join_activity),"
        " member_class = COALESCE(?, member_class),"
        " joined_at = CASE WHEN ? = 'member' AND state != 'member' THEN ? ELSE joined_at END"
        " WHERE pool_id = ? AND person_uri = ?",
        (state, ",".join(roles), at, join_activity, member_class, state, at, pool_id,
         person_uri),
    )
    if cursor.rowcount == 0:
        await conn.execute(
            "INSERT INTO memberships (pool_id, person_uri, roles, state, joined_at,"
            " join_activity, updated_at, member_class) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (pool_id, person_uri, ",".join(roles), state, at, join_activity, at, member_class),
        )


async def write_entry(
    conn: Connection, pool_id: int, *, sequence: int, uri: str, source_uri: str | None,
    kind: str, entry: dict[str, Any], document: dict[str, Any], created_at: str,
) -> None:
    """Append a booked ledger entry inside the caller's transaction."""
    await conn.execute(
        "INSERT INTO ledger_entries (pool_id, sequence, uri, source_uri, kind, entry_json,"
        " document, hash, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (pool_id, sequence, uri, source_uri, kind, _dumps(entry), _dumps(document),
         entry["hash"], created_at),
    )


class GovernanceStore:
    """Queries behind the pool engine (node/pool_engine)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        d = db.dialect
        # What a count reads of each ballot, without decoding its JSON in Python.
        self._counted_sql = (
            f"SELECT uri, voter_uri, {json_text(d, 'ballot_json', 'cast_at')},"
            f" {json_json(d, 'ballot_json', 'choice')}, sequence, id"
            " FROM ballots WHERE proposal_id = ? AND id > ? ORDER BY id"
        )

    # Memberships (the memberships table of schema 1, extended by schema 4).

    async def memberships(self, pool_id: int) -> list[Membership]:
        """Every person who ever applied to the pool, any state, oldest first."""
        rows = await self.db.fetchall(
            "SELECT * FROM memberships WHERE pool_id = ? ORDER BY id", (pool_id,)
        )
        return [membership_from_row(r) for r in rows]

    async def membership(self, pool_id: int, person_uri: str) -> Membership | None:
        """One person's membership row."""
        row = await self.db.fetchone(
            "SELECT * FROM memberships WHERE pool_id = ? AND person_uri = ?", (pool_id, person_uri)
        )
        return membership_from_row(row) if row else None

    async def join_activity(self, pool_id: int, person_uri: str) -> str | None:
        """The Join that made the person an applicant, if any."""
        row = await self.db.fetchone(
            "SELECT join_activity FROM memberships WHERE pool_id = ? AND person_uri = ?",
            (pool_id, person_uri),
        )
        return row["join_activity"] if row else None

    async def person_of_join(self, pool_id: int, join_id: str) -> str | None:
        """Who sent the Join with this id to the pool."""
        row = await self.db.fetchone(
            "SELECT person_uri FROM memberships WHERE pool_id = ? AND join_activity = ?",
            (pool_id, join_id),
        )
        return row["person_uri"] if row else None

    async def set_share_claim(self, pool_id: int, person_uri: str, claim: dict[str, Any] | None) -> None:
        """Keep (or clear) the share payment an applicant says they made."""
        await self.db.execute(
            "UPDATE memberships SET share_claim = ? WHERE pool_id = ? AND person_uri = ?",
            (None if claim is None else _dumps(claim), pool_id, person_uri),
        )

    async def applications(self, pool_id: int) -> list[tuple[Membership, str | None, dict[str, Any] | None]]:
        """Pending applicants, oldest first: membership, their Join's id and their share claim."""
        rows = await self.db.fetchall(
            "SELECT * FROM memberships WHERE pool_id = ? AND state = 'applicant' ORDER BY id",
            (pool_id,),
        )
        return [(membership_from_row(r), r["join_activity"],
                 json.loads(r["share_claim"]) if r["share_claim"] else None) for r in rows]

    async def set_membership(
        self, pool_id: int, person_uri: str, *, state: str, roles: tuple[str, ...], at: str,
        join_activity: str | None = None, member_class: str | None = None,
    ) -> None:
        """Create or update a person's membership row (``member_class``: the class they chose
        when applying; None keeps the one recorded)."""
        async with self.db.transaction() as conn:
            await write_membership(conn, pool_id, person_uri, state=state, roles=roles, at=at,
                                   join_activity=join_activity, member_class=member_class)

    # Proposals.

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
                    (pool_id, uri, source_uri, author_uri, kind, closes_at, _dumps(proposal),
                     _dumps(document), _dumps(electorate_document), created_at),
                )
                proposal_id = (await cursor.fetchone())[0]
                await conn.execute(
                    "INSERT INTO tallies (proposal_id, outcome, final, document, updated_at)"
                    " VALUES (?, ?, 0, ?, ?)",
                    (proposal_id, outcome, _dumps(tally_document), created_at),
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
                (outcome, _dumps(tally_document), at, proposal_id),
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

    # Ballots and tallies.

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
                (proposal_id, uri, voter_uri, cast_at, _dumps(ballot), _dumps(document),
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
            (outcome, _dumps(document), at, proposal_id),
        )

    async def tally_document(self, proposal_id: int) -> dict[str, Any] | None:
        """The latest pool-signed Tally document."""
        row = await self.db.fetchone(
            "SELECT document FROM tallies WHERE proposal_id = ?", (proposal_id,)
        )
        return json.loads(row["document"]) if row else None

    # Ledger.

    async def ledger(self, pool_id: int) -> list[StoredEntry]:
        """A pool's whole ledger, oldest first."""
        rows = await self.db.fetchall(
            "SELECT * FROM ledger_entries WHERE pool_id = ? ORDER BY sequence", (pool_id,)
        )
        return [entry_from_row(r) for r in rows]

    async def ledger_page(
        self, pool_id: int, *, limit: int, before: int | None = None
    ) -> list[StoredEntry]:
        """Ledger entries newest first, keyset-paged on the sequence number."""
        sql, params = "SELECT * FROM ledger_entries WHERE pool_id = ?", [pool_id]
        if before is not None:
            sql += " AND sequence < ?"
            params.append(before)
        rows = await self.db.fetchall(sql + " ORDER BY sequence DESC LIMIT ?", (*params, limit))
        return [entry_from_row(r) for r in rows]

    async def entry_by_source(self, source_uri: str) -> StoredEntry | None:
        """The entry booked for a request (or a proposal's commitment), if any."""
        row = await self.db.fetchone(
            "SELECT * FROM ledger_entries WHERE source_uri = ?", (source_uri,)
        )
        return entry_from_row(row) if row else None

    async def entry(self, uri: str) -> StoredEntry | None:
        """One ledger entry by its id."""
        row = await self.db.fetchone("SELECT * FROM ledger_entries WHERE uri = ?", (uri,))
        return entry_from_row(row) if row else None

    async def add_entry(
        self, pool_id: int, *, sequence: int, uri: str, source_uri: str | None, kind: str,
        entry: dict[str, Any], document: dict[str, Any], created_at: str,
    ) -> None:
        """Append a booked entry (the caller holds the pool's ledger lock)."""
        async with self.db.transaction() as conn:
            await write_entry(conn, pool_id, sequence=sequence, uri=uri, source_uri=source_uri,
                              kind=kind, entry=entry, document=document, created_at=created_at)

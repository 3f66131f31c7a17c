"""Capital calls of local pools' investment proposals: each call with every member's due.

What members paid toward a call is in the ledger (``call_payment`` entries), not here: these
rows hold what was asked when the proposal passed and where the call stands.
"""

from __future__ import annotations

from dataclasses import dataclass

from node.storage.database import INTEGRITY_ERRORS, Database, Row

__all__ = ["CallStore", "StoredCall"]


@dataclass(frozen=True, slots=True)
class StoredCall:
    """A capital call: ``state`` is open, done (the asset registered) or cancelled."""

    id: int
    pool_id: int
    proposal_uri: str
    amount: int
    state: str
    opened_at: str
    closed_at: str | None
    closed_by: str | None
    dues: tuple[tuple[str, int], ...]


class CallStore:
    """The ``capital_calls`` and ``capital_call_shares`` tables."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def _call(self, row: Row) -> StoredCall:
        shares = await self.db.fetchall(
            "SELECT person_uri, due FROM capital_call_shares WHERE call_id = ? ORDER BY person_uri",
            (row["id"],))
        return StoredCall(int(row["id"]), int(row["pool_id"]), row["proposal_uri"],
                          int(row["amount"]), row["state"], row["opened_at"], row["closed_at"],
                          row["closed_by"],
                          tuple((s["person_uri"], int(s["due"])) for s in shares))

    async def open(self, pool_id: int, proposal_uri: str, dues: tuple[tuple[str, int], ...],
                   at: str) -> StoredCall:
        """Store a call with its dues in one transaction; the call already stored for this
        proposal (a repair after a crash) is returned as it is."""
        try:
            async with self.db.transaction() as conn:
                cursor = await conn.execute(
                    "INSERT INTO capital_calls (pool_id, proposal_uri, amount, opened_at)"
                    " VALUES (?, ?, ?, ?) RETURNING id",
                    (pool_id, proposal_uri, sum(due for _, due in dues), at))
                call_id = (await cursor.fetchone())[0]
                await conn.executemany(
                    "INSERT INTO capital_call_shares (call_id, person_uri, due) VALUES (?, ?, ?)",
                    [(call_id, person, due) for person, due in dues])
        except INTEGRITY_ERRORS:
            pass
        stored = await self.by_proposal(proposal_uri)
        assert stored is not None
        return stored

    async def by_proposal(self, proposal_uri: str) -> StoredCall | None:
        """The call of an investment proposal, if it was opened."""
        row = await self.db.fetchone("SELECT * FROM capital_calls WHERE proposal_uri = ?",
                                     (proposal_uri,))
        return await self._call(row) if row else None

    async def of_pool(self, pool_id: int, limit: int = 200) -> list[StoredCall]:
        """A pool's calls, newest first."""
        rows = await self.db.fetchall(
            "SELECT * FROM capital_calls WHERE pool_id = ? ORDER BY id DESC LIMIT ?",
            (pool_id, limit))
        return [await self._call(r) for r in rows]

    async def close(self, proposal_uri: str, state: str, at: str, by: str | None) -> bool:
        """Move an open call to ``done`` or ``cancelled``; False if it was not open."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE capital_calls SET state = ?, closed_at = ?, closed_by = ?"
                " WHERE proposal_uri = ? AND state = 'open'", (state, at, by, proposal_uri))
            return bool(cursor.rowcount)

"""The sequence numbers this node signs into ballots (docs/PROTOCOL.md §Ballot order)."""

from __future__ import annotations

from node.storage.database import Database

__all__ = ["BallotSequences"]


class BallotSequences:
    """The last sequence signed for each (voter, proposal): the next ballot gets one more.

    One counter per voter and proposal, wherever the proposal lives (a local pool, a remote
    pool, a flood), so a voter's node numbers their ballots without knowing the pool's.
    """

    def __init__(self, db: Database) -> None:
        self.db = db

    async def next(self, voter_uri: str, proposal_uri: str) -> int:
        """Take the next sequence (1 for the first ballot); one statement, so atomic."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "INSERT INTO ballot_sequences (voter_uri, proposal_uri, last) VALUES (?, ?, 1)"
                " ON CONFLICT (voter_uri, proposal_uri) DO UPDATE SET last = ballot_sequences.last + 1"
                " RETURNING last",
                (voter_uri, proposal_uri),
            )
            row = await cursor.fetchone()
            await cursor.close()
        assert row is not None
        return int(row[0])

    async def at_least(self, voter_uri: str, proposal_uri: str, sequence: int) -> None:
        """A ballot numbered elsewhere (a client signed it): the next one is numbered after it."""
        await self.db.execute(
            "INSERT INTO ballot_sequences (voter_uri, proposal_uri, last) VALUES (?, ?, ?)"
            " ON CONFLICT (voter_uri, proposal_uri) DO UPDATE SET last = CASE"
            " WHEN excluded.last > ballot_sequences.last THEN excluded.last"
            " ELSE ballot_sequences.last END",
            (voter_uri, proposal_uri, sequence),
        )

    async def last(self, voter_uri: str, proposal_uri: str) -> int:
        """The last sequence taken (0 if none)."""
        row = await self.db.fetchone(
            "SELECT last FROM ballot_sequences WHERE voter_uri = ? AND proposal_uri = ?",
            (voter_uri, proposal_uri),
        )
        return int(row["last"]) if row else 0

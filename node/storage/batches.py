"""What one batch of inbox items writes, in ONE transaction, and the reads that prepare it.

The inbox worker (node/inbox/batch.py) gathers the effects of many received activities (the
documents to keep and their inbox listings, the ballots a pool counts) and commits them with
the items they complete marked done: either all of it is stored, or none (a crash before the
commit leaves every item queued, and processing them again changes nothing twice).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from node.storage.database import Connection, Database

__all__ = ["BatchEffects", "BatchStore", "NewBallot", "ObjectRow", "object_row"]

_OBJECTS = (
    "INSERT INTO objects (uri, type, actor_uri, local, document, created_at)"
    " VALUES (?, ?, ?, 0, ?, ?) ON CONFLICT (uri) DO NOTHING"
)
_LISTINGS = (
    "INSERT INTO collection_items (owner_id, collection, item_uri, created_at)"
    " VALUES (?, 'inbox', ?, ?) ON CONFLICT (owner_id, collection, item_uri) DO NOTHING"
)
_BALLOT_COLUMNS = (
    "proposal_id, uri, voter_uri, cast_at, ballot_json, document, attested_by, received_at,"
    " sequence"
)
_BALLOTS_PER_STATEMENT = 200  # 9 parameters each, well under either backend's limit


_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)
"""One encoder for every document: ``json.dumps`` with options builds a new one each call."""


def _dumps(value: Any) -> str:
    return _ENCODER.encode(value)


ObjectRow = tuple[str, str, str | None, str, str]
"""An ``objects`` row of a received document: uri, type, actor, the document, created_at."""


def object_row(document: dict[str, Any], created_at: str) -> ObjectRow:
    """The ``objects`` row of a received document (``ReceivedObjectStore.put`` writes the same)."""
    actor = document.get("actor") or document.get("attributedTo")
    return (
        document["id"], str(document.get("type", "Object")),
        actor if isinstance(actor, str) else None, _dumps(document), created_at,
    )


@dataclass(frozen=True, slots=True)
class NewBallot:
    """An accepted ballot to store, and the inbox item it completes (marked done with it)."""

    proposal_id: int
    uri: str
    voter_uri: str
    cast_at: str
    ballot: dict[str, Any]
    document: dict[str, Any]
    attested_by: str | None
    received_at: str
    sequence: int
    item_id: int | None = None


@dataclass(slots=True)
class BatchEffects:
    """The writes of a batch: kept documents, inbox listings, ballots, items done."""

    created_at: str
    objects: list[ObjectRow] = field(default_factory=list)
    listings: list[tuple[int, str, str]] = field(default_factory=list)
    ballots: list[NewBallot] = field(default_factory=list)
    done: list[int] = field(default_factory=list)
    committed: bool = False  # set by BatchStore.commit once all of it is stored


def _unique(ballots: Sequence[NewBallot]) -> list[NewBallot]:
    # One row per (proposal, ballot id): a second copy in the batch is a repeat, which the
    # caller answers from the stored row once the first is committed.
    seen: set[tuple[int, str]] = set()
    out = []
    for ballot in ballots:
        if (ballot.proposal_id, ballot.uri) not in seen:
            seen.add((ballot.proposal_id, ballot.uri))
            out.append(ballot)
    return out


async def _insert_ballots(conn: Connection, ballots: Sequence[NewBallot]) -> dict[tuple[int, str], int]:
    stored: dict[tuple[int, str], int] = {}
    for start in range(0, len(ballots), _BALLOTS_PER_STATEMENT):
        chunk = ballots[start:start + _BALLOTS_PER_STATEMENT]
        params: list[Any] = []
        for b in chunk:
            params += (b.proposal_id, b.uri, b.voter_uri, b.cast_at, _dumps(b.ballot),
                       _dumps(b.document), b.attested_by, b.received_at, b.sequence)
        # Any unique index refuses a row without failing the others: the ballot id stored
        # before (a repeat) or the voter's sequence used by another ballot (a conflict).
        cursor = await conn.execute(
            f"INSERT INTO ballots ({_BALLOT_COLUMNS}) VALUES "
            + ",".join(["(?, ?, ?, ?, ?, ?, ?, ?, ?)"] * len(chunk))
            + " ON CONFLICT DO NOTHING RETURNING proposal_id, uri, id",
            params,
        )
        stored.update(((int(r[0]), str(r[1])), int(r[2])) for r in await cursor.fetchall())
    return stored


class BatchStore:
    """The inbox worker's set-based reads and its one transaction per batch."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def commit(self, effects: BatchEffects, now_ms: int) -> dict[tuple[int, str], int]:
        """Write every effect and mark the completed items done, in one transaction.

        Returns, for each ballot stored now, its row id by (proposal row id, ballot id); a
        ballot not among them was a repeat or reused its voter's sequence, and its item is not
        marked done.
        """
        ballots = _unique(effects.ballots)
        if not (effects.objects or effects.listings or ballots or effects.done):
            effects.committed = True
            return {}
        async with self.db.transaction() as conn:
            if effects.objects:
                await conn.executemany(_OBJECTS, effects.objects)
            if effects.listings:
                await conn.executemany(_LISTINGS, effects.listings)
            stored = await _insert_ballots(conn, ballots) if ballots else {}
            done = effects.done + [b.item_id for b in ballots if b.item_id is not None
                                   and (b.proposal_id, b.uri) in stored]
            for start in range(0, len(done), 500):
                chunk = done[start:start + 500]
                await conn.execute(
                    "UPDATE inbox_items SET state = 'done', locked_until = NULL, processed_at = ?"
                    f" WHERE id IN ({','.join('?' * len(chunk))})",
                    (now_ms, *chunk),
                )
        effects.committed = True
        return stored

    async def numbered_ballots(
        self, proposal_id: int, voters: Sequence[str]
    ) -> dict[str, list[tuple[str, int]]]:
        """For each of these voters: (ballot id, sequence) of their stored numbered ballots."""
        found: dict[str, list[tuple[str, int]]] = {}
        wanted = list(dict.fromkeys(voters))
        for start in range(0, len(wanted), 500):
            chunk = wanted[start:start + 500]
            rows = await self.db.lookup_all(
                "SELECT voter_uri, uri, sequence FROM ballots WHERE proposal_id = ?"
                f" AND voter_uri IN ({','.join('?' * len(chunk))}) AND sequence > 0",
                (proposal_id, *chunk),
            )
            for row in rows:
                found.setdefault(row["voter_uri"], []).append((row["uri"], int(row["sequence"])))
        return found

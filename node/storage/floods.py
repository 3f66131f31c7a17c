"""Flood links of local pools, flood proposals, their electorates, ballots and attestations."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from node.storage.database import Database, Row
from node.storage.dialect import json_int

__all__ = ["FloodLink", "FloodStore", "StoredAttestation", "StoredFloodProposal", "StoredFloodShare"]


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


@dataclass(frozen=True, slots=True)
class FloodLink:
    """A local pool's approved (or ended) link to a peer pool in a flood."""

    pool_id: int
    flood_uri: str
    flood_name: str
    peer_uri: str
    state: str
    proposal_uri: str


@dataclass(frozen=True, slots=True)
class StoredFloodProposal:
    """A flood proposal as this node knows it: the origin pool's signed Proposal document."""

    id: int
    uri: str
    flood_uri: str
    origin_pool: str
    pools: tuple[str, ...]
    document: dict[str, Any]
    state: str
    closes_at: str
    outcome: str | None
    result: dict[str, Any] | None
    closed_at: str | None


@dataclass(frozen=True, slots=True)
class StoredAttestation:
    """A pool's signed attestation and whether it matches this node's own result."""

    pool_uri: str
    uri: str
    document: dict[str, Any]
    matches: bool | None
    reason: str | None


@dataclass(frozen=True, slots=True)
class StoredFloodShare:
    """A local pool's share of a passed flood disbursement and its effect state."""

    proposal_uri: str
    pool_id: int
    amount: int
    since: str
    effect: str
    reason: str | None
    updated_at: str


def _share(row: Row) -> StoredFloodShare:
    return StoredFloodShare(row["proposal_uri"], row["pool_id"], row["amount"], row["since"],
                            row["effect"], row["reason"], row["updated_at"])


def _link(row: Row) -> FloodLink:
    return FloodLink(row["pool_id"], row["flood_uri"], row["flood_name"], row["peer_uri"],
                     row["state"], row["proposal_uri"])


def _proposal(row: Row) -> StoredFloodProposal:
    return StoredFloodProposal(
        id=row["id"], uri=row["uri"], flood_uri=row["flood_uri"], origin_pool=row["origin_pool"],
        pools=tuple(json.loads(row["pools_json"])), document=json.loads(row["document"]),
        state=row["state"], closes_at=row["closes_at"], outcome=row["outcome"],
        result=json.loads(row["result_json"]) if row["result_json"] else None,
        closed_at=row["closed_at"],
    )


def _attestation(row: Row) -> StoredAttestation:
    matches = None if row["matches"] is None else bool(row["matches"])
    return StoredAttestation(row["pool_uri"], row["uri"], json.loads(row["document"]), matches,
                             row["reason"])


class FloodStore:
    """Queries behind node/floods."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._sequence = json_int(db.dialect, "ballot_json", "sequence")
        # Whether a pool is among a flood proposal's pools (pools_json: a JSON array).
        self._in_pools = (
            "p.pools_json::jsonb @> jsonb_build_array(?::text)" if db.dialect == "postgresql"
            else "? IN (SELECT value FROM json_each(p.pools_json))"
        )

    async def _changes(self, sql: str, params: tuple[Any, ...], *, lock: str | None = None) -> int:
        async with self.db.transaction(lock=lock) as conn:
            cursor = await conn.execute(sql, params)
            return cursor.rowcount

    # Links.

    async def set_link(self, pool_id: int, flood_uri: str, flood_name: str, peer_uri: str,
                       state: str, proposal_uri: str, now: str) -> None:
        """Approve (or end) a local pool's link to a peer in a flood."""
        await self.db.execute(
            "INSERT INTO flood_links (pool_id, flood_uri, flood_name, peer_uri, state,"
            " proposal_uri, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (pool_id, flood_uri, peer_uri) DO UPDATE SET state = excluded.state,"
            " proposal_uri = excluded.proposal_uri, updated_at = excluded.updated_at",
            (pool_id, flood_uri, flood_name, peer_uri, state, proposal_uri, now),
        )

    async def links(self, pool_id: int, flood_uri: str | None = None) -> list[FloodLink]:
        """A local pool's links (in one flood, or all), oldest first."""
        if flood_uri is None:
            rows = await self.db.fetchall(
                "SELECT * FROM flood_links WHERE pool_id = ? ORDER BY id", (pool_id,))
        else:
            rows = await self.db.fetchall(
                "SELECT * FROM flood_links WHERE pool_id = ? AND flood_uri = ? ORDER BY id",
                (pool_id, flood_uri))
        return [_link(r) for r in rows]

    async def approved_peer(self, pool_id: int, peer_uri: str) -> bool:
        """Whether the pool approved a link with this peer in any flood."""
        row = await self.db.fetchone(
            "SELECT 1 FROM flood_links WHERE pool_id = ? AND peer_uri = ? AND state = 'approved'",
            (pool_id, peer_uri))
        return row is not None

    async def share_a_flood(self, pool_uri: str, peer_uri: str) -> bool:
        """Whether both pools are among the pools of one flood proposal this node knows."""
        row = await self.db.fetchone(
            f"SELECT 1 FROM flood_proposals AS p WHERE {self._in_pools} AND {self._in_pools} LIMIT 1",
            (pool_uri, peer_uri))
        return row is not None

    # Proposals.

    async def add_proposal(self, *, uri: str, flood_uri: str, origin_pool: str,
                           pools: list[str], document: dict[str, Any], closes_at: str,
                           now: str) -> StoredFloodProposal:
        """Record a flood proposal once (a repeat returns the stored one)."""
        await self.db.execute(
            "INSERT INTO flood_proposals (uri, flood_uri, origin_pool, pools_json, document,"
            " closes_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (uri) DO NOTHING",
            (uri, flood_uri, origin_pool, _dumps(sorted(pools)), _dumps(document), closes_at, now),
        )
        stored = await self.proposal(uri)
        assert stored is not None
        return stored

    async def proposal(self, uri: str) -> StoredFloodProposal | None:
        """A flood proposal by id."""
        row = await self.db.fetchone("SELECT * FROM flood_proposals WHERE uri = ?", (uri,))
        return _proposal(row) if row else None

    async def proposals_of_flood(self, flood_uri: str) -> list[StoredFloodProposal]:
        """The flood's proposals, newest first."""
        rows = await self.db.fetchall(
            "SELECT * FROM flood_proposals WHERE flood_uri = ? ORDER BY id DESC", (flood_uri,))
        return [_proposal(r) for r in rows]

    async def due_proposals(self, before: str) -> list[StoredFloodProposal]:
        """Open flood proposals whose close is at or before ``before``."""
        rows = await self.db.fetchall(
            "SELECT * FROM flood_proposals WHERE state = 'open' AND closes_at <= ? ORDER BY id",
            (before,))
        return [_proposal(r) for r in rows]

    async def close_proposal(self, proposal_uri: str, outcome: str, result: dict[str, Any],
                             now: str) -> bool:
        """Record the final result once; False if it was already closed."""
        changed = await self._changes(
            "UPDATE flood_proposals SET state = 'closed', outcome = ?, result_json = ?,"
            " closed_at = ? WHERE uri = ? AND state = 'open'",
            (outcome, _dumps(result), now, proposal_uri))
        return changed > 0

    async def set_result(self, proposal_uri: str, outcome: str, result: dict[str, Any]) -> None:
        """The running result of an open proposal."""
        await self.db.execute(
            "UPDATE flood_proposals SET outcome = ?, result_json = ? WHERE uri = ? AND state = 'open'",
            (outcome, _dumps(result), proposal_uri))

    # Electorates.

    async def put_electorate(self, proposal_uri: str, pool_uri: str, document: dict[str, Any]) -> bool:
        """Keep a pool's electorate for a proposal; the first one stays (it is frozen)."""
        changed = await self._changes(
            "INSERT INTO flood_electorates (proposal_uri, pool_uri, uri, document)"
            " VALUES (?, ?, ?, ?) ON CONFLICT (proposal_uri, pool_uri) DO NOTHING",
            (proposal_uri, pool_uri, document["id"], _dumps(document)))
        return changed > 0

    async def drop_electorate(self, proposal_uri: str, pool_uri: str) -> None:
        """Forget a pool's electorate that cannot count (frozen after its proposal closed)."""
        await self.db.execute("DELETE FROM flood_electorates WHERE proposal_uri = ? AND pool_uri = ?",
                              (proposal_uri, pool_uri))

    async def electorates(self, proposal_uri: str) -> dict[str, dict[str, Any]]:
        """Pool id -> its signed Electorate document."""
        rows = await self.db.fetchall(
            "SELECT pool_uri, document FROM flood_electorates WHERE proposal_uri = ?",
            (proposal_uri,))
        return {r["pool_uri"]: json.loads(r["document"]) for r in rows}

    async def electorate_by_uri(self, uri: str) -> dict[str, Any] | None:
        """One Electorate document by id."""
        row = await self.db.fetchone("SELECT document FROM flood_electorates WHERE uri = ?", (uri,))
        return json.loads(row["document"]) if row else None

    # Ballots. A proposal's ballots are inserted one transaction at a time (its ``_ballots_lock``,
    # held until the commit), so their row ids become visible in order to every process:
    # a reader that read up to a row finds every later ballot after it (``ballots_after``).

    @staticmethod
    def _ballots_lock(proposal_uri: str) -> str:
        return f"flood-ballots:{proposal_uri}"

    async def add_ballot(self, proposal_uri: str, *, uri: str, voter_uri: str, via_pool: str,
                         ballot: dict[str, Any], document: dict[str, Any], now: str) -> bool:
        """Keep an accepted ballot; False if this ballot id was already there."""
        changed = await self._changes(
            "INSERT INTO flood_ballots (proposal_uri, uri, voter_uri, via_pool, ballot_json,"
            " document, received_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (proposal_uri, uri) DO NOTHING",
            (proposal_uri, uri, voter_uri, via_pool, _dumps(ballot), _dumps(document), now),
            lock=self._ballots_lock(proposal_uri))
        return changed > 0

    async def add_member_ballot(self, proposal_uri: str, *, uri: str, voter_uri: str, via_pool: str,
                                ballot: dict[str, Any], document: dict[str, Any], now: str) -> bool:
        """Keep a member's ballot at their own pool; False if this id was there, or if another
        ballot of the voter holds its sequence (1 or more). One statement, so two ballots
        reusing a sequence at once cannot both be kept (docs/PROTOCOL.md §Ballots and relays)."""
        sequence = ballot.get("sequence", 0)
        changed = await self._changes(
            "INSERT INTO flood_ballots (proposal_uri, uri, voter_uri, via_pool, ballot_json,"
            " document, received_at) SELECT ?, ?, ?, ?, ?, ?, ?"
            " WHERE ? = 0 OR NOT EXISTS (SELECT 1 FROM flood_ballots WHERE proposal_uri = ?"
            f" AND voter_uri = ? AND {self._sequence} = ? AND uri <> ?)"
            " ON CONFLICT (proposal_uri, uri) DO NOTHING",
            (proposal_uri, uri, voter_uri, via_pool, _dumps(ballot), _dumps(document), now,
             sequence, proposal_uri, voter_uri, sequence, uri),
            lock=self._ballots_lock(proposal_uri))
        return changed > 0

    async def add_ballots(self, proposal_uri: str, via_pool: str,
                          accepted: list[tuple[dict[str, Any], dict[str, Any]]], now: str) -> set[str]:
        """Keep several accepted (ballot dict, signed document) pairs in one transaction;
        the ids that were new."""
        added: set[str] = set()
        async with self.db.transaction(lock=self._ballots_lock(proposal_uri)) as conn:
            for ballot, document in accepted:
                cursor = await conn.execute(
                    "INSERT INTO flood_ballots (proposal_uri, uri, voter_uri, via_pool, ballot_json,"
                    " document, received_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
                    " ON CONFLICT (proposal_uri, uri) DO NOTHING",
                    (proposal_uri, ballot["id"], ballot["voter"], via_pool, _dumps(ballot),
                     _dumps(document), now))
                if cursor.rowcount > 0:
                    added.add(ballot["id"])
        return added

    async def ballots(self, proposal_uri: str) -> list[tuple[dict[str, Any], dict[str, Any]]]:
        """(ballot dict, signed document) of every accepted ballot, in arrival order."""
        rows = await self.db.fetchall(
            "SELECT ballot_json, document FROM flood_ballots WHERE proposal_uri = ? ORDER BY id",
            (proposal_uri,))
        return [(json.loads(r["ballot_json"]), json.loads(r["document"])) for r in rows]

    async def ballots_after(self, proposal_uri: str, after: int) -> list[tuple[int, dict[str, Any]]]:
        """(row id, ballot dict) of the accepted ballots stored after row ``after`` (0: all),
        in arrival order; no signed document is read."""
        rows = await self.db.fetchall(
            "SELECT id, ballot_json FROM flood_ballots WHERE proposal_uri = ? AND id > ?"
            " ORDER BY id", (proposal_uri, after))
        return [(int(r["id"]), json.loads(r["ballot_json"])) for r in rows]

    async def voter_sequence_holder(self, proposal_uri: str, voter_uri: str, sequence: int) -> str | None:
        """The id of the voter's kept ballot with this sequence (1 or more), if any."""
        row = await self.db.fetchone(
            "SELECT uri FROM flood_ballots WHERE proposal_uri = ? AND voter_uri = ?"
            f" AND {self._sequence} = ?",
            (proposal_uri, voter_uri, sequence))
        return row["uri"] if row else None

    async def voter_highest_sequence(self, proposal_uri: str, voter_uri: str, *,
                                     excluding: str) -> int:
        """The greatest ``sequence`` of the voter's kept ballots other than ``excluding`` (0 if none)."""
        row = await self.db.fetchone(
            f"SELECT MAX(COALESCE({self._sequence}, 0)) AS s FROM flood_ballots"
            " WHERE proposal_uri = ? AND voter_uri = ? AND uri != ?",
            (proposal_uri, voter_uri, excluding))
        return int(row["s"] or 0) if row else 0

    async def ballot_ids(self, proposal_uri: str, via_pool: str | None = None) -> set[str]:
        """Ids of the accepted ballots (those relayed by ``via_pool`` only, if given)."""
        if via_pool is None:
            rows = await self.db.fetchall(
                "SELECT uri FROM flood_ballots WHERE proposal_uri = ?", (proposal_uri,))
        else:
            rows = await self.db.fetchall(
                "SELECT uri FROM flood_ballots WHERE proposal_uri = ? AND via_pool = ?",
                (proposal_uri, via_pool))
        return {r["uri"] for r in rows}

    # Attestations.

    async def put_attestation(self, proposal_uri: str, pool_uri: str, document: dict[str, Any],
                              matches: bool | None, reason: str | None, now: str) -> None:
        """Keep (or re-judge) a pool's attestation of a proposal's result."""
        await self.db.execute(
            "INSERT INTO flood_attestations (proposal_uri, pool_uri, uri, document, matches,"
            " reason, received_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (proposal_uri, pool_uri) DO UPDATE SET uri = excluded.uri,"
            " document = excluded.document, matches = excluded.matches, reason = excluded.reason",
            (proposal_uri, pool_uri, document["id"], _dumps(document),
             None if matches is None else int(matches), reason, now))

    async def attestations(self, proposal_uri: str) -> list[StoredAttestation]:
        """Every attestation of a proposal, by pool id."""
        rows = await self.db.fetchall(
            "SELECT * FROM flood_attestations WHERE proposal_uri = ? ORDER BY pool_uri",
            (proposal_uri,))
        return [_attestation(r) for r in rows]

    async def attestation_by_uri(self, uri: str) -> dict[str, Any] | None:
        """One Attestation document by id."""
        row = await self.db.fetchone("SELECT document FROM flood_attestations WHERE uri = ?", (uri,))
        return json.loads(row["document"]) if row else None

    # Shares of passed flood disbursements.

    async def add_share(self, proposal_uri: str, pool_id: int, amount: int, since: str, now: str) -> bool:
        """Record a pool's share as waiting for funds (once); whether it is new."""
        return bool(await self._changes(
            "INSERT INTO flood_shares (proposal_uri, pool_id, amount, since, effect,"
            " reason, updated_at) VALUES (?, ?, ?, ?, 'waiting_funds',"
            " 'the free fund does not cover it yet', ?) ON CONFLICT DO NOTHING",
            (proposal_uri, pool_id, amount, since, now)))

    async def set_share(self, proposal_uri: str, pool_id: int, effect: str, reason: str | None,
                        now: str) -> bool:
        """Move a waiting share to ``effect``; False if it was not waiting."""
        return bool(await self._changes(
            "UPDATE flood_shares SET effect = ?, reason = ?, updated_at = ?"
            " WHERE proposal_uri = ? AND pool_id = ? AND effect = 'waiting_funds'",
            (effect, reason, now, proposal_uri, pool_id)))

    async def shares(self, proposal_uri: str) -> list[StoredFloodShare]:
        """Every local pool's share of a flood proposal."""
        rows = await self.db.fetchall(
            "SELECT * FROM flood_shares WHERE proposal_uri = ? ORDER BY pool_id", (proposal_uri,))
        return [_share(r) for r in rows]

    async def waiting_shares(self, pool_id: int) -> list[StoredFloodShare]:
        """A pool's shares waiting for funds, oldest close first."""
        rows = await self.db.fetchall(
            "SELECT * FROM flood_shares WHERE pool_id = ? AND effect = 'waiting_funds'"
            " ORDER BY since, proposal_uri", (pool_id,))
        return [_share(r) for r in rows]

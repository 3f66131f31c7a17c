"""Witnessed ledger heads: which pools our pools witness (and the durable clock of each check),
the latest signed attestation of each witness, alarms, and recount reports (migration 24)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from node.storage.database import Database, Row

__all__ = ["StoredAlarm", "StoredHeadAttestation", "StoredRecountReport", "WitnessLink",
           "WitnessStore"]


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


@dataclass(frozen=True, slots=True)
class WitnessLink:
    """A local pool witnessing ``target_uri``; ``sequence``/``head_hash``: its last attested head."""

    id: int
    pool_id: int
    target_uri: str
    by_flood: bool
    by_steward: bool
    added_by: str | None
    next_check_at: str
    sequence: int | None
    head_hash: str | None
    entry_document: dict[str, Any] | None
    checked_at: str | None
    problem: str | None
    created_at: str

    @property
    def active(self) -> bool:
        return self.by_flood or self.by_steward


@dataclass(frozen=True, slots=True)
class StoredHeadAttestation:
    """The latest signed HeadAttestation of ``witness_uri`` about ``pool_uri``."""

    witness_uri: str
    pool_uri: str
    uri: str
    sequence: int
    head_hash: str
    published: str
    document: dict[str, Any]
    received_at: str


@dataclass(frozen=True, slots=True)
class StoredAlarm:
    """A ledger conflict this node holds for one of its pools, with its signed evidence."""

    id: int
    pool_id: int
    role: str
    witness_uri: str
    pool_uri: str
    kind: str
    sequence: int
    reason: str
    uri: str
    document: dict[str, Any]
    created_at: str


@dataclass(frozen=True, slots=True)
class StoredRecountReport:
    """A pool's signed Recount of a proposal's final tally."""

    proposal_uri: str
    reporter_uri: str
    pool_uri: str
    uri: str
    result: str
    matches: bool | None
    differences: dict[str, Any]
    document: dict[str, Any]
    received_at: str


def _link(row: Row) -> WitnessLink:
    entry = row["entry_document"]
    return WitnessLink(
        id=row["id"], pool_id=row["pool_id"], target_uri=row["target_uri"],
        by_flood=bool(row["by_flood"]), by_steward=bool(row["by_steward"]),
        added_by=row["added_by"], next_check_at=row["next_check_at"], sequence=row["sequence"],
        head_hash=row["head_hash"], entry_document=json.loads(entry) if entry else None,
        checked_at=row["checked_at"], problem=row["problem"], created_at=row["created_at"])


def _attestation(row: Row) -> StoredHeadAttestation:
    return StoredHeadAttestation(row["witness_uri"], row["pool_uri"], row["uri"], row["sequence"],
                                 row["head_hash"], row["published"], json.loads(row["document"]),
                                 row["received_at"])


def _alarm(row: Row) -> StoredAlarm:
    return StoredAlarm(row["id"], row["pool_id"], row["role"], row["witness_uri"], row["pool_uri"],
                       row["kind"], row["sequence"], row["reason"], row["uri"],
                       json.loads(row["document"]), row["created_at"])


def _report(row: Row) -> StoredRecountReport:
    matches = None if row["matches"] is None else bool(row["matches"])
    return StoredRecountReport(row["proposal_uri"], row["reporter_uri"], row["pool_uri"], row["uri"],
                               row["result"], matches, json.loads(row["differences"]),
                               json.loads(row["document"]), row["received_at"])


class WitnessStore:
    """Queries behind node/witness."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # Links and their clock.

    async def add_link(self, pool_id: int, target_uri: str, *, flood: bool = False,
                       steward: bool = False, added_by: str | None = None, now: str) -> None:
        """Witness ``target_uri`` (for a flood or by a steward's choice); due at once if new."""
        await self.db.execute(
            "INSERT INTO witness_links (pool_id, target_uri, by_flood, by_steward, added_by,"
            " next_check_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (pool_id, target_uri) DO UPDATE SET"
            " by_flood = CASE WHEN excluded.by_flood = 1 THEN 1 ELSE witness_links.by_flood END,"
            " by_steward = CASE WHEN excluded.by_steward = 1 THEN 1 ELSE witness_links.by_steward END,"
            " added_by = COALESCE(excluded.added_by, witness_links.added_by)",
            (pool_id, target_uri, int(flood), int(steward), added_by, now, now))

    async def set_flood_targets(self, pool_id: int, targets: set[str], now: str) -> None:
        """The pools ``pool_id`` shares a flood with are exactly ``targets``."""
        for target in sorted(targets):
            await self.add_link(pool_id, target, flood=True, now=now)
        rows = await self.db.fetchall(
            "SELECT id, target_uri FROM witness_links WHERE pool_id = ? AND by_flood = 1", (pool_id,))
        for row in rows:
            if row["target_uri"] not in targets:
                await self.db.execute("UPDATE witness_links SET by_flood = 0 WHERE id = ?", (row["id"],))

    async def stop_steward_link(self, pool_id: int, target_uri: str) -> bool:
        """A steward stops witnessing ``target_uri`` (a flood peer stays witnessed)."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE witness_links SET by_steward = 0, added_by = NULL"
                " WHERE pool_id = ? AND target_uri = ? AND by_steward = 1", (pool_id, target_uri))
            return cursor.rowcount > 0

    async def links(self, pool_id: int) -> list[WitnessLink]:
        """Every pool ``pool_id`` witnesses or witnessed, by target."""
        rows = await self.db.fetchall(
            "SELECT * FROM witness_links WHERE pool_id = ? ORDER BY target_uri", (pool_id,))
        return [_link(r) for r in rows]

    async def link(self, link_id: int) -> WitnessLink | None:
        row = await self.db.fetchone("SELECT * FROM witness_links WHERE id = ?", (link_id,))
        return _link(row) if row else None

    async def due(self, now: str, limit: int) -> list[WitnessLink]:
        """Active links whose check is due, the longest waiting first."""
        rows = await self.db.fetchall(
            "SELECT * FROM witness_links WHERE (by_flood = 1 OR by_steward = 1)"
            " AND next_check_at <= ? ORDER BY next_check_at, id LIMIT ?", (now, limit))
        return [_link(r) for r in rows]

    async def claim(self, link_id: int, due_at: str, next_at: str) -> bool:
        """Move a due check on to ``next_at``; True for the one process that did."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE witness_links SET next_check_at = ? WHERE id = ? AND next_check_at = ?",
                (next_at, link_id, due_at))
            return cursor.rowcount > 0

    async def checked(self, link_id: int, at: str, problem: str | None) -> None:
        """How the last check went (None: it attested, or found a conflict)."""
        await self.db.execute("UPDATE witness_links SET checked_at = ?, problem = ? WHERE id = ?",
                              (at, problem, link_id))

    async def attested(self, link_id: int, sequence: int, head_hash: str,
                       entry: dict[str, Any] | None, at: str) -> None:
        """The head this link's pool attested last (the baseline of its next check)."""
        await self.db.execute(
            "UPDATE witness_links SET sequence = ?, head_hash = ?, entry_document = ?,"
            " checked_at = ?, problem = NULL WHERE id = ?",
            (sequence, head_hash, _dumps(entry) if entry is not None else None, at, link_id))

    async def attested_reset(self, link_id: int, at: str) -> None:
        """Forget the baseline after a conflict: the next check is a first one again."""
        await self.db.execute(
            "UPDATE witness_links SET sequence = NULL, head_hash = NULL, entry_document = NULL,"
            " checked_at = ?, problem = NULL WHERE id = ?", (at, link_id))

    # Attestations (the latest per witness and pool).

    async def put_attestation(self, document: dict[str, Any], received_at: str) -> bool:
        """Keep a HeadAttestation unless one published later (or as late with a longer ledger)
        is kept already; True if kept."""
        witness, pool = document["attributedTo"], document["pool"]
        params = (witness, pool, document["id"], document["sequence"], document["headHash"],
                  document["published"], _dumps(document), received_at)
        async with self.db.transaction(lock=f"witness-attestation:{witness} {pool}") as conn:
            cursor = await conn.execute(
                "SELECT sequence, published FROM witness_attestations"
                " WHERE witness_uri = ? AND pool_uri = ?", (witness, pool))
            known = await cursor.fetchone()
            if known is not None and (known["published"], known["sequence"]) >= (
                    document["published"], document["sequence"]):
                return False
            await conn.execute(
                "INSERT INTO witness_attestations (witness_uri, pool_uri, uri, sequence, head_hash,"
                " published, document, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (witness_uri, pool_uri) DO UPDATE SET uri = excluded.uri,"
                " sequence = excluded.sequence, head_hash = excluded.head_hash,"
                " published = excluded.published, document = excluded.document,"
                " received_at = excluded.received_at", params)
            return True

    async def attestation(self, witness_uri: str, pool_uri: str) -> StoredHeadAttestation | None:
        row = await self.db.fetchone(
            "SELECT * FROM witness_attestations WHERE witness_uri = ? AND pool_uri = ?",
            (witness_uri, pool_uri))
        return _attestation(row) if row else None

    async def attestation_by_uri(self, uri: str) -> StoredHeadAttestation | None:
        row = await self.db.fetchone("SELECT * FROM witness_attestations WHERE uri = ?", (uri,))
        return _attestation(row) if row else None

    async def witnesses_of(self, pool_uri: str, limit: int) -> list[StoredHeadAttestation]:
        """The latest attestation of each witness of ``pool_uri``, newest first."""
        rows = await self.db.fetchall(
            "SELECT * FROM witness_attestations WHERE pool_uri = ? AND witness_uri <> ?"
            " ORDER BY published DESC, witness_uri LIMIT ?", (pool_uri, pool_uri, limit))
        return [_attestation(r) for r in rows]

    async def count_witnesses(self, pool_uri: str) -> int:
        row = await self.db.fetchone(
            "SELECT COUNT(*) AS n FROM witness_attestations WHERE pool_uri = ?", (pool_uri,))
        return int(row["n"]) if row else 0

    async def attested_by(self, witness_uri: str, limit: int) -> list[StoredHeadAttestation]:
        """The latest attestation ``witness_uri`` signed of each pool it witnesses, newest first."""
        rows = await self.db.fetchall(
            "SELECT * FROM witness_attestations WHERE witness_uri = ?"
            " ORDER BY published DESC, pool_uri LIMIT ?", (witness_uri, limit))
        return [_attestation(r) for r in rows]

    # Alarms.

    async def add_alarm(self, *, pool_id: int, role: str, witness_uri: str, pool_uri: str,
                        kind: str, sequence: int, reason: str, fingerprint: str,
                        document: dict[str, Any], now: str) -> bool:
        """Keep an alarm once per conflict; True if new. A witness's signed report of a conflict
        the pool found itself first replaces the pool's own record as its evidence."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "INSERT INTO witness_alarms (pool_id, role, witness_uri, pool_uri, kind, sequence,"
                " reason, fingerprint, uri, document, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (pool_id, fingerprint) DO NOTHING",
                (pool_id, role, witness_uri, pool_uri, kind, sequence, reason, fingerprint,
                 document["id"], _dumps(document), now))
            if cursor.rowcount > 0:
                return True
            if document["attributedTo"] == witness_uri != pool_uri:
                cursor = await conn.execute(
                    "SELECT id, document FROM witness_alarms WHERE pool_id = ? AND fingerprint = ?",
                    (pool_id, fingerprint))
                kept = await cursor.fetchone()
                if kept is not None and json.loads(kept["document"]).get("attributedTo") != witness_uri:
                    await conn.execute("UPDATE witness_alarms SET uri = ?, document = ? WHERE id = ?",
                                       (document["id"], _dumps(document), kept["id"]))
            return False

    async def alarms(self, pool_id: int, limit: int = 100) -> list[StoredAlarm]:
        """A local pool's alarms, newest first."""
        rows = await self.db.fetchall(
            "SELECT * FROM witness_alarms WHERE pool_id = ? ORDER BY id DESC LIMIT ?",
            (pool_id, limit))
        return [_alarm(r) for r in rows]

    async def alarms_page(self, pool_id: int, *, limit: int,
                          before: int | None = None) -> list[StoredAlarm]:
        """A local pool's alarms, newest first, keyset-paged on their row id."""
        sql, params = "SELECT * FROM witness_alarms WHERE pool_id = ?", [pool_id]
        if before is not None:
            sql += " AND id < ?"
            params.append(before)
        rows = await self.db.fetchall(sql + " ORDER BY id DESC LIMIT ?", (*params, limit))
        return [_alarm(r) for r in rows]

    async def count_alarms(self, pool_id: int) -> int:
        row = await self.db.fetchone(
            "SELECT COUNT(*) AS n FROM witness_alarms WHERE pool_id = ?", (pool_id,))
        return int(row["n"]) if row else 0

    async def alarm_by_uri(self, uri: str) -> StoredAlarm | None:
        row = await self.db.fetchone("SELECT * FROM witness_alarms WHERE uri = ?", (uri,))
        return _alarm(row) if row else None

    # Recount reports.

    async def put_report(self, document: dict[str, Any], matches: bool | None,
                         differences: dict[str, Any], received_at: str) -> None:
        """Keep a Recount (a later one of the same reporter and proposal replaces it)."""
        await self.db.execute(
            "INSERT INTO recount_reports (proposal_uri, reporter_uri, pool_uri, uri, result,"
            " matches, differences, document, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (proposal_uri, reporter_uri) DO UPDATE SET uri = excluded.uri,"
            " result = excluded.result, matches = excluded.matches,"
            " differences = excluded.differences, document = excluded.document,"
            " received_at = excluded.received_at",
            (document["proposal"], document["attributedTo"], document["pool"], document["id"],
             document["result"], None if matches is None else int(matches), _dumps(differences),
             _dumps(document), received_at))

    async def reports(self, proposal_uri: str, limit: int = 100) -> list[StoredRecountReport]:
        """Other pools' recounts of a proposal, by reporter."""
        rows = await self.db.fetchall(
            "SELECT * FROM recount_reports WHERE proposal_uri = ? ORDER BY reporter_uri LIMIT ?",
            (proposal_uri, limit))
        return [_report(r) for r in rows]

    async def report_by_uri(self, uri: str) -> StoredRecountReport | None:
        row = await self.db.fetchone("SELECT * FROM recount_reports WHERE uri = ?", (uri,))
        return _report(row) if row else None

    async def unreported(self, pool_uri: str, reporter_uri: str,
                         limit: int) -> list[tuple[str, str, str, Any, str, str]]:
        """This node's finished recounts of ``pool_uri``'s final tallies not yet reported by
        ``reporter_uri``: (proposal, tally, state, recount json, differences json, checked_at)."""
        rows = await self.db.fetchall(
            "SELECT r.proposal_uri, r.tally_uri, r.state, r.recount_json, r.differences_json,"
            " r.checked_at FROM remote_recounts r JOIN remote_documents d ON d.uri = r.tally_uri"
            " WHERE d.pool_uri = ? AND d.type = 'Tally' AND r.state IN ('matches', 'mismatch')"
            " AND NOT EXISTS"
            " (SELECT 1 FROM recount_reports p WHERE p.proposal_uri = r.proposal_uri"
            " AND p.reporter_uri = ? AND p.received_at >= r.checked_at)"
            " ORDER BY r.checked_at, r.proposal_uri LIMIT ?", (pool_uri, reporter_uri, limit))
        return [(r[0], r[1], r[2], r[3], r[4], r[5]) for r in rows]

"""The outgoing delivery queue: activity bytes stored once, one row per (activity, inbox)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from node.storage.database import Database
from node.storage.dialect import LIVE_SESSIONS

__all__ = [
    "ClaimedDelivery",
    "DeliveryResult",
    "DeliveryStore",
    "DeliveryTarget",
    "HostRecord",
    "HostSummary",
]

STATES = ("queued", "delivered", "failed", "skipped")


@dataclass(frozen=True, slots=True)
class DeliveryTarget:
    """An inbox to deliver to; ``state`` is 'queued', or 'skipped' for an unavailable host."""

    inbox: str
    host: str
    state: str = "queued"


@dataclass(frozen=True, slots=True)
class ClaimedDelivery:
    """A row locked for sending."""

    id: int
    activity_id: int
    inbox: str
    host: str
    attempts: int


@dataclass(frozen=True, slots=True)
class DeliveryResult:
    """A row's new state after an attempt: written back in batches."""

    id: int
    state: str
    attempts: int
    next_attempt_at: float
    status: int | None
    error: str | None


@dataclass(frozen=True, slots=True)
class HostRecord:
    """One remote host's stored health (see node.delivery.breaker for what it means)."""

    host: str
    origin: str
    consecutive_failures: int = 0
    failing_since: float | None = None
    last_success_at: float | None = None
    open_until: float | None = None
    unavailable: bool = False
    last_error: str | None = None


@dataclass(frozen=True, slots=True)
class HostSummary:
    """A host with deliveries that are not going through, for operators."""

    host: str
    queued: int
    failed: int
    skipped: int
    consecutive_failures: int
    failing_since: float | None
    unavailable: bool
    last_error: str | None


def _marks(items: Sequence[object]) -> str:
    return ",".join("?" for _ in items)


class DeliveryStore:
    """Queries on deliveries, outgoing activity bodies and host health."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def follower_uris(self, owner_id: int) -> list[str]:
        """The actor URIs following a local actor (the followers collection's items)."""
        rows = await self.db.fetchall(
            "SELECT item_uri FROM collection_items"
            " WHERE owner_id = ? AND collection = 'followers' ORDER BY id",
            (owner_id,),
        )
        return [r["item_uri"] for r in rows]

    async def member_inboxes(self, pool_id: int, fetched_after: int) -> tuple[list[str], list[str]]:
        """A pool's current members (its members collection's items), for delivery: the inboxes
        of those whose actor is cached since ``fetched_after`` (the shared one when it has one),
        each once, and the ids of the others (local members, actors to fetch). The database
        joins and folds them: nothing per member is decoded or sent back."""
        inboxes = await self.db.fetchall(
            "SELECT DISTINCT CASE WHEN r.shared_inbox IS NULL OR r.shared_inbox = '' THEN r.inbox"
            " ELSE r.shared_inbox END AS inbox FROM memberships m"
            " JOIN remote_actors r ON r.uri = m.person_uri AND r.fetched_at > ?"
            " WHERE m.pool_id = ? AND m.state = 'member' ORDER BY inbox",
            (fetched_after, pool_id),
        )
        others = await self.db.fetchall(
            "SELECT m.person_uri FROM memberships m"
            " LEFT JOIN remote_actors r ON r.uri = m.person_uri AND r.fetched_at > ?"
            " WHERE m.pool_id = ? AND m.state = 'member' AND r.uri IS NULL ORDER BY m.id",
            (fetched_after, pool_id),
        )
        return [r["inbox"] for r in inboxes], [r["person_uri"] for r in others]

    async def enqueue(
        self,
        *,
        sender_id: int,
        activity_uri: str,
        body: bytes,
        targets: Sequence[DeliveryTarget],
        local_owner_ids: Iterable[int],
        now: float,
        now_iso: str,
    ) -> int:
        """In one transaction: store the bytes, one row per inbox, local inbox items; rows written."""
        async with self.db.transaction() as conn:
            for owner_id in local_owner_ids:
                await conn.execute(
                    "INSERT INTO collection_items (owner_id, collection, item_uri, created_at)"
                    " VALUES (?, 'inbox', ?, ?) ON CONFLICT DO NOTHING",
                    (owner_id, activity_uri, now_iso),
                )
            if not targets:
                return 0
            cursor = await conn.execute(
                "INSERT INTO outgoing_activities (activity_uri, sender_id, body, created_at)"
                " VALUES (?, ?, ?, ?) RETURNING id",
                (activity_uri, sender_id, body, now),
            )
            activity_id = (await cursor.fetchone())[0]
            await conn.executemany(
                "INSERT INTO deliveries (activity_id, inbox, host, state, next_attempt_at,"
                " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(activity_id, t.inbox, t.host, t.state, now, now, now) for t in targets],
            )
        return len(targets)

    async def has_activity(self, activity_uri: str) -> bool:
        """Whether this activity was queued for delivery already (whatever became of it)."""
        return await self.db.fetchone(
            "SELECT 1 FROM outgoing_activities WHERE activity_uri = ? LIMIT 1", (activity_uri,)
        ) is not None

    async def release_locks(self) -> int:
        """At start-up no row can be in flight: unlock what a dead process left locked.

        Not on a shared database, where live processes hold locks too: there a row locked by
        a dead process is claimable as soon as its session is gone (``claim``)."""
        if self.db.shared:
            return 0
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE deliveries SET locked_until = NULL"
                " WHERE state = 'queued' AND locked_until IS NOT NULL"
            )
            return cursor.rowcount

    async def claim(
        self,
        *,
        now: float,
        lock_until: float,
        limit: int,
        per_host: int,
        exclude_hosts: Sequence[str] = (),
    ) -> list[ClaimedDelivery]:
        """Lock up to ``limit`` due rows, at most ``per_host`` per host, hosts taking turns."""
        if limit <= 0:
            return []
        exclude = list(exclude_hosts)
        host_filter = f" AND host NOT IN ({_marks(exclude)})" if exclude else ""
        if self.db.dialect == "postgresql":
            return await self._claim_shared(now, lock_until, limit, per_host, exclude, host_filter)
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "SELECT id, activity_id, inbox, host, attempts FROM ("
                " SELECT id, activity_id, inbox, host, attempts, next_attempt_at,"
                "  ROW_NUMBER() OVER (PARTITION BY host ORDER BY next_attempt_at, id) AS turn"
                " FROM deliveries WHERE state = 'queued' AND next_attempt_at <= ?"
                " AND (locked_until IS NULL OR locked_until <= ?)" + host_filter +
                ") AS due WHERE turn <= ? ORDER BY turn, next_attempt_at, id LIMIT ?",
                (now, now, *exclude, per_host, limit),
            )
            rows = await cursor.fetchall()
            claimed = [
                ClaimedDelivery(r["id"], r["activity_id"], r["inbox"], r["host"], r["attempts"])
                for r in rows
            ]
            if claimed:
                ids = [c.id for c in claimed]
                await conn.execute(
                    f"UPDATE deliveries SET locked_until = ? WHERE id IN ({_marks(ids)})",
                    (lock_until, *ids),
                )
        return claimed

    async def _claim_shared(
        self, now: float, lock_until: float, limit: int, per_host: int, exclude: list[str],
        host_filter: str,
    ) -> list[ClaimedDelivery]:
        """``claim`` where many processes claim at once: rows another claim holds are skipped
        (``FOR UPDATE SKIP LOCKED``), and a row whose lock holder died is due again."""
        def free(t: str) -> str:
            return (f"({t}locked_until IS NULL OR {t}locked_until <= ?"
                    f" OR {t}leased_by NOT IN ({LIVE_SESSIONS}))")

        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "SELECT d.id, d.activity_id, d.inbox, d.host, d.attempts FROM deliveries d JOIN ("
                " SELECT id, ROW_NUMBER() OVER (PARTITION BY host ORDER BY next_attempt_at, id)"
                "  AS turn FROM deliveries WHERE state = 'queued' AND next_attempt_at <= ?"
                f" AND {free('')}" + host_filter +
                ") AS due ON d.id = due.id WHERE due.turn <= ? AND d.state = 'queued'"
                f" AND {free('d.')}"
                " ORDER BY due.turn, d.next_attempt_at, d.id LIMIT ? FOR UPDATE OF d SKIP LOCKED",
                (now, now, *exclude, per_host, now, limit),
            )
            claimed = [
                ClaimedDelivery(r["id"], r["activity_id"], r["inbox"], r["host"], r["attempts"])
                for r in await cursor.fetchall()
            ]
            if claimed:
                ids = [c.id for c in claimed]
                await conn.execute(
                    f"UPDATE deliveries SET locked_until = ?, leased_by = ? WHERE id IN ({_marks(ids)})",
                    (lock_until, self.db.lease_owner, *ids),
                )
        return claimed

    async def unlock(self, ids: Sequence[int]) -> None:
        """Give back claimed rows that will not be sent now."""
        async with self.db.transaction() as conn:
            await conn.execute(
                f"UPDATE deliveries SET locked_until = NULL WHERE id IN ({_marks(ids)})", ids
            )

    async def next_due(self, exclude_hosts: Sequence[str] = ()) -> float | None:
        """When the earliest queued row not of an excluded host is due."""
        exclude = list(exclude_hosts)
        host_filter = f" AND host NOT IN ({_marks(exclude)})" if exclude else ""
        row = await self.db.fetchone(
            "SELECT MIN(next_attempt_at) AS due FROM deliveries WHERE state = 'queued'"
            + host_filter,
            exclude,
        )
        return float(row["due"]) if row and row["due"] is not None else None

    async def bodies(self, activity_ids: Iterable[int]) -> dict[int, tuple[int, bytes]]:
        """(sender id, bytes) of outgoing activities, by id."""
        ids = list(set(activity_ids))
        if not ids:
            return {}
        rows = await self.db.fetchall(
            f"SELECT id, sender_id, body FROM outgoing_activities WHERE id IN ({_marks(ids)})",
            ids,
        )
        return {r["id"]: (r["sender_id"], bytes(r["body"])) for r in rows}

    async def record(
        self,
        results: Sequence[DeliveryResult],
        hosts: Sequence[HostRecord],
        now: float,
        unlock: Sequence[int] = (),
    ) -> None:
        """Write attempt results and host health, and unlock rows given back, in one transaction."""
        if not results and not hosts and not unlock:
            return
        async with self.db.transaction() as conn:
            if unlock:
                await conn.execute(
                    f"UPDATE deliveries SET locked_until = NULL WHERE id IN ({_marks(unlock)})"
                    " AND state = 'queued'",
                    unlock,
                )
            await conn.executemany(
                "UPDATE deliveries SET state = ?, attempts = ?, next_attempt_at = ?,"
                " last_status = ?, last_error = ?, locked_until = NULL, updated_at = ?"
                " WHERE id = ?",
                [
                    (r.state, r.attempts, r.next_attempt_at, r.status, r.error, now, r.id)
                    for r in results
                ],
            )
            await conn.executemany(
                "INSERT INTO delivery_hosts (host, origin, consecutive_failures, failing_since,"
                " last_success_at, open_until, unavailable, last_error, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (host) DO UPDATE SET"
                " origin = excluded.origin,"
                " consecutive_failures = excluded.consecutive_failures,"
                " failing_since = excluded.failing_since,"
                " last_success_at = excluded.last_success_at,"
                " open_until = excluded.open_until, unavailable = excluded.unavailable,"
                " last_error = excluded.last_error, updated_at = excluded.updated_at",
                [
                    (
                        h.host, h.origin, h.consecutive_failures, h.failing_since,
                        h.last_success_at, h.open_until, int(h.unavailable), h.last_error, now,
                    )
                    for h in hosts
                ],
            )

    async def skip_host(self, host: str, now: float) -> int:
        """Skip every queued, unlocked row of an unavailable host; how many."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE deliveries SET state = 'skipped', last_error = 'host unavailable',"
                " updated_at = ? WHERE host = ? AND state = 'queued'"
                " AND (locked_until IS NULL OR locked_until <= ?)",
                (now, host, now),
            )
            return cursor.rowcount

    async def hasten(self, host: str, now: float) -> int:
        """Make every queued, unlocked row of a host that answers again due now (its retry
        back-off was waiting out a failure that is over); how many."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE deliveries SET next_attempt_at = ?, updated_at = ?"
                " WHERE host = ? AND state = 'queued' AND next_attempt_at > ?"
                " AND (locked_until IS NULL OR locked_until <= ?)",
                (now, now, host, now, now),
            )
            return cursor.rowcount

    async def hosts(self) -> list[HostRecord]:
        """Every host's stored health."""
        rows = await self.db.fetchall("SELECT * FROM delivery_hosts ORDER BY host")
        return [
            HostRecord(
                host=r["host"],
                origin=r["origin"],
                consecutive_failures=r["consecutive_failures"],
                failing_since=r["failing_since"],
                last_success_at=r["last_success_at"],
                open_until=r["open_until"],
                unavailable=bool(r["unavailable"]),
                last_error=r["last_error"],
            )
            for r in rows
        ]

    async def counts(self) -> dict[str, int]:
        """How many rows are in each state (every state listed, zero included)."""
        rows = await self.db.fetchall(
            "SELECT state, COUNT(*) AS n FROM deliveries GROUP BY state"
        )
        found = {r["state"]: int(r["n"]) for r in rows}
        return {state: found.get(state, 0) for state in STATES}

    async def failing_hosts(self) -> list[HostSummary]:
        """Hosts whose last attempts failed or whose rows failed or were skipped."""
        rows = await self.db.fetchall(
            "SELECT d.host AS host,"
            " SUM(CASE WHEN d.state = 'queued' THEN 1 ELSE 0 END) AS queued,"
            " SUM(CASE WHEN d.state = 'failed' THEN 1 ELSE 0 END) AS failed,"
            " SUM(CASE WHEN d.state = 'skipped' THEN 1 ELSE 0 END) AS skipped,"
            " COALESCE(h.consecutive_failures, 0) AS consecutive_failures,"
            " h.failing_since AS failing_since, COALESCE(h.unavailable, 0) AS unavailable,"
            " h.last_error AS last_error"
            " FROM deliveries AS d LEFT JOIN delivery_hosts AS h ON h.host = d.host"
            " GROUP BY d.host, h.consecutive_failures, h.failing_since, h.unavailable,"
            " h.last_error"
            " HAVING COALESCE(h.consecutive_failures, 0) > 0"
            " OR SUM(CASE WHEN d.state IN ('failed', 'skipped') THEN 1 ELSE 0 END) > 0"
            " ORDER BY d.host"
        )
        return [
            HostSummary(
                host=r["host"], queued=int(r["queued"]), failed=int(r["failed"]),
                skipped=int(r["skipped"]), consecutive_failures=int(r["consecutive_failures"]),
                failing_since=r["failing_since"], unavailable=bool(r["unavailable"]),
                last_error=r["last_error"],
            )
            for r in rows
        ]

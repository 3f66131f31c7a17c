"""Local actors (pools and member accounts), their keys, and pool memberships."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from node.errors import Conflict, NotFound
from node.storage.database import INTEGRITY_ERRORS, Database, Row

__all__ = ["ActorRecord", "ActorStore", "Membership"]


@dataclass(frozen=True, slots=True)
class ActorRecord:
    """A local actor as stored, private keys included: never serialise this to a client."""

    id: int
    username: str
    kind: str
    uri: str
    display_name: str
    summary: str
    is_admin: bool
    rsa_private_pem: str
    rsa_public_pem: str
    ed25519_private_pem: str
    ed25519_public_multibase: str
    created_at: str

    @property
    def is_pool(self) -> bool:
        return self.kind == "pool"

    @property
    def key_id(self) -> str:
        """The keyId of the RSA key used for HTTP signatures."""
        return self.uri + "#main-key"

    @property
    def proof_key_id(self) -> str:
        """The id of the Ed25519 Multikey used for object proofs (FEP-521a)."""
        return self.uri + "#ed25519-key"


@dataclass(frozen=True, slots=True)
class Membership:
    """One person's membership of one local pool."""

    id: int
    pool_id: int
    person_uri: str
    roles: tuple[str, ...]
    state: str
    joined_at: str
    member_class: str | None = None
    """The member class the pool's bylaws declare that this member belongs to (None: none)."""


def _actor(row: Row) -> ActorRecord:
    return ActorRecord(
        id=row["id"],
        username=row["username"],
        kind=row["kind"],
        uri=row["uri"],
        display_name=row["display_name"],
        summary=row["summary"],
        is_admin=bool(row["is_admin"]),
        rsa_private_pem=row["rsa_private_pem"],
        rsa_public_pem=row["rsa_public_pem"],
        ed25519_private_pem=row["ed25519_private_pem"],
        ed25519_public_multibase=row["ed25519_public_multibase"],
        created_at=row["created_at"],
    )


def _membership(row: Row) -> Membership:
    return Membership(
        id=row["id"],
        pool_id=row["pool_id"],
        person_uri=row["person_uri"],
        roles=tuple(r for r in row["roles"].split(",") if r),
        state=row["state"],
        joined_at=row["joined_at"],
        member_class=row["member_class"],
    )


class ActorStore:
    """Queries on local actors and memberships."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def create(
        self,
        *,
        username: str,
        kind: str,
        uri: str,
        display_name: str,
        summary: str,
        is_admin: bool,
        rsa_private_pem: str,
        rsa_public_pem: str,
        ed25519_private_pem: str,
        ed25519_public_multibase: str,
        created_at: str,
        bylaws_json: str | None = None,
    ) -> ActorRecord:
        """Insert an actor (and its pool row for a pool); Conflict if the name is taken."""
        try:
            async with self.db.transaction() as conn:
                cursor = await conn.execute(
                    "INSERT INTO actors (username, kind, uri, display_name, summary, is_admin,"
                    " rsa_private_pem, rsa_public_pem, ed25519_private_pem,"
                    " ed25519_public_multibase, created_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                    (
                        username, kind, uri, display_name, summary, int(is_admin),
                        rsa_private_pem, rsa_public_pem, ed25519_private_pem,
                        ed25519_public_multibase, created_at,
                    ),
                )
                actor_id = (await cursor.fetchone())[0]
                if kind == "pool":
                    await conn.execute(
                        "INSERT INTO pools (actor_id, bylaws_json) VALUES (?, ?)",
                        (actor_id, bylaws_json or "{}"),
                    )
                    # The founding bylaws are version 1 of the archive (bylaws_versions.py).
                    await conn.execute(
                        "INSERT INTO bylaws_versions (pool_id, number, bylaws_json, proposal_uri,"
                        " adopted_at) VALUES (?, 1, ?, NULL, ?)",
                        (actor_id, bylaws_json or "{}", created_at),
                    )
        except INTEGRITY_ERRORS:
            raise Conflict(f"the name {username!r} is already taken on this node") from None
        found = await self.by_username(username)
        assert found is not None
        return found

    async def by_username(self, username: str, kind: str | None = None) -> ActorRecord | None:
        """A local actor by its username (optionally of one kind)."""
        row = await self.db.fetchone("SELECT * FROM actors WHERE username = ?", (username,))
        if row is None or (kind is not None and row["kind"] != kind):
            return None
        return _actor(row)

    async def get(self, username: str, kind: str | None = None) -> ActorRecord:
        """Like by_username, but NotFound when missing."""
        actor = await self.by_username(username, kind)
        if actor is None:
            what = {"pool": "pool", "member": "member"}.get(kind or "", "actor")
            raise NotFound(f"no {what} named {username!r} on this node")
        return actor

    async def by_id(self, actor_id: int) -> ActorRecord | None:
        """A local actor by its row id."""
        row = await self.db.lookup("SELECT * FROM actors WHERE id = ?", (actor_id,))
        return _actor(row) if row else None

    async def by_uri(self, uri: str) -> ActorRecord | None:
        """A local actor by its ActivityPub id."""
        row = await self.db.lookup("SELECT * FROM actors WHERE uri = ?", (uri,))
        return _actor(row) if row else None

    async def by_uris(self, uris: Sequence[str]) -> dict[str, ActorRecord]:
        """The local actors among these ids, by id."""
        return {a.uri: a for a in await self._by_keys("uri", list(dict.fromkeys(uris)))}

    async def by_ids(self, actor_ids: Sequence[int]) -> dict[int, ActorRecord]:
        """The local actors with these row ids, by row id."""
        return {a.id: a for a in await self._by_keys("id", list(dict.fromkeys(actor_ids)))}

    async def _by_keys(self, column: str, keys: list[object]) -> list[ActorRecord]:
        found: list[ActorRecord] = []
        for start in range(0, len(keys), 500):
            chunk = keys[start:start + 500]
            marks = ",".join("?" * len(chunk))
            rows = await self.db.lookup_all(f"SELECT * FROM actors WHERE {column} IN ({marks})", chunk)
            found += map(_actor, rows)
        return found

    async def all(self, kind: str | None = None) -> list[ActorRecord]:
        """Local actors (of one kind), oldest first."""
        if kind is None:
            rows = await self.db.fetchall("SELECT * FROM actors ORDER BY id")
        else:
            rows = await self.db.fetchall(
                "SELECT * FROM actors WHERE kind = ? ORDER BY id", (kind,)
            )
        return [_actor(r) for r in rows]

    async def count(self, kind: str) -> int:
        """How many local actors of one kind there are."""
        row = await self.db.fetchone("SELECT COUNT(*) AS n FROM actors WHERE kind = ?", (kind,))
        return int(row["n"]) if row else 0

    async def bylaws_json(self, pool_id: int) -> str:
        """The stored bylaws of a local pool."""
        row = await self.db.fetchone("SELECT bylaws_json FROM pools WHERE actor_id = ?", (pool_id,))
        if row is None:
            raise NotFound("no such pool")
        return str(row["bylaws_json"])

    async def set_profile(self, actor_id: int, display_name: str, summary: str) -> ActorRecord | None:
        """Replace a local actor's display name and summary (its Update of itself)."""
        await self.db.execute("UPDATE actors SET display_name = ?, summary = ? WHERE id = ?",
                              (display_name, summary, actor_id))
        return await self.by_id(actor_id)

    async def set_bylaws_json(self, pool_id: int, bylaws_json: str) -> None:
        """Replace a pool's bylaws."""
        await self.db.execute(
            "UPDATE pools SET bylaws_json = ? WHERE actor_id = ?", (bylaws_json, pool_id)
        )

    async def add_membership(
        self, pool_id: int, person_uri: str, roles: tuple[str, ...], joined_at: str,
        state: str = "member",
    ) -> Membership:
        """Record a membership; Conflict if the person is already in the pool."""
        try:
            membership_id = await self.db.insert(
                "INSERT INTO memberships (pool_id, person_uri, roles, state, joined_at)"
                " VALUES (?, ?, ?, ?, ?) RETURNING id",
                (pool_id, person_uri, ",".join(roles), state, joined_at),
            )
        except INTEGRITY_ERRORS:
            raise Conflict(f"{person_uri} is already in this pool") from None
        return Membership(membership_id, pool_id, person_uri, roles, state, joined_at)

    async def memberships_of_pool(
        self, pool_id: int, *, state: str | None = "member", limit: int = 1000,
        before: int | None = None,
    ) -> list[Membership]:
        """Members of a pool, newest first, keyset-paged on the membership id."""
        sql = "SELECT * FROM memberships WHERE pool_id = ?"
        params: list[object] = [pool_id]
        if state is not None:
            sql += " AND state = ?"
            params.append(state)
        if before is not None:
            sql += " AND id < ?"
            params.append(before)
        sql += " ORDER BY id DESC LIMIT ?"
        params.append(limit)
        return [_membership(r) for r in await self.db.fetchall(sql, params)]

    async def count_members(self, pool_id: int) -> int:
        """How many current members a pool has."""
        row = await self.db.fetchone(
            "SELECT COUNT(*) AS n FROM memberships WHERE pool_id = ? AND state = 'member'",
            (pool_id,),
        )
        return int(row["n"]) if row else 0

    async def pools_of_person(self, person_uri: str) -> list[Membership]:
        """The local pools a person belongs to."""
        rows = await self.db.fetchall(
            "SELECT * FROM memberships WHERE person_uri = ? ORDER BY pool_id", (person_uri,)
        )
        return [_membership(r) for r in rows]

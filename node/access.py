"""Who is reading, and what they may read: stored objects by their addressing, a pool's record
by its bylaws' ``visibility`` (docs/FEDERATION.md §Who may read what).

A reader is known by a bearer token (C2S), a signed-in web session, or a signed GET
(draft-cavage-12 or RFC 9421, verified like an inbox POST): the signer's actor id. A request
that presents a credential which does not verify is refused with 401, never served as anonymous.

* A stored object or activity is served to everyone when it is addressed to ``as:Public`` in
  to/cc/audience; otherwise to its owner, to an actor it is addressed to (to/cc/bto/bcc/
  audience), to an accepted follower when it is addressed to its owner's followers collection,
  and to a member when it is addressed to a pool's members collection. A pool's governance
  object (a Ballot, Proposal or LedgerEntry naming its ``pool``) is also part of that pool's
  record. Anyone else gets 404, the same answer as for an id that does not exist.
* A pool's record is public unless the bylaws say ``members``; then it is served to members,
  to the pool itself, and to the pools it shares a flood with (they verify its results).
  Anonymous readers get 401 with the reason, a known reader who may not read it 403.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aiohttp import web

from governance import Visibility
from node.appkeys import ACTORS, FOLLOWS
from node.auth import authenticated_actor, signed_in
from node.delivery.recipients import ADDRESSING, PUBLIC, addressed
from node.errors import Forbidden, Unauthorized
from node.floods import floods
from node.inbox.verify import verify_signer
from node.pool_engine.common import store
from node.pools import load_bylaws
from node.storage import ActorRecord, StoredObject

__all__ = ["RECORD_TYPES", "Reader", "is_public", "may_read_object", "may_read_record", "reader_of",
           "require_record_reader"]

RECORD_TYPES = frozenset({"Ballot", "Proposal", "LedgerEntry", "Bucket"})
"""Objects a member signs for a pool: part of that pool's record wherever they are stored."""

_PUBLIC_FIELDS = ("to", "cc", "audience")


@dataclass(frozen=True, slots=True)
class Reader:
    """The local account (token or session) and the verified signer of a request, if any."""

    account: ActorRecord | None = None
    signer: str | None = None

    @property
    def uris(self) -> frozenset[str]:
        """Every actor id the request speaks for."""
        found = {self.signer} if self.signer else set()
        if self.account is not None:
            found.add(self.account.uri)
        return frozenset(found)

    @property
    def anonymous(self) -> bool:
        """Whether the request carries no credential at all."""
        return self.account is None and self.signer is None


def _signed(request: web.Request) -> bool:
    headers = request.headers
    if "Signature" in headers or "Signature-Input" in headers:
        return True
    return headers.get("Authorization", "")[:10].lower() == "signature "


async def reader_of(request: web.Request) -> Reader:
    """Who reads: a bearer token, else the web session; and a signed GET's actor (401 if it fails)."""
    account: ActorRecord | None = None
    if request.headers.get("Authorization", "")[:7].lower() == "bearer ":
        account = await authenticated_actor(request)
    else:
        account = signed_in(request)
    signer = await verify_signer(request, b"") if _signed(request) else None
    return Reader(account, signer)


def _values(document: dict[str, Any], fields: tuple[str, ...], *, nested: bool = True) -> set[str]:
    found: set[str] = set()
    for holder in (document, document.get("object") if nested else None):
        if not isinstance(holder, dict):
            continue
        for name in fields:
            value = holder.get(name)
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, str):
                    found.add(item)
                elif isinstance(item, dict) and isinstance(item.get("id"), str):
                    found.add(item["id"])
    return found


def is_public(document: dict[str, Any]) -> bool:
    """Addressed to ``as:Public`` (any of its three spellings) in its own to, cc or audience."""
    return bool(_values(document, _PUBLIC_FIELDS, nested=False) & PUBLIC)


async def _in_collection(app: web.Application, collection: str, uris: frozenset[str]) -> bool:
    """Whether a reader belongs to a local followers or members collection that was addressed."""
    owner_uri, _, name = collection.rpartition("/")
    if name not in ("followers", "members"):
        return False
    owner = await app[ACTORS].by_uri(owner_uri)
    if owner is None:
        return False
    for uri in uris:
        if name == "followers":
            follow = await app[FOLLOWS].get(uri, owner.uri)
            if follow is not None and follow.state == "accepted":
                return True
        elif owner.is_pool and await _is_member(app, owner, uri):
            return True
    return False


async def _is_member(app: web.Application, pool: ActorRecord, uri: str) -> bool:
    membership = await store(app).membership(pool.id, uri)
    return membership is not None and membership.state == "member"


async def may_read_object(app: web.Application, stored: StoredObject, reader: Reader) -> bool:
    """Whether ``reader`` may see a stored object or activity (see the module's rules)."""
    document = stored.document
    if is_public(document):
        return True
    uris = reader.uris
    if stored.actor_uri in uris:
        return True
    recipients = set(addressed(document)) | _values(document, ADDRESSING)
    if uris & recipients:
        return True
    pool_uri = document.get("pool")
    if document.get("type") in RECORD_TYPES and isinstance(pool_uri, str):
        # Part of a pool's record: readable as the record is, anonymous readers included.
        pool = await app[ACTORS].by_uri(pool_uri)
        if pool is not None and pool.is_pool:
            return await may_read_record(app, pool, reader)
        return pool_uri in uris  # a remote pool's record: its bylaws are not ours to apply
    for collection in recipients - PUBLIC:
        if uris and await _in_collection(app, collection, uris):
            return True
    return False


async def _shares_flood(app: web.Application, pool: ActorRecord, uri: str) -> bool:
    return await floods(app).approved_peer(pool.id, uri) or await floods(app).share_a_flood(pool.uri, uri)


async def may_read_record(app: web.Application, pool: ActorRecord, reader: Reader) -> bool:
    """Whether ``reader`` may see the pool's record under its bylaws' ``visibility``."""
    bylaws = await load_bylaws(app[ACTORS], pool)
    if bylaws.visibility is Visibility.PUBLIC:
        return True
    uris = reader.uris
    if pool.uri in uris:
        return True
    for uri in uris:
        if await _is_member(app, pool, uri):
            return True
    return reader.signer is not None and await _shares_flood(app, pool, reader.signer)


async def require_record_reader(request: web.Request, pool: ActorRecord) -> Reader:
    """The reader, who may read the pool's record; 401 (anonymous) or 403 with the reason if not."""
    reader = await reader_of(request)
    if await may_read_record(request.app, pool, reader):
        return reader
    if reader.anonymous:
        raise Unauthorized(
            f"the record of {pool.username} is visible to its members only (bylaws: visibility "
            "members): send a member's bearer token, sign in, or sign the GET as a member's "
            "actor or as a pool of one of its floods")
    raise Forbidden(
        f"the record of {pool.username} is visible to its members and the pools of its floods only")


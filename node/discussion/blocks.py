"""A pool blocks an account or a whole domain, on a steward's word (ActivityPub §6.9).

A steward of a local pool blocks, with a reason (1 to 500 characters), an actor (by its id) or a
domain (a host name: every account there and on its subdomains) for the pool; any steward may
lift it. Each block and unblock is logged with who, when and why, and listed for stewards
(the web's moderation page). From then on:

* an activity to the pool (addressed to it) from a blocked actor is refused: the pool is no
  recipient of it, and answers a ``Reject`` with :data:`BLOCKED` as its reason
  (node/inbox/worker.py);
* a comment, a reply or an edit in one of the pool's threads is refused (``blocked``) wherever
  it comes from (another server, C2S, the web), and the pool neither relays nor forwards it.

A current member is never blocked by their pool: membership begins and ends as the bylaws say,
and a steward alone does not silence a member. Blocking a member is refused (409 ``member``),
and a domain block does not reach the pool's members. Nothing is delivered to the blocked actor
when it is blocked (§6.9); the pool's ``Reject`` of what it sends later says why.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from datetime import datetime

from aiohttp import web

from node.appkeys import ACTORS, CONFIG, DB
from node.errors import Conflict, Forbidden, InvalidRequest
from node.pool_engine.common import iso, store
from node.storage import ActorRecord, BlockStore

__all__ = ["BLOCKED", "MAX_REASON", "block_for_pool", "check_not_blocked", "domain_of",
           "is_steward", "pool_blockers", "unblock_for_pool"]

BLOCKED = "the stewards of this pool blocked you: it takes no activities from you"
"""The reason a blocked actor is given."""
MAX_REASON = 500
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_DOMAIN = re.compile(rf"{_LABEL}(?:\.{_LABEL})*(?::[0-9]{{1,5}})?")


def domain_of(text: str) -> str | None:
    """The host a steward typed (``spam.example``, ``Spam.Example.``, ``host:8080``), lowercase;
    None if it is not a host name."""
    host = text.strip().lower().rstrip(".")
    if len(host) > 253 or not _DOMAIN.fullmatch(host):
        return None
    return host


def _reason(reason: str, *, required: bool = True) -> str:
    text = " ".join(reason.split())
    if not text and required:
        raise InvalidRequest("say why: the reason is logged for the other stewards", code="reason_required")
    if len(text) > MAX_REASON:
        raise InvalidRequest(f"the reason is at most {MAX_REASON} characters", code="reason_too_long")
    return text


async def is_steward(app: web.Application, pool: ActorRecord, person: str) -> bool:
    """Whether ``person`` is a member of the pool with the steward role now."""
    membership = await store(app).membership(pool.id, person)
    return membership is not None and membership.state == "member" and "steward" in membership.roles


async def _is_member(app: web.Application, pool: ActorRecord, person: str) -> bool:
    membership = await store(app).membership(pool.id, person)
    return membership is not None and membership.state == "member"


def _target(app: web.Application, pool: ActorRecord, blocked: str) -> str:
    """An actor id (absolute http(s) URL) or a domain, checked; the text stored."""
    if "://" in blocked:
        if not blocked.startswith(("https://", "http://")) or len(blocked) > 2048 or not blocked.isprintable():
            raise InvalidRequest("an account is blocked by its address, an absolute http(s) URL")
        if blocked == pool.uri:
            raise InvalidRequest("a pool does not block itself")
        return blocked
    domain = domain_of(blocked)
    if domain is None:
        raise InvalidRequest(f"{blocked[:100]!r} is neither an account's address nor a domain")
    if domain in (app[CONFIG].domain.lower(), app[CONFIG].domain.lower().partition(":")[0]):
        raise InvalidRequest("this node's own domain is not blocked: block its accounts one by one",
                             code="own_domain")
    return domain


async def block_for_pool(app: web.Application, pool: ActorRecord, steward: str, blocked: str,
                         reason: str, at: datetime, *, activity_uri: str | None = None) -> bool:
    """A steward blocks an actor or a domain for the pool; False if the pool blocked it already.
    ``activity_uri``: the steward's Block activity, if they posted one (C2S)."""
    if not await is_steward(app, pool, steward):
        raise Forbidden("only a steward of the pool may block for it", code="not_a_steward")
    target = _target(app, pool, blocked)
    text = _reason(reason)
    if "://" in target and await _is_member(app, pool, target):
        raise Conflict("a member of the pool is not blocked: membership ends as the bylaws say",
                       code="member")
    return await BlockStore(app[DB]).steward_block(
        pool.id, target, activity_uri or f"urn:uuid:{uuid.uuid4()}", steward, text, iso(at))


async def unblock_for_pool(app: web.Application, pool: ActorRecord, steward: str, blocked: str,
                           reason: str, at: datetime) -> bool:
    """A steward lifts the pool's block of an actor or a domain; False if there was none."""
    if not await is_steward(app, pool, steward):
        raise Forbidden("only a steward of the pool may lift its blocks", code="not_a_steward")
    text = _reason(reason, required=False) or "lifted"
    return await BlockStore(app[DB]).steward_unblock(pool.id, blocked, steward, text, iso(at))


async def pool_blockers(app: web.Application, blockers: Iterable[int], actor: str) -> set[int]:
    """Of the local actors that block ``actor`` (row ids), those whose block holds: every
    account's, and a pool's unless ``actor`` is one of its members."""
    kept: set[int] = set()
    for actor_id in blockers:
        record = await app[ACTORS].by_id(actor_id)
        if record is not None and record.is_pool and await _is_member(app, record, actor):
            continue
        kept.add(actor_id)
    return kept


async def check_not_blocked(app: web.Application, pool: ActorRecord, actor: str) -> None:
    """Forbidden (``blocked``) if the pool's stewards blocked ``actor`` (or its domain)."""
    if await BlockStore(app[DB]).any_blocks([pool.id], actor) and not await _is_member(app, pool, actor):
        raise Forbidden(BLOCKED, code="blocked")

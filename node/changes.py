"""What ``Update``, ``Delete`` and ``Block`` posted to an outbox do (ActivityPub §6.3, §6.4, §6.9).

* ``Update`` of one of the poster's objects replaces the fields it names (§6.3.1: a client's
  update is partial; ``null`` removes a field) and the outbox delivers the whole new object to
  the object's audience. ``id``, ``type``, ``attributedTo`` and ``published`` do not change.
* ``Delete`` replaces the object with a ``Tombstone`` (served with 410 Gone) and is delivered
  to the object's audience.
* A comment in a thread, or the draft of a discussion, changes there too
  (node/discussion), and the pool relays the change.
* Objects carrying a proof (ballots, proposals, ledger entries) are never changed: the proof
  covers every byte, and the record is append-only (a new ballot replaces an earlier one).
* ``Block`` records that the poster refuses the object actor's activities from now on; it is
  not delivered to the blocked actor (§6.9). ``Undo`` of it lifts the block.
* ``Block`` with a local pool as ``target`` (as Lemmy's moderators ban from a community) is a
  steward blocking the actor for the pool, ``summary`` the reason (node/discussion/blocks.py);
  ``Undo`` of it (by id, or a ``Block`` embedded with the same object and target) lifts it, by
  any steward of the pool.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from node.appkeys import ACTORS, DB, OBJECTS
from node.discussion import (
    DISCUSSION_TYPES,
    delete_comment,
    delete_discussion,
    edit_comment,
    edit_discussion,
)
from node.discussion.blocks import block_for_pool, unblock_for_pool
from node.discussion.content import sanitize
from node.discussion.documents import tombstone
from node.discussion.threads import discussions
from node.errors import Conflict, Forbidden, Gone, InvalidRequest, NotFound
from node.floods.common import floods
from node.outbox import ACTIVITY_TYPES, PreparedActivity
from node.pool_engine.common import iso, store
from node.profiles import update_profile
from node.storage import ActorRecord, BlockStore, StoredObject

__all__ = ["changes_outbox"]

_FIXED = ("id", "type", "attributedTo", "published")
_ADDRESSING = ("to", "cc", "audience")


def _target_id(activity: dict[str, Any]) -> str:
    target = activity.get("object")
    if isinstance(target, dict):
        target = target.get("id")
    if not isinstance(target, str) or not target:
        raise InvalidRequest(f"a {activity['type']} names its object by id")
    return target


async def _pool_record(app: web.Application, uri: str) -> str | None:
    """What a pool's own record at ``uri`` is (a proposal, its Question, a discussion, a ledger
    entry, a flood proposal), or None: they are the pool's, kept outside the objects table."""
    if await store(app).proposal_head(uri.removesuffix("/question")) is not None:
        return "proposal"
    if await discussions(app).discussion(uri) is not None:
        return "discussion (its author changes it by updating their draft)"
    if await store(app).entry(uri) is not None:
        return "ledger entry"
    if await floods(app).proposal(uri) is not None:
        return "flood proposal"
    return None


async def _owned(app: web.Application, owner: ActorRecord, uri: str, doing: str) -> StoredObject:
    stored = await app[OBJECTS].get(uri)
    if stored is None or not stored.local:
        if await app[ACTORS].by_uri(uri) is not None:
            raise Forbidden(f"only an account itself may {doing} it")
        record = await _pool_record(app, uri)
        if record is not None:
            raise Forbidden(f"only the object's owner may {doing} it: this {record} is the pool's")
        raise NotFound("no such object on this node")
    if stored.actor_uri != owner.uri:
        raise Forbidden(f"only the object's owner may {doing} it")
    if stored.type == "Tombstone":
        raise Gone("this object was deleted")
    if stored.type in ACTIVITY_TYPES:
        raise Conflict(f"an activity is not changed: post another one instead of trying to {doing} it")
    if "proof" in stored.document:
        raise Conflict(f"a signed object cannot be changed: its proof covers every byte (tried to {doing} it)",
                       code="signed_object")
    return stored


def _audience(activity: dict[str, Any], document: dict[str, Any]) -> dict[str, Any]:
    """The activity addressed to the object's audience too (where it was delivered before)."""
    out = dict(activity)
    for field in _ADDRESSING:
        value = document.get(field)
        if value is None:
            continue
        mine = out.get(field)
        mine = mine if isinstance(mine, list) else [mine] if mine is not None else []
        theirs = value if isinstance(value, list) else [value]
        out[field] = list(dict.fromkeys([*mine, *(v for v in theirs if isinstance(v, str))]))
    return out


async def _update(app: web.Application, owner: ActorRecord, prepared: PreparedActivity) -> PreparedActivity:
    activity = prepared.activity
    change = activity.get("object")
    if not isinstance(change, dict):
        raise InvalidRequest("an Update carries the object with the fields it changes")
    uri = _target_id(activity)
    if uri == owner.uri:
        return await update_profile(app, owner, prepared)  # the account's own profile
    stored = await _owned(app, owner, uri, "update")
    document = dict(stored.document)
    for key, value in change.items():
        if key in _FIXED or key == "@context":
            if key in _FIXED and key in document and value != document[key]:
                raise InvalidRequest(f"an Update does not change '{key}'")
            continue
        if value is None:
            document.pop(key, None)
        else:
            document[key] = value
    if isinstance(document.get("content"), str):
        document["content"] = sanitize(document["content"])
    now = datetime.now(UTC)
    document["updated"] = iso(now)
    out = _audience({**activity, "object": document}, document)
    if stored.type == "Note":
        changed = await edit_comment(app, owner.uri, document, out, now)
        if changed is not None:  # a comment as its thread keeps it (its place does not change)
            document = {k: v for k, v in changed.document.items() if k not in ("bto", "bcc")}
            out = _audience({**activity, "object": document}, document)
    elif stored.type in DISCUSSION_TYPES:
        document = await edit_discussion(app, owner.uri, document, now) or document
    await app[OBJECTS].replace_local(uri, document)
    return dataclasses.replace(prepared, activity=out)


async def _delete(app: web.Application, owner: ActorRecord, prepared: PreparedActivity) -> PreparedActivity:
    activity = prepared.activity
    uri = _target_id(activity)
    if uri == owner.uri:
        raise Conflict("an account is not deleted through its outbox: ask the node's operator")
    stored = await _owned(app, owner, uri, "delete")
    now = datetime.now(UTC)
    gone = tombstone(uri, stored.type, iso(now),
                     **{k: v for k, v in stored.document.items() if k in _ADDRESSING})
    out = _audience({**activity, "object": {"id": uri, "type": "Tombstone"}}, stored.document)
    if stored.type == "Note":
        await delete_comment(app, owner.uri, uri, out, now)
    elif stored.type in DISCUSSION_TYPES:
        await delete_discussion(app, owner.uri, uri, now)
    await app[OBJECTS].replace_local(uri, gone)
    return dataclasses.replace(prepared, activity=out)


def _without(activity: dict[str, Any], uri: str) -> dict[str, Any]:
    out = dict(activity)
    for field in (*_ADDRESSING, "bto", "bcc"):
        value = out.get(field)
        if isinstance(value, list):
            out[field] = [v for v in value if v != uri]
        elif value == uri:
            out.pop(field)
    return out


async def _pool_named(app: web.Application, activity: dict[str, Any]) -> ActorRecord | None:
    """The local pool a Block or Undo names as its ``target``; None if it names none."""
    target = activity.get("target")
    if target is None:
        return None
    uri = target.get("id") if isinstance(target, dict) else target
    pool = await app[ACTORS].by_uri(uri) if isinstance(uri, str) else None
    if pool is None or not pool.is_pool:
        raise NotFound("the Block's 'target' names no pool of this node")
    return pool


async def _block(app: web.Application, owner: ActorRecord, prepared: PreparedActivity) -> PreparedActivity:
    blocked = _target_id(prepared.activity)
    if blocked == owner.uri:
        raise InvalidRequest("an actor does not block itself")
    if not blocked.startswith(("https://", "http://")):
        raise InvalidRequest("a Block's object is an actor, named by its id")
    pool = await _pool_named(app, prepared.activity)
    if pool is not None:
        reason = prepared.activity.get("summary")
        await block_for_pool(app, pool, owner.uri, blocked, reason if isinstance(reason, str) else "",
                             datetime.now(UTC), activity_uri=prepared.activity["id"])
    else:
        await BlockStore(app[DB]).add(owner.id, blocked, prepared.activity["id"], iso(datetime.now(UTC)))
    return dataclasses.replace(
        prepared, activity=_without(prepared.activity, blocked),
        private_recipients=tuple(r for r in prepared.private_recipients if r != blocked))


async def _undo_block(app: web.Application, owner: ActorRecord,
                      prepared: PreparedActivity) -> PreparedActivity:
    undone = prepared.activity.get("object")
    blocks = BlockStore(app[DB])
    lifted = await _pool_block_undone(app, blocks, undone)
    if lifted is not None:
        pool, blocked = lifted
        reason = prepared.activity.get("summary")
        await unblock_for_pool(app, pool, owner.uri, blocked, reason if isinstance(reason, str) else "",
                               datetime.now(UTC))
        return dataclasses.replace(prepared, activity=_without(prepared.activity, blocked))
    if isinstance(undone, str):
        await blocks.remove(owner.id, activity_uri=undone)
    elif isinstance(undone, dict) and undone.get("type") == "Block":
        if isinstance(undone.get("id"), str):
            await blocks.remove(owner.id, activity_uri=undone["id"])
        target = undone.get("object")
        target = target.get("id") if isinstance(target, dict) else target
        if isinstance(target, str):
            await blocks.remove(owner.id, blocked_uri=target)
            return dataclasses.replace(prepared, activity=_without(prepared.activity, target))
    return prepared


async def _pool_block_undone(app: web.Application, blocks: BlockStore,
                             undone: Any) -> tuple[ActorRecord, str] | None:
    """(pool, what it blocks) when an Undo names a pool's block: the Block's id, or a Block
    embedded with the pool as ``target``."""
    if isinstance(undone, str):
        found = await blocks.by_activity(undone)
        if found is None or found[1].steward_uri is None:
            return None
        pool = await app[ACTORS].by_id(found[0])
        return (pool, found[1].blocked) if pool is not None else None
    if isinstance(undone, dict) and undone.get("type") == "Block" and undone.get("target") is not None:
        pool = await _pool_named(app, undone)
        target = undone.get("object")
        target = target.get("id") if isinstance(target, dict) else target
        if pool is None or not isinstance(target, str):
            raise InvalidRequest("an Undo of a pool's Block names what it blocked")
        return pool, target
    return None


async def changes_outbox(app: web.Application, owner: ActorRecord,
                         prepared: PreparedActivity) -> PreparedActivity:
    """Apply an Update, Delete, Block or Undo of a Block before the outbox stores it."""
    kind = prepared.activity.get("type")
    if kind == "Update":
        return await _update(app, owner, prepared)
    if kind == "Delete":
        return await _delete(app, owner, prepared)
    if kind == "Block":
        return await _block(app, owner, prepared)
    if kind == "Undo":
        return await _undo_block(app, owner, prepared)
    return prepared

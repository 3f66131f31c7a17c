"""Create(Note): a Mastodon poll reply counts as a ballot; a reply to a local thread is a comment
(node/handlers/comment.py); a mention asking a pool to "join" is an application
(node/handlers/mention_join.py); any other Note is stored as usual.

A poll reply is a Note with ``name`` (the option), ``inReplyTo`` our Question and no content.
It carries only its server's HTTP signature, so the pool records it as attested by itself.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from node.handlers import comment, create, mention_join
from node.handlers.context import Inbound
from node.handlers.governance import refusing
from node.pool_engine import cast_poll_reply
from node.storage import ActorRecord

__all__ = ["handle", "kept"]


def _is_poll_reply(obj: object) -> bool:
    return (
        isinstance(obj, dict)
        and isinstance(obj.get("name"), str)
        and isinstance(obj.get("inReplyTo"), str)
        and obj["inReplyTo"].endswith("/question")
        and not obj.get("content")
    )


def _poll_pool(inbound: Inbound) -> ActorRecord | None:
    obj = inbound.object
    if not _is_poll_reply(obj):
        return None
    question = obj["inReplyTo"]
    return next((a for a in inbound.recipients if a.is_pool and question.startswith(a.uri + "/")), None)


def kept(inbound: Inbound) -> list[dict[str, Any]] | None:
    """When ``handle`` would only store the Note (no poll reply to a pool here, no reply that
    may be a comment, no request to join): what it stores. Otherwise None."""
    if (_poll_pool(inbound) is not None or comment.may_be_comment(inbound.object)
            or mention_join.join_request_pool(inbound) is not None):
        return None
    return create.kept(inbound)


async def handle(inbound: Inbound) -> None:
    """Count a poll reply to one of our pools' Questions; store other Notes."""
    obj = inbound.object
    pool = _poll_pool(inbound)
    if pool is None:
        if await comment.handle(inbound):
            return  # a comment in a local thread (node/handlers/comment.py)
        await create.handle(inbound)
        applying_to = mention_join.join_request_pool(inbound)
        if applying_to is not None:
            await mention_join.handle(inbound, applying_to)
        return
    await create.handle(inbound)
    await refusing(inbound, pool, lambda: cast_poll_reply(
        inbound.app, pool, obj, inbound.actor, datetime.now(UTC)))

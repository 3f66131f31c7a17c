"""Create(Note): a Mastodon poll reply counts as a ballot; a reply to a local thread is a comment
(node/handlers/comment.py); a mention asking a pool to "join" is an application
(node/handlers/mention_join.py); any other Note is stored as usual.

A poll reply is a Note with ``name`` (the option), ``inReplyTo`` our Question and no content.
It carries only its server's HTTP signature, so the pool records it as attested by itself.
"""

from __future__ import annotations

from datetime import UTC, datetime

from node.handlers import comment, create, mention_join
from node.handlers.context import Inbound
from node.handlers.governance import refusing
from node.pool_engine import cast_poll_reply

__all__ = ["handle"]


def _is_poll_reply(obj: object) -> bool:
    return (
        isinstance(obj, dict)
        and isinstance(obj.get("name"), str)
        and isinstance(obj.get("inReplyTo"), str)
        and obj["inReplyTo"].endswith("/question")
        and not obj.get("content")
    )


async def handle(inbound: Inbound) -> None:
    """Count a poll reply to one of our pools' Questions; store other Notes."""
    obj = inbound.object
    pool = None
    if _is_poll_reply(obj):
        question = obj["inReplyTo"]
        pool = next((a for a in inbound.recipients if a.is_pool and question.startswith(a.uri + "/")), None)
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

"""Refusing a governance activity with a reason, and the local pool it is addressed to.

A refused governance activity changes nothing; the pool answers the sender with a
``Reject`` whose ``summary`` is the reason, and the inbox row is done (not retried).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from governance import GovernanceError
from node.errors import Conflict, Forbidden, Gone, InvalidRequest, NotFound, RateLimited
from node.handlers.context import Inbound
from node.storage import ActorRecord
from node.wire.errors import InvalidDocument, ProofRejected

__all__ = ["REFUSALS", "answer_refusal", "pool_recipient", "refusing"]

log = logging.getLogger("poolnode.pools")

REFUSALS = (GovernanceError, InvalidDocument, ProofRejected, NotFound, Forbidden, Conflict,
            InvalidRequest, Gone, RateLimited)
"""Refusals of the activity itself (as opposed to failures worth retrying, e.g. a fetch)."""


def pool_recipient(inbound: Inbound, pool_uri: object = None) -> ActorRecord | None:
    """The local pool the activity is for: the one named, else the first pool it reached."""
    for actor in inbound.recipients:
        if actor.is_pool and (pool_uri is None or actor.uri == pool_uri):
            return actor
    return None


async def refusing(inbound: Inbound, pool: ActorRecord | None, work: Callable[[], Awaitable[object]]) -> None:
    """Run ``work``; on a refusal, tell the sender why (Reject with summary)."""
    try:
        await work()
    except REFUSALS as exc:
        await answer_refusal(inbound, pool, exc)


async def answer_refusal(inbound: Inbound, pool: ActorRecord | None, exc: Exception) -> None:
    """Note the refusal on ``inbound`` (what is refused is not forwarded) and tell the sender
    why: the pool's Reject with the reason."""
    from node.pool_engine.common import publish

    reason = getattr(exc, "reason", str(exc))
    inbound.refusals.append(reason)
    log.info("refused %s from %s: %s", inbound.activity.get("id"), inbound.actor, reason)
    if pool is not None:
        await publish(inbound.app, pool, "Reject", inbound.activity["id"], [inbound.actor],
                      followers=False, members=False, summary=reason)

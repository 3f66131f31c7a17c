"""Join: a person applies to a local pool; the pool answers per its admission policy."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from node.handlers.context import Inbound
from node.handlers.governance import pool_recipient, refusing
from node.pool_engine import join
from node.pool_engine.membership import share_claim
from node.storage import ActorRecord

__all__ = ["apply", "handle"]


async def apply(inbound: Inbound, pool: ActorRecord, claim: dict[str, Any] | None,
                member_class: object = None) -> str | None:
    """The sender applies to ``pool``, the received activity's id standing for their Join;
    the state they are in now ('member' or 'applicant'), or None when refused (with a Reject)."""
    states: list[str] = []

    async def work() -> None:
        states.append(await join(inbound.app, pool, inbound.actor, inbound.activity["id"],
                                 datetime.now(UTC), claim, member_class))

    await refusing(inbound, pool, work)
    return states[0] if states else None


async def handle(inbound: Inbound) -> None:
    """Record the applicant; open pools Accept at once, vote pools open an admission proposal."""
    pool = pool_recipient(inbound, inbound.object_id)
    if pool is None:
        return
    await apply(inbound, pool, share_claim(inbound.activity.get("sharePayment")),
                inbound.activity.get("memberClass"))

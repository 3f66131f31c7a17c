"""Announce: a pool of a flood relays a flood Proposal (its own) or a member's Ballot.

The inbox keeps an embedded object only from the announcing actor's origin; a ballot from
another origin arrives as its id and is fetched from its author's server. Either way it is
accepted on its own FEP-8b32 proof, never on the relay's word (FEP-1b12 groups relay so).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from node.appkeys import FETCHER
from node.floods import receive_proposal, receive_relayed
from node.handlers.context import Inbound
from node.handlers.governance import pool_recipient, refusing

__all__ = ["handle"]

log = logging.getLogger("poolnode.floods")


async def handle(inbound: Inbound) -> None:
    """Route an announced flood Proposal or Ballot; other announces are only stored."""
    obj: Any = inbound.object
    pool = pool_recipient(inbound)
    if pool is None:
        return
    if isinstance(obj, str):
        fetched = await inbound.app[FETCHER].fetch(obj)
        obj = fetched.document
    if not isinstance(obj, dict) or obj.get("type") not in ("Proposal", "Ballot"):
        log.debug("Announce %s carries no flood document", inbound.activity.get("id"))
        return
    now = datetime.now(UTC)
    document: dict[str, Any] = obj
    if document["type"] == "Proposal":
        await refusing(inbound, pool, lambda: receive_proposal(inbound.app, inbound.actor, document, now))
    else:
        await refusing(inbound, pool, lambda: receive_relayed(inbound.app, inbound.actor, document, now))

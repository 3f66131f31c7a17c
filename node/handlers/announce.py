"""Announce: a pool of a flood relays a flood Proposal (its own) or members' Ballots.

The inbox keeps an embedded object only from the announcing actor's origin; a ballot from
another origin arrives as its id and is fetched from its author's server. A pool may relay
several ballots in one Announce (``object`` a list); a listed ballot from another origin
than the pool's is fetched by its id as well. Either way each is accepted on its own
FEP-8b32 proof, never on the relay's word (FEP-1b12 groups relay so).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from node.floods import receive_proposal, receive_relayed, receive_relayed_many
from node.handlers.context import Inbound, object_id
from node.handlers.governance import pool_recipient, refusing
from node.http import fetch_as
from node.inbox.origin import same_origin
from node.pool_engine.common import publish

__all__ = ["MAX_RELAYED", "handle"]

log = logging.getLogger("poolnode.floods")

MAX_RELAYED = 500
"""At most this many ballots in one relaying Announce; a longer list is refused whole."""


async def handle(inbound: Inbound) -> None:
    """Route an announced flood Proposal or Ballot(s); other announces are only stored."""
    obj: Any = inbound.object
    pool = pool_recipient(inbound)
    if pool is None:
        return
    if isinstance(obj, list):
        await _relayed_ballots(inbound, obj)
        return
    if isinstance(obj, str):
        obj = await fetch_as(inbound.app, obj, pool)
    if not isinstance(obj, dict) or obj.get("type") not in ("Proposal", "Ballot"):
        log.debug("Announce %s carries no flood document", inbound.activity.get("id"))
        return
    now = datetime.now(UTC)
    document: dict[str, Any] = obj
    if document["type"] == "Proposal":
        await refusing(inbound, pool, lambda: receive_proposal(inbound.app, inbound.actor, document, now))
    else:
        await refusing(inbound, pool, lambda: receive_relayed(inbound.app, inbound.actor, document, now))


async def _relayed_ballots(inbound: Inbound, items: list[Any]) -> None:
    """Several ballots relayed at once: each accepted or refused on its own; one Reject
    names the refused ones with their reasons."""
    pool = pool_recipient(inbound)
    assert pool is not None
    refused: list[tuple[str, str]] = []
    documents: list[dict[str, Any]] = []
    if len(items) > MAX_RELAYED:
        refused.append((str(inbound.activity.get("id")), f"more than {MAX_RELAYED} ballots in one Announce"))
    for item in items if not refused else []:
        uri = object_id(item)
        if uri is None:
            refused.append(("(no id)", "a relayed ballot has no id"))
            continue
        if not isinstance(item, dict) or not same_origin(uri, inbound.actor):
            # As the inbox does for a single object: trusted as sent only from the relay's origin.
            item = await fetch_as(inbound.app, uri, pool)
            if item.get("id") != uri:
                refused.append((uri, "the fetched ballot has another id"))
                continue
        if item.get("type") != "Ballot":
            refused.append((uri, "only ballots are relayed in a list"))
            continue
        documents.append(item)
    if documents:
        refused += await receive_relayed_many(inbound.app, inbound.actor, documents, datetime.now(UTC))
    if refused:
        reason = "; ".join(f"{uri}: {why}" for uri, why in refused[:5])
        if len(refused) > 5:
            reason += f"; and {len(refused) - 5} more"
        log.info("refused %d relayed ballot(s) in %s from %s: %s", len(refused),
                 inbound.activity.get("id"), inbound.actor, reason)
        await publish(inbound.app, pool, "Reject", inbound.activity["id"], [inbound.actor],
                      followers=False, members=False, summary=reason)

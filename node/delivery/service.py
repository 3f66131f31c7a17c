"""The delivery API the rest of the node calls, and the workers' cleanup context."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web

from node.accounts import now_iso
from node.appkeys import ACTORS, CONFIG, DB, DELIVERY, REMOTE_ACTORS, WORKERS
from node.config import Config
from node.delivery.breaker import BreakerPolicy
from node.delivery.front import DeliveryFront
from node.delivery.queue import DeliveryQueue, DeliverySettings
from node.delivery.recipients import (
    addressed,
    expand_recipients,
    without_private_addressing,
)
from node.delivery.schedule import RetryPolicy
from node.remote import ACTOR_TTL_SECONDS, resolve_actor
from node.storage import ActorRecord, DeliveryStore, DeliveryTarget

__all__ = ["QUEUED_TOPIC", "delivery_ctx", "enqueue_activity", "mark_host_alive",
           "settings_from_config"]


def settings_from_config(config: Config) -> DeliverySettings:
    """The workers' settings from the node's configuration."""
    return DeliverySettings(
        workers=config.delivery_workers,
        per_host=config.delivery_per_host,
        timeout=config.delivery_timeout,
        poll_interval=config.delivery_poll_interval,
        flush_interval=min(0.05, config.delivery_poll_interval),
        retry=RetryPolicy(
            base=config.delivery_base_delay,
            cap=config.delivery_max_delay,
            attempts=config.delivery_max_attempts,
        ),
        breaker=BreakerPolicy(
            threshold=config.delivery_breaker_threshold,
            cooldown=config.delivery_breaker_cooldown,
            unavailable_after=config.delivery_unavailable_after,
        ),
        allow_private_addresses=config.allow_private_addresses,
    )


QUEUED_TOPIC = "deliveries-queued"
"""The notice a process that leaves its deliveries to workers sends when it queued some."""


async def delivery_ctx(app: web.Application) -> AsyncIterator[None]:
    """Cleanup context: the delivery workers (and their keep-alive connection pools); in a
    process without workers, only the queue's front: rows are queued here and a worker
    process, woken by a notice, delivers them."""
    db = app[DB]
    settings = settings_from_config(app[CONFIG])
    if app.get(WORKERS, True):
        queue = DeliveryQueue(DeliveryStore(db), app[ACTORS], settings)
        await db.on_notice(QUEUED_TOPIC, lambda _key: queue.wake())
    else:
        queue = front = DeliveryFront(DeliveryStore(db), app[ACTORS], settings)
        front.on_wake = lambda: db.nudge(QUEUED_TOPIC)
    app[DELIVERY] = queue
    await queue.start()
    yield
    await queue.stop()


async def _resolve_inbox(app: web.Application, uri: str) -> str:
    """The inbox to deliver to for a remote actor: its shared inbox when it has one."""
    actor = await resolve_actor(app, uri)
    return actor.shared_inbox or actor.inbox


async def enqueue_activity(
    app: web.Application,
    sender: ActorRecord,
    activity: dict[str, Any],
    recipients: list[str] | None = None,
) -> int:
    """Queue an activity for every recipient's inbox in one transaction; rows written.

    ``recipients`` are actor URIs (or the sender's followers collection); None means the
    activity's own addressing. Local actors get it in their inbox collection at once;
    remote ones share a row per (shared) inbox (ActivityPub §7.1). bto/bcc are never sent.
    """
    queue = app[DELIVERY]
    uris = addressed(activity) if recipients is None else recipients
    found = await expand_recipients(
        sender=sender,
        uris=uris,
        base_url=app[CONFIG].base_url,
        actors=app[ACTORS],
        deliveries=queue.store,
        resolve=lambda uri: _resolve_inbox(app, uri),
        known=lambda uris: app[REMOTE_ACTORS].inboxes(
            uris, int(time.time() * 1000) - ACTOR_TTL_SECONDS * 1000
        ),
        members=lambda pool_id: queue.store.member_inboxes(
            pool_id, int(time.time() * 1000) - ACTOR_TTL_SECONDS * 1000
        ),
    )
    body = json.dumps(
        without_private_addressing(activity), separators=(",", ":"), ensure_ascii=False
    ).encode("utf-8")
    targets = [
        DeliveryTarget(inbox, host, "skipped" if queue.is_unavailable(host) else "queued")
        for inbox, host in found.inboxes.items()
    ]
    written = await queue.store.enqueue(
        sender_id=sender.id,
        activity_uri=str(activity.get("id", "")),
        body=body,
        targets=targets,
        local_owner_ids=sorted(found.local_ids),
        now=time.time(),
        now_iso=now_iso(),
    )
    if written:
        queue.wake()
    return written


async def mark_host_alive(app: web.Application, host: str) -> None:
    """A host delivered to us or answered a probe: close its breaker, deliver to it again."""
    app[DELIVERY].mark_alive(host.lower())

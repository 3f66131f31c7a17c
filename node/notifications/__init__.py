"""Telling members what needs them: the notification list, email and direct messages.

Three clock rounds run outside the request path, from durable rows: the notifier
(``notifier.py``) turns what happened into notifications, mail jobs and direct messages; the
mailer (``mailer.py``) sends due mails; ``direct.py`` queues the direct messages for delivery.
Retention deletes old notifications and finished mail jobs. ``poolnode worker`` runs them when
the web processes leave the clocks to it.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from datetime import datetime, timedelta

from aiohttp import web

from node.appkeys import CONFIG, DB, WORKERS
from node.notifications.direct import send_direct_round
from node.notifications.mailer import mail_round
from node.notifications.notifier import HORIZON, commit_horizon, notify_round
from node.pool_engine.common import clock_worker, iso
from node.storage import MailStore, NotificationStore

__all__ = [
    "NOTIFY_INTERVAL",
    "mail_round",
    "notifications_ctx",
    "notify_round",
    "retain",
    "send_direct_round",
]

log = logging.getLogger("poolnode.notifications")

NOTIFY_INTERVAL: web.AppKey[float] = web.AppKey("notify_interval", float)
"""Seconds between the notifier's, the mailer's and the direct messages' rounds (default 1)."""

_RETAIN_BATCH = 500


async def retain(app: web.Application, now: datetime) -> int:
    """Delete notifications, finished mail jobs, records of sent direct messages and markers of
    events told older than the retention, and expired reset tokens; how many."""
    days = app[CONFIG].notification_retention_days
    if not days:
        return 0
    cutoff = iso(now - timedelta(days=days))
    return (await NotificationStore(app[DB]).delete_before(cutoff, _RETAIN_BATCH) +
            await MailStore(app[DB]).delete_done_before(cutoff, _RETAIN_BATCH, now=iso(now)))


async def _round(app: web.Application, now: datetime) -> None:
    await notify_round(app, now)
    await send_direct_round(app, now)
    await mail_round(app, now)


async def notifications_ctx(app: web.Application) -> AsyncIterator[None]:
    """Cleanup context: the notification rounds (unless ``poolnode worker`` runs them)."""
    running = app.get(WORKERS, True)
    app[HORIZON] = commit_horizon(app)
    if running:
        await MailStore(app[DB]).release_locks()
    interval = app.get(NOTIFY_INTERVAL, 1.0)
    async with AsyncExitStack() as stack:
        await stack.enter_async_context(clock_worker(
            "notifications", interval, lambda now: _round(app, now), log,
            "notification round failed", running=running))
        await stack.enter_async_context(clock_worker(
            "notification-retention", 3600.0, lambda now: retain(app, now), log,
            "notification retention failed", running=running))
        yield

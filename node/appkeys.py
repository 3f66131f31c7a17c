"""Every typed key stored on the aiohttp application, in one place."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import aiohttp
import jinja2
from aiohttp import web

from federation.fetch import Fetcher
from node.config import Config
from node.inbox.keys import KeyCache
from node.inbox.limits import InboxLimits
from node.inbox.writer import InboxWriter
from node.storage import (
    ActorStore,
    Database,
    FollowStore,
    IdempotencyStore,
    InboxStore,
    ObjectStore,
    ReceivedObjectStore,
    RemoteActorStore,
    TokenStore,
    WebStore,
)

__all__ = [
    "ACTORS",
    "CONFIG",
    "CSRF_SECRET",
    "DB",
    "DELIVERY",
    "FETCHER",
    "FOLLOWS",
    "HTTP_SESSION",
    "IDEMPOTENCY",
    "IDEMPOTENCY_IN_FLIGHT",
    "INBOX",
    "INBOX_LIMITS",
    "INBOX_WAKE",
    "INBOX_WORKER_ENABLED",
    "INBOX_WRITER",
    "KEY_CACHE",
    "LANGUAGES",
    "OBJECTS",
    "RECEIVED",
    "REMOTE_ACTORS",
    "RESOLVING",
    "TEMPLATES",
    "TOKENS",
    "WEB",
    "WORKERS",
]

CONFIG = web.AppKey("config", Config)
DB = web.AppKey("db", Database)
WORKERS = web.AppKey("workers", bool)
"""Whether this process drains the queues (inbox, deliveries) and runs the clocks (closing
proposals, obligations, floods, inbox retention): True unless ``serve --no-workers``, whose
queues a ``poolnode worker`` process drains (docs/OPERATIONS.md, "Several processes")."""
ACTORS = web.AppKey("actors", ActorStore)
TOKENS = web.AppKey("tokens", TokenStore)
OBJECTS = web.AppKey("objects", ObjectStore)
# C2S Idempotency-Key (node/idempotency.py): the stored keys, and those this process is serving.
IDEMPOTENCY = web.AppKey("idempotency", IdempotencyStore)
IDEMPOTENCY_IN_FLIGHT = web.AppKey("idempotency_in_flight", set)

# Receiving side of federation (inbox, remote actors, follows).
HTTP_SESSION = web.AppKey("http_session", aiohttp.ClientSession)
FETCHER = web.AppKey("fetcher", Fetcher)
REMOTE_ACTORS = web.AppKey("remote_actors", RemoteActorStore)
FOLLOWS = web.AppKey("follows", FollowStore)
INBOX = web.AppKey("inbox", InboxStore)
RECEIVED = web.AppKey("received_objects", ReceivedObjectStore)
KEY_CACHE = web.AppKey("key_cache", KeyCache)
INBOX_WRITER = web.AppKey("inbox_writer", InboxWriter)
INBOX_LIMITS = web.AppKey("inbox_limits", InboxLimits)
INBOX_WAKE = web.AppKey("inbox_wake", asyncio.Event)
INBOX_WORKER_ENABLED = web.AppKey("inbox_worker_enabled", bool)
"""False keeps received items queued unprocessed (tests of crash recovery set it)."""
RESOLVING = web.AppKey("resolving_actors", dict)
"""Actor fetches in flight, by actor id, so concurrent requests share one fetch."""

if TYPE_CHECKING:  # the queue's package uses these keys: only the type checker imports it
    from node.delivery.queue import DeliveryQueue

# Sending side of federation: the delivery workers (node/delivery).
DELIVERY: web.AppKey[DeliveryQueue] = web.AppKey("delivery")

# The web app for people (node/web): its SQL and its templates.
WEB = web.AppKey("web", WebStore)
TEMPLATES = web.AppKey("templates", jinja2.Environment)
CSRF_SECRET = web.AppKey("csrf_secret", bytes)
"""The key of anonymous visitors' CSRF tokens (node/web/csrf.py), from the data directory."""

if TYPE_CHECKING:  # the web app's own module: only the type checker imports it here
    from node.web.i18n import Languages

LANGUAGES: web.AppKey[Languages] = web.AppKey("languages")
"""The languages the web app speaks: English and every compiled catalog (node/web/i18n.py)."""

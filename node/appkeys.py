"""Every typed key stored on the aiohttp application, in one place."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from node.config import Config
from node.storage import ActorStore, Database, ObjectStore, TokenStore

__all__ = ["ACTORS", "CONFIG", "DB", "DELIVERY", "OBJECTS", "TOKENS"]

CONFIG = web.AppKey("config", Config)
DB = web.AppKey("db", Database)
ACTORS = web.AppKey("actors", ActorStore)
TOKENS = web.AppKey("tokens", TokenStore)
OBJECTS = web.AppKey("objects", ObjectStore)

if TYPE_CHECKING:  # the queue's package uses these keys: only the type checker imports it
    from node.delivery.queue import DeliveryQueue

# Sending side of federation: the delivery workers (node/delivery).
DELIVERY: web.AppKey[DeliveryQueue] = web.AppKey("delivery")

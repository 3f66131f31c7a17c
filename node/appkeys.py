"""Every typed key stored on the aiohttp application, in one place."""

from __future__ import annotations

from aiohttp import web

from node.config import Config
from node.storage import ActorStore, Database, ObjectStore, TokenStore

__all__ = ["ACTORS", "CONFIG", "DB", "OBJECTS", "TOKENS"]

CONFIG = web.AppKey("config", Config)
DB = web.AppKey("db", Database)
ACTORS = web.AppKey("actors", ActorStore)
TOKENS = web.AppKey("tokens", TokenStore)
OBJECTS = web.AppKey("objects", ObjectStore)

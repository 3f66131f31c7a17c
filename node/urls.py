"""The URL layout of a node: where actors, objects and collections live."""

from __future__ import annotations

import re
import uuid

from node.config import Config
from node.errors import InvalidRequest

__all__ = ["USERNAME_RULE", "actor_uri", "check_username", "new_object_uri"]

USERNAME_RULE = "1 to 30 characters: lowercase letters, digits and underscores"
_USERNAME = re.compile(r"^[a-z0-9_]{1,30}$")
_PATH_OF_KIND = {"pool": "pools", "member": "users"}


def check_username(name: str) -> str:
    """A valid local username (lowercased), or InvalidRequest saying what is allowed."""
    candidate = name.strip().lower()
    if not _USERNAME.fullmatch(candidate):
        raise InvalidRequest(f"invalid name {name!r}: use {USERNAME_RULE}")
    return candidate


def actor_uri(config: Config, kind: str, username: str) -> str:
    """Pools are Groups at /pools/NAME, member accounts Persons at /users/NAME."""
    return config.url(f"/{_PATH_OF_KIND[kind]}/{username}")


def new_object_uri(config: Config, what: str = "objects") -> str:
    """A fresh id on this node for an object or activity."""
    return config.url(f"/{what}/{uuid.uuid4()}")

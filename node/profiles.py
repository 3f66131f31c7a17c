"""An account's ``Update`` of itself, posted to its outbox (ActivityPub §6.3): its profile.

The node keeps an account's display name and summary; everything else of its actor document
(its id, keys, inbox, collections, username) is the node's, so an Update of the account
changes ``name`` (one line, at most :data:`MAX_NAME` characters) and ``summary`` (at most
:data:`MAX_SUMMARY`); ``null`` empties them. Naming any other field with another value than the
document's is refused with the reason. The Update delivered carries the whole new actor
document, to the account's followers as well as to whom the client addressed.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from aiohttp import web

from node.appkeys import ACTORS, CONFIG
from node.documents import actor_document
from node.errors import InvalidRequest
from node.outbox import PreparedActivity
from node.request_text import check_one_line
from node.storage import ActorRecord

__all__ = ["MAX_NAME", "MAX_SUMMARY", "update_profile"]

MAX_NAME = 80
"""The longest display name (the web app's sign-up form says the same)."""
MAX_SUMMARY = 500
"""The longest summary, in characters."""
_ANY = ("@context", "id")


def _listed(value: object) -> list[Any]:
    return value if isinstance(value, list) else [value] if value is not None else []


def _text(change: dict[str, Any], field: str, current: str, most: int) -> str:
    if field not in change:
        return current
    value = change[field]
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidRequest(f"an account's '{field}' is text")
    value = value.strip()
    if len(value) > most:
        raise InvalidRequest(f"an account's '{field}' is at most {most} characters")
    return value


async def update_profile(app: web.Application, owner: ActorRecord,
                         prepared: PreparedActivity) -> PreparedActivity:
    """Apply the account's Update of itself and deliver its new actor document."""
    change = prepared.activity["object"]
    document = actor_document(app[CONFIG], owner)
    for key, value in change.items():
        if key in _ANY or key in ("name", "summary") or value == document.get(key):
            continue
        raise InvalidRequest(f"an Update of an account changes its 'name' and 'summary' only, not '{key}'")
    check_one_line(change.get("name"), "name")
    name = _text(change, "name", owner.display_name, MAX_NAME)
    summary = _text(change, "summary", owner.summary, MAX_SUMMARY)
    changed = await app[ACTORS].set_profile(owner.id, name, summary) or owner
    activity = dict(prepared.activity)
    activity["object"] = actor_document(app[CONFIG], changed)
    followers = document["followers"]
    to, cc = (_listed(activity.get(field)) for field in ("to", "cc"))
    if followers not in to and followers not in cc:
        activity["cc"] = [*cc, followers]
    return dataclasses.replace(prepared, activity=activity)

"""Shape and origin checks on a received activity (FEP-fe34), before it is stored.

The signature proves who sent the request; these rules decide what that sender may say:

* The activity's ``id`` must be on the actor's origin (scheme, host and port).
* An embedded object is trusted as sent only if it comes from the actor's origin.
  From another origin we do NOT refetch it in the request path (that would block the
  inbox on a remote server): an ``Announce`` keeps only the object's id (the worker or a
  reader fetches it by id later); ``Accept``/``Reject`` keep it, because their handlers
  only act on the Follow *we* stored under that id; every other type is refused with 403.
* ``Create``: the object's ``attributedTo`` must be on the actor's origin as well; an object
  without ``attributedTo`` is taken as the actor's (it is stored with the actor as author).
* ``Undo``: the undone activity must be the actor's own.
* ``Update``/``Delete``: only the object's owner: the object is on the actor's origin and
  is the actor itself or attributed to it (the view also checks a stored object's owner).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from federation.errors import BadActivity, ForbiddenOrigin

__all__ = ["ACTOR_TYPES", "check_origins", "check_shape", "object_id", "same_origin"]

ACTOR_TYPES = frozenset({"Application", "Group", "Organization", "Person", "Service"})
_MAX_ID = 2048


_DEFAULT_PORTS = {"http": 80, "https": 443}


@lru_cache(maxsize=4096)
def _origin(url: str) -> tuple[str, str, int | None]:
    # On the hot path for every request: a plain split is several times faster than
    # urlsplit, and the cache answers an actor's repeated URLs (its id, key and objects'
    # authors) without splitting again; ids that are not absolute http(s) URLs were
    # refused by check_shape.
    scheme, _, rest = url.partition("://")
    scheme = scheme.lower()
    authority = rest
    for stop in "/?#":
        authority = authority.split(stop, 1)[0]
    authority = authority.rpartition("@")[2].lower()
    if authority.startswith("["):
        host, _, tail = authority[1:].partition("]")
        port_text = tail[1:] if tail.startswith(":") else ""
    else:
        host, _, port_text = authority.partition(":")
    if not port_text:
        return scheme, host, _DEFAULT_PORTS.get(scheme)
    # A port that is not ASCII digits ("²" is a digit to str.isdigit) is no port at all:
    # -1 matches no real origin, and check_shape refuses such ids.
    return scheme, host, int(port_text) if port_text.isascii() and port_text.isdigit() else -1


def same_origin(a: str, b: str) -> bool:
    """Whether two URLs share scheme, host and port (RFC 6454 §4)."""
    return _origin(a) == _origin(b)


def _absolute_url(value: object) -> bool:
    if not isinstance(value, str) or len(value) > _MAX_ID or not value.isprintable():
        return False
    scheme, host, port = _origin(value)
    return "://" in value and port != -1 and scheme in ("http", "https") and bool(host) and " " not in value


def object_id(value: object) -> str | None:
    """The id of an object given by reference or embedded."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and isinstance(value.get("id"), str):
        return str(value["id"])
    return None


def check_shape(activity: dict[str, Any]) -> dict[str, Any]:
    """An activity with string ``id`` (absolute http(s) URL), ``type`` and ``actor``; 400 otherwise.

    An embedded actor is reduced to its id.
    """
    if "id" not in activity:
        raise BadActivity("the activity has no 'id'")
    if not _absolute_url(activity["id"]):
        raise BadActivity("the activity 'id' must be an absolute http(s) URL")
    kind = activity.get("type")
    if not isinstance(kind, str) or not kind:
        raise BadActivity("the activity has no 'type' string")
    actor = object_id(activity.get("actor"))
    if actor is None:
        raise BadActivity("the activity has no 'actor'")
    if not _absolute_url(actor):
        raise BadActivity("the activity 'actor' must be an absolute http(s) URL")
    if activity["actor"] != actor:
        activity = {**activity, "actor": actor}
    return activity


def _first_id(value: object) -> str | None:
    if isinstance(value, list):
        return object_id(value[0]) if value else None
    return object_id(value)


def check_origins(activity: dict[str, Any]) -> dict[str, Any]:
    """Apply the origin rules above; returns the activity to store (maybe with its object by id)."""
    actor: str = activity["actor"]
    kind: str = activity["type"]
    home = _origin(actor)
    if _origin(activity["id"]) != home:
        raise ForbiddenOrigin("the activity id is not on the actor's origin")
    obj = activity.get("object")
    if isinstance(obj, dict):
        embedded_id = object_id(obj)
        foreign = embedded_id is None or _origin(embedded_id) != home
        if kind == "Announce" and foreign:
            if embedded_id is None:
                raise BadActivity("the announced object has no id")
            return {**activity, "object": embedded_id}
        if foreign and kind not in ("Accept", "Reject"):
            raise ForbiddenOrigin("the embedded object is from another origin than the actor")
        if kind == "Create":
            author = _first_id(obj.get("attributedTo"))
            if author is None:
                # No author named: the object is the creating actor's (as Mastodon reads it).
                activity = {**activity, "object": {**obj, "attributedTo": actor}}
            elif _origin(author) != home:
                raise ForbiddenOrigin("the created object is attributed to another origin")
        if kind == "Undo" and object_id(obj.get("actor")) != actor:
            raise ForbiddenOrigin("an actor can only undo its own activities")
    if kind in ("Update", "Delete"):
        _check_owner(actor, obj, kind)
    return activity


def _check_owner(actor: str, obj: object, kind: str) -> None:
    target = object_id(obj)
    if target is None:
        raise BadActivity(f"a {kind} needs an 'object' with an id")
    reason = f"only the object's owner may {kind.lower()} it"
    if not same_origin(target, actor):
        raise ForbiddenOrigin(reason)
    if target == actor or not isinstance(obj, dict):
        return
    author = _first_id(obj.get("attributedTo"))
    if author is not None and author != actor:
        raise ForbiddenOrigin(reason)
    if author is None and obj.get("type") in ACTOR_TYPES:
        raise ForbiddenOrigin(reason)

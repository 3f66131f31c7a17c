"""Turning what a client posts to its outbox into a stored activity (ActivityPub §6)."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from node.accounts import now_iso
from node.config import Config
from node.documents import AS_CONTEXT
from node.errors import Forbidden, InvalidRequest
from node.request_text import check_one_line
from node.storage import ActorRecord
from node.urls import new_object_uri

__all__ = ["ACTIVITY_TYPES", "PreparedActivity", "prepare_client_activity"]

# ActivityStreams 2 Vocabulary §3.1 activity types, plus the intransitive ones.
ACTIVITY_TYPES = frozenset(
    {
        "Accept", "Add", "Announce", "Arrive", "Block", "Create", "Delete", "Dislike", "Flag",
        "Follow", "Ignore", "Invite", "Join", "Leave", "Like", "Listen", "Move", "Offer",
        "Question", "Reject", "Read", "Remove", "TentativeReject", "TentativeAccept",
        "Travel", "Undo", "Update", "View",
    }
)
_ADDRESSING = ("to", "cc", "bto", "bcc", "audience")
# Questions are objects that behave like activities; a client posting one means a poll.
_OBJECT_LIKE_ACTIVITIES = {"Question"}
# Fields that are one line of text (a title, a name): no line break, tab or control character.
_ONE_LINE = ("name", "preferredUsername")


@dataclass(frozen=True, slots=True)
class PreparedActivity:
    """An activity ready to store: ids assigned, actor set, bto/bcc kept aside."""

    activity: dict[str, Any]
    created_object: dict[str, Any] | None
    private_recipients: tuple[str, ...]
    published: str


def _addresses(value: object, field: str) -> list[str]:
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    if not all(isinstance(item, str) and item for item in items):
        raise InvalidRequest(f"'{field}' must be a URL or a list of URLs")
    return list(items)


def _type_of(document: dict[str, Any], where: str) -> str:
    kind = document.get("type")
    if not isinstance(kind, str) or not kind:
        raise InvalidRequest(f"{where} must have a 'type' string")
    return kind


def prepare_client_activity(
    config: Config, owner: ActorRecord, body: dict[str, Any]
) -> PreparedActivity:
    """Assign ids, wrap a bare object in a Create (§6.2), check the actor is the poster (§6)."""
    body = copy.deepcopy(body)
    published = now_iso()
    kind = _type_of(body, "the posted document")
    for holder in (body, body.get("object")):
        if isinstance(holder, dict):
            for field in _ONE_LINE:
                check_one_line(holder.get(field), field)
    is_activity = kind in ACTIVITY_TYPES and kind not in _OBJECT_LIKE_ACTIVITIES
    if not is_activity:
        body = {"type": "Create", "object": body, "@context": body.get("@context", AS_CONTEXT)}
        for field in _ADDRESSING:
            if field in body["object"]:
                body[field] = copy.deepcopy(body["object"][field])
    if "actor" in body and body["actor"] != owner.uri:
        raise Forbidden("the activity's 'actor' must be the owner of this outbox")
    body.setdefault("@context", AS_CONTEXT)
    body["actor"] = owner.uri
    body["id"] = new_object_uri(config, "activities")
    body["published"] = published

    created: dict[str, Any] | None = None
    if body["type"] == "Create":
        obj = body.get("object")
        if not isinstance(obj, dict):
            raise InvalidRequest("a Create must embed the object it creates")
        _type_of(obj, "the created object")
        if "attributedTo" in obj and obj["attributedTo"] != owner.uri:
            raise Forbidden("the object's 'attributedTo' must be the owner of this outbox")
        obj["id"] = new_object_uri(config, "objects")
        obj["attributedTo"] = owner.uri
        obj["published"] = published
        obj.setdefault("@context", body["@context"])
        for field in _ADDRESSING:
            if field in body and field not in obj:
                obj[field] = copy.deepcopy(body[field])
        created = obj
    elif "object" not in body and kind not in ("Arrive", "Travel", "Question"):
        raise InvalidRequest(f"a {kind} activity needs an 'object'")

    private: list[str] = []
    for holder in (body, created):
        if holder is None:
            continue
        for field in _ADDRESSING:
            addresses = _addresses(holder.get(field), field)
            if field in ("bto", "bcc"):
                private.extend(addresses)
                holder.pop(field, None)
    return PreparedActivity(body, created, tuple(dict.fromkeys(private)), published)

"""Discussion documents on the wire: the pool's ``Page``, a thread's items, ``Tombstone``s.

Pure builders: the engine, the ActivityPub views and docs/PROTOCOL.md's examples use the same
functions. A discussion is a ``Page`` the pool owns (it opened it from a member's draft, as it
opens proposals); ``startedBy`` names the member. A thread's ``replies`` collection lists every
comment of the thread (replies to comments too: each names its ``inReplyTo``).
"""

from __future__ import annotations

from typing import Any

from schemas import AS_CONTEXT_URL, AS_PUBLIC, POOLNODE_CONTEXT_URL

__all__ = [
    "DISCUSSION_CONTEXT",
    "addressing",
    "discussion_document",
    "reply_item",
    "tombstone",
]

DISCUSSION_CONTEXT = [AS_CONTEXT_URL, POOLNODE_CONTEXT_URL]


def addressing(pool: str, *, public: bool) -> dict[str, list[str]]:
    """Who a pool's thread is for: everyone (its record is public) or its members only."""
    if public:
        return {"to": [AS_PUBLIC], "cc": [pool, pool + "/followers"]}
    return {"to": [pool + "/members"], "cc": [pool]}


def discussion_document(uri: str, pool: str, author: str, title: str, content: str,
                        published: str, *, public: bool, updated: str | None = None) -> dict[str, Any]:
    """The pool's Page for a discussion: title, opening post (sanitised HTML), its thread."""
    document: dict[str, Any] = {
        "@context": DISCUSSION_CONTEXT,
        "id": uri,
        "type": "Page",
        "attributedTo": pool,
        "audience": pool,
        "startedBy": author,
        "name": title,
        "content": content,
        "mediaType": "text/html",
        "url": uri,
        "replies": uri + "/replies",
        "published": published,
        **addressing(pool, public=public),
    }
    if updated is not None:
        document["updated"] = updated
    return document


def tombstone(uri: str, former_type: str, deleted: str | None, **extra: Any) -> dict[str, Any]:
    """What a deleted object becomes (ActivityPub §6.4; AS2 Vocabulary §Tombstone); a hidden
    comment is shown as one too, without ``deleted``."""
    document: dict[str, Any] = {"@context": AS_CONTEXT_URL, "id": uri, "type": "Tombstone",
                                "formerType": former_type}
    if deleted is not None:
        document["deleted"] = deleted
    return {**document, **extra}


def reply_item(document: dict[str, Any], *, hidden_reason: str | None, deleted_at: str | None,
               hidden_at: str | None) -> dict[str, Any]:
    """A comment as its thread's ``replies`` collection lists it: the Note, or a Tombstone when
    its author deleted it or a steward hid it (the reason as ``summary``)."""
    if deleted_at is not None:
        return tombstone(document["id"], "Note", deleted_at, inReplyTo=document.get("inReplyTo"))
    if hidden_at is not None:
        return tombstone(document["id"], "Note", None, inReplyTo=document.get("inReplyTo"),
                         summary=f"Hidden by a steward: {hidden_reason}")
    return {key: value for key, value in document.items() if key not in ("bto", "bcc")}

"""Create(Note) that mentions a local pool with the word "join": a fediverse account applies.

Mastodon and most fediverse servers cannot send a ``Join``; what their people can send is a
post that mentions the pool (``@commons@pools.example join``). Such a Note, delivered to the
pool and tagging it with a ``Mention``, is an application exactly like a Join (the Create's id
stands for the Join's), under the same admission policy (docs/FEDERATION.md, "Applying from
Mastodon"). Because Mastodon shows no ``Accept`` or ``Reject``, the pool also answers with a
post that mentions the applicant and says where their application stands.
"""

from __future__ import annotations

import html
import re
from typing import Any

from governance import AdmissionPolicy, format_money
from node.appkeys import ACTORS, CONFIG
from node.delivery.replies import reply
from node.handlers import join
from node.handlers.context import Inbound
from node.pools import load_bylaws
from node.storage import ActorRecord
from node.urls import new_object_uri

__all__ = ["JOIN_WORDS", "handle", "join_request_pool"]

JOIN_WORDS = ("join", "apply")
_TAG = re.compile(r"<[^>]*>")
_HANDLE = re.compile(r"@[\w.-]+(?:@[\w.:-]+)?")
_WORD = re.compile(r"[a-z]+")


def _mentions(obj: dict[str, Any]) -> set[str]:
    tags = obj.get("tag")
    tags = tags if isinstance(tags, list) else [tags]
    return {str(t["href"]) for t in tags
            if isinstance(t, dict) and t.get("type") == "Mention" and isinstance(t.get("href"), str)}


def _words(content: object) -> set[str]:
    text = html.unescape(_TAG.sub(" ", content)) if isinstance(content, str) else ""
    return set(_WORD.findall(_HANDLE.sub(" ", text).lower()))


def join_request_pool(inbound: Inbound) -> ActorRecord | None:
    """The local pool a Note asks to join: delivered to it, tagging it with a Mention, and
    saying "join" or "apply" (besides the mentions themselves); else None."""
    obj = inbound.object
    if not isinstance(obj, dict) or obj.get("type") != "Note" or obj.get("inReplyTo"):
        return None
    mentioned = _mentions(obj)
    pool = next((a for a in inbound.recipients if a.is_pool and a.uri in mentioned), None)
    if pool is None or not _words(obj.get("content")) & set(JOIN_WORDS):
        return None
    return pool


async def _tell(inbound: Inbound, pool: ActorRecord, text: str) -> None:
    """A post from the pool that mentions the applicant (Mastodon shows it as a notification)."""
    app = inbound.app
    note_id = new_object_uri(app[CONFIG], "objects")
    note = {
        "id": note_id, "type": "Note", "attributedTo": pool.uri, "to": [inbound.actor],
        "inReplyTo": inbound.object["id"], "content": f"<p>{html.escape(text)}</p>",
        "tag": [{"type": "Mention", "href": inbound.actor}],
    }
    await reply(app, pool, "Create", note, inbound.actor)


async def handle(inbound: Inbound, pool: ActorRecord) -> None:
    """Apply on the sender's behalf, then tell them where the application stands."""
    state = await join.apply(inbound, pool, None)
    if state is None:
        return  # refused: the Reject carries the reason
    bylaws = await load_bylaws(inbound.app[ACTORS], pool)
    page = pool.uri
    if state == "member":
        text = f"Welcome: you are a member of {pool.display_name}, with one vote like everyone. {page}"
    else:
        how = {AdmissionPolicy.OPEN: "it waits for your minimum share",
               AdmissionPolicy.STEWARD: "a steward of the pool decides",
               AdmissionPolicy.VOTE: "the members vote on it"}[bylaws.admission]
        text = f"Your application to {pool.display_name} is recorded; {how}."
        if bylaws.min_share:
            text += (f" The bylaws ask a minimum share of "
                     f"{format_money(bylaws.min_share, bylaws.currency)}: ask the treasurer how to pay it.")
        text += f" {page}"
    await _tell(inbound, pool, text)

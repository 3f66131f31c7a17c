"""docs/PROTOCOL.md's discussion examples, built with the node's own discussion code.

``tests/node/pools/protocol_examples.py`` merges these into every example it renders; the
pool, the people and the proposal are the same as there.
"""

from __future__ import annotations

from typing import Any

from node.discussion.blocks import BLOCKED
from node.discussion.content import text_to_html
from node.discussion.documents import addressing, discussion_document, reply_item, tombstone
from node.documents import collection_page_document
from schemas import ACTOR_CONTEXT, AS_CONTEXT_URL, AS_PUBLIC

B = "https://b.example"
A = "https://a.example"
POOL = B + "/pools/commons"
PROPOSAL = POOL + "/proposals/7d1f5a9e-3c2b-4e8f-9a61-0b2c4d6e8f10"
ANA, BO = A + "/users/ana", B + "/users/bo"
MO = "https://mastodon.example/users/mo"
DISCUSSION = POOL + "/discussions/3f6c2d1e-8a4b-4c9d-9e7f-1a2b3c4d5e6f"
AT, LATER = "2025-03-01T12:00:00Z", "2025-03-01T13:00:00Z"


def _activity(kind: str, actor: str, obj: Any, key: str, **extra: Any) -> dict[str, Any]:
    host = actor.split("/users/")[0].split("/pools/")[0]
    return {"@context": ACTOR_CONTEXT if actor == POOL else AS_CONTEXT_URL,
            "id": f"{host}/activities/{key}", "type": kind, "actor": actor, "object": obj,
            "published": AT, **extra}


def _pool_activity(kind: str, obj: Any, key: str) -> dict[str, Any]:
    """As ``node.pool_engine.common.publish`` sends it (members in ``to``, followers in ``cc``)."""
    return {"@context": ACTOR_CONTEXT, "id": f"{B}/activities/{key}", "type": kind, "actor": POOL,
            "object": obj, "to": [AS_PUBLIC, ANA, BO], "cc": [POOL + "/followers"], "published": AT}


def discussion_examples() -> dict[str, dict[str, Any]]:
    """Every discussion example, by name."""
    out: dict[str, dict[str, Any]] = {}
    text = "Which tools should we share first? A drill, or a saw?"
    draft = {"@context": AS_CONTEXT_URL, "id": A + "/objects/page-1", "type": "Page",
             "attributedTo": ANA, "audience": POOL, "name": "Which tools first?",
             "content": text_to_html(text), "source": {"content": text, "mediaType": "text/plain"},
             "to": [POOL], "published": AT}
    out["discussion-draft"] = _activity("Create", ANA, draft, "create-page-1", to=[POOL], audience=POOL)
    page = discussion_document(DISCUSSION, POOL, ANA, draft["name"], draft["content"], AT, public=True)
    out["create-discussion"] = _pool_activity("Create", page, "create-discussion-1")

    reply_text = "The drill first, @bo@b.example: it is the one we all need."
    content = text_to_html(reply_text, {"@bo@b.example": BO})
    note = {"@context": AS_CONTEXT_URL, "id": A + "/objects/note-1", "type": "Note",
            "attributedTo": ANA, "inReplyTo": PROPOSAL, "content": content,
            "source": {"content": reply_text, "mediaType": "text/plain"},
            "tag": [{"type": "Mention", "href": BO, "name": "@bo@b.example"}],
            "published": AT, **addressing(POOL, public=True)}
    note["cc"] = [*note["cc"], BO]
    out["create-comment"] = _activity("Create", ANA, note, "create-note-1", to=note["to"], cc=note["cc"])
    out["announce-comment"] = _pool_activity("Announce", note, "announce-note-1")

    mastodon = {"id": MO + "/statuses/110", "type": "Note", "attributedTo": MO,
                "inReplyTo": PROPOSAL + "/question", "to": [AS_PUBLIC], "cc": [MO + "/followers", POOL],
                "content": '<p><span class="h-card"><a href="https://b.example/pools/commons" '
                           'class="u-url mention">@<span>commons</span></a></span> Yes, a cordless one</p>',
                "tag": [{"type": "Mention", "href": POOL, "name": "@commons@b.example"}],
                "published": AT}
    out["mastodon-reply"] = {"@context": AS_CONTEXT_URL, "id": MO + "/statuses/110/activity",
                             "type": "Create", "actor": MO, "object": mastodon,
                             "to": mastodon["to"], "cc": mastodon["cc"], "published": AT}
    out["reject-outside"] = {
        "@context": ACTOR_CONTEXT, "id": B + "/activities/reject-2", "type": "Reject", "actor": POOL,
        "object": out["mastodon-reply"]["id"], "to": [MO], "cc": [], "published": AT,
        "summary": "only members of the pool may take part in its discussions (bylaws: replies from "
                   "outside the pool are refused)"}

    changed = {**note, "content": text_to_html("The drill first: it is the one we all need."),
               "updated": LATER}
    del changed["tag"]
    out["update-comment"] = _activity("Update", ANA, changed, "update-note-1", to=note["to"], cc=note["cc"])
    out["announce-update"] = _pool_activity("Announce", out["update-comment"], "announce-update-1")
    out["delete-comment"] = _activity("Delete", ANA, {"id": note["id"], "type": "Tombstone"},
                                      "delete-note-1", to=note["to"], cc=note["cc"])
    out["tombstone"] = tombstone(note["id"], "Note", LATER, to=note["to"], cc=note["cc"])

    statement = {"@context": AS_CONTEXT_URL, "id": A + "/objects/note-2", "type": "Note",
                 "attributedTo": ANA, "inReplyTo": PROPOSAL, "outcomeOf": PROPOSAL,
                 "content": text_to_html("We buy the drill on Saturday; Bo keeps it in the shed."),
                 "published": "2025-03-08T13:00:00Z", **addressing(POOL, public=True)}
    out["outcome-statement"] = _activity("Create", ANA, statement, "create-note-2",
                                         to=statement["to"], cc=statement["cc"])

    hidden = reply_item(mastodon, hidden_reason="advertising", deleted_at=None, hidden_at=LATER)
    shown = reply_item(note, hidden_reason=None, deleted_at=None, hidden_at=None)
    out["replies-page"] = collection_page_document(PROPOSAL + "/replies", [hidden, shown],
                                                   before=None, next_before=None)
    out["block"] = _activity("Block", ANA, MO, "block-1", to=[])
    out["pool-block"] = _activity("Block", BO, MO, "block-2", target=POOL,
                                  summary="Selling followers in every thread", to=[])
    out["reject-blocked"] = {
        "@context": ACTOR_CONTEXT, "id": B + "/activities/reject-3", "type": "Reject", "actor": POOL,
        "object": MO.rsplit("/users/", 1)[0] + "/users/mo/statuses/3/activity", "to": [MO], "cc": [],
        "published": AT, "summary": BLOCKED}
    return out

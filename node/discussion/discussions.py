"""A pool's discussions: a member's draft ``Page`` (sent to the pool, ``audience`` the pool)
opens a discussion the pool owns, as a draft ``Proposal`` opens a proposal; the pool publishes
it with ``Create(Page)``. The member edits or deletes the draft, and the pool its discussion.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiohttp import web

from governance import NotPermitted
from node.appkeys import ACTORS
from node.discussion.comments import check_rate, clean_content
from node.discussion.content import MAX_TITLE_CHARS
from node.discussion.documents import discussion_document, tombstone
from node.discussion.mentions import check_mentions, mentioned_actors
from node.discussion.threads import discussions
from node.errors import Gone, InvalidRequest
from node.pool_engine.common import iso, local_pool, new_id, publish, store
from node.pools import load_bylaws
from node.request_text import check_one_line
from node.storage import StoredDiscussion

__all__ = ["DISCUSSION_TYPES", "delete_discussion", "draft_pool", "edit_discussion", "open_discussion"]

DISCUSSION_TYPES = frozenset({"Page", "Article"})
"""Types of a draft that opens a discussion (Lemmy posts are Pages, some servers send Articles)."""


def draft_pool(draft: dict[str, Any]) -> str | None:
    """The pool a draft discussion is for: its ``audience`` (FEP-1b12), one id."""
    audience = draft.get("audience")
    if isinstance(audience, list) and len(audience) == 1:
        audience = audience[0]
    if isinstance(audience, dict):
        audience = audience.get("id")
    return audience if isinstance(audience, str) else None


def _title(draft: dict[str, Any]) -> str:
    title = draft.get("name")
    if not isinstance(title, str) or not title.strip():
        raise InvalidRequest("a discussion needs a title ('name')")
    check_one_line(title, "name")
    title = " ".join(title.split())
    if len(title) > MAX_TITLE_CHARS:
        raise InvalidRequest(f"a discussion's title is at most {MAX_TITLE_CHARS} characters")
    return title


async def _public(app: web.Application, pool: Any) -> bool:
    return (await load_bylaws(app[ACTORS], pool)).visibility.value == "public"


async def open_discussion(app: web.Application, draft: dict[str, Any], author: str,
                          at: datetime) -> StoredDiscussion:
    """Open a member's draft in the pool it names; the same draft twice opens once."""
    pool = await local_pool(app, draft_pool(draft))
    known = await discussions(app).discussion_by_source(draft["id"])
    if known is not None:
        return known
    title, content = _title(draft), clean_content(draft)
    check_mentions(draft)
    membership = await store(app).membership(pool.id, author)
    if membership is None or membership.state != "member":
        raise NotPermitted("not_a_member", "only a member of the pool may start a discussion")
    await check_rate(app, author, at)
    uri, published = new_id(pool, "discussions"), iso(at)
    document = discussion_document(uri, pool.uri, author, title, content, published,
                                   public=await _public(app, pool))
    opened = await discussions(app).add_discussion(
        pool.id, uri, draft["id"], author, title, content, document, published,
        mentioned_actors(draft))
    if opened.uri == uri:
        await publish(app, pool, "Create", document)
    return opened


async def edit_discussion(app: web.Application, actor: str, draft: dict[str, Any],
                          at: datetime) -> dict[str, Any] | None:
    """The member's new version of their draft (the whole of it: a title and an opening post):
    the pool updates its discussion and says so; the draft as kept, None if it opened none.
    A discussion stays in its pool: another ``audience`` is refused, none keeps the pool."""
    found = await discussions(app).discussion_by_source(draft["id"])
    if found is None:
        return None
    if found.author_uri != actor:
        raise NotPermitted("not_the_author", "only the member who started a discussion may edit it")
    if found.deleted_at is not None:
        raise Gone("this discussion was deleted")
    pool_uri = found.document.get("audience")
    if "audience" in draft and draft_pool(draft) != pool_uri:
        raise InvalidRequest("a discussion stays in the pool it was started in: an Update does not "
                             "change 'audience'")
    title, content = _title(draft), clean_content(draft)
    check_mentions(draft)
    pool = await local_pool(app, pool_uri)
    document = discussion_document(found.uri, pool.uri, found.author_uri, title, content,
                                   found.created_at, public=await _public(app, pool),
                                   updated=iso(at))
    await discussions(app).change_discussion(found.uri, title, content, document, iso(at))
    await publish(app, pool, "Update", document)
    return {**draft, "audience": draft.get("audience", pool.uri)}


async def delete_discussion(app: web.Application, actor: str, source: str,
                            at: datetime) -> StoredDiscussion | None:
    """The member deletes their draft: the discussion becomes a Tombstone, its thread closes."""
    found = await discussions(app).discussion_by_source(source)
    if found is None or found.deleted_at is not None:
        return found
    if found.author_uri != actor:
        raise NotPermitted("not_the_author", "only the member who started a discussion may delete it")
    pool = await local_pool(app, found.document.get("audience"))
    gone = tombstone(found.uri, "Page", iso(at))
    await discussions(app).change_discussion(found.uri, found.title, "", gone, iso(at), deleted=True)
    await publish(app, pool, "Delete", gone)
    return await discussions(app).discussion(found.uri)

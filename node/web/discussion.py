"""Discussions and comments in the browser: every action is the member's own C2S activity.

A comment is a ``Create(Note)`` posted to the member's outbox (``post_as``), an edit an
``Update``, a deletion a ``Delete``, a new discussion a ``Create(Page)``: the pool applies them
exactly as it would from any client. Typed text becomes HTML here (paragraphs, links, mentions
resolved to people). Stewards hide and show comments with a reason. Everything works without
JavaScript; a refused form comes back with the reason and the text kept.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from federation.one_line import as_one_line
from governance import GovernanceError
from node.appkeys import CONFIG
from node.discussion import discussions, moderate, thread_of
from node.discussion.content import MAX_COMMENT_CHARS, MAX_TITLE_CHARS, text_to_html
from node.discussion.mentions import mention_tags, resolve_mentions
from node.errors import Forbidden, InvalidRequest, NodeError, NotFound
from node.request_numbers import number_in_path
from node.storage import ActorRecord, StoredComment
from node.web.i18n import gettext as _
from node.web.outbox import post_as
from node.web.pools import _pool, require_record, viewer_membership
from node.web.refusals import refusal
from node.web.render import render
from node.web.sessions import current_user, require_user
from node.web.threads import thread_view

__all__ = ["discussion_page", "discussions_page", "routes"]

routes = web.RouteTableDef()

POOL = r"/pools/{name:[a-z0-9_]+}"
_COMMENT = POOL + r"/comments/{comment:\d+}"


class _Unpostable(InvalidRequest):
    """What was typed cannot be posted; the reason is the web app's own, in the reader's language."""


def _status(exc: GovernanceError | NodeError) -> int:
    return exc.status if isinstance(exc, NodeError) else exc.status_hint


def _message(exc: GovernanceError | NodeError) -> str:
    """Why a form was refused, as a sentence in the reader's language."""
    return exc.reason if isinstance(exc, _Unpostable) else refusal(exc)


def _path(request: web.Request, uri: str) -> str:
    return uri.removeprefix(request.app[CONFIG].base_url)


async def _note(request: web.Request, text: str, in_reply_to: str, **extra: Any) -> dict[str, Any]:
    """The Note a member's typed text makes: HTML, the mentions linked and tagged, the source."""
    # A browser sends each line break of a textarea as CRLF but counts it as one character
    # against maxlength: count it once here too, or a text the form accepted is refused.
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        raise _Unpostable(_("Write something first."))
    if len(text) > MAX_COMMENT_CHARS:
        raise _Unpostable(_("A comment is at most %(most)d characters.", most=MAX_COMMENT_CHARS))
    mentions = await resolve_mentions(request.app, text)
    return {"type": "Note", "content": text_to_html(text, mentions), "inReplyTo": in_reply_to,
            "tag": mention_tags(request.app, mentions),
            "source": {"content": text, "mediaType": "text/plain"}, **extra}


async def _retry(request: web.Request, pool: ActorRecord, exc: GovernanceError | NodeError,
                 action: str, fields: dict[str, str], back: str) -> web.Response:
    """The form again, with the reason beside the field and what was typed in it."""
    field = "reason" if "reason" in fields else "text"
    return await render(request, "comment_form.html", {
        "pool": pool, "errors": {field: _message(exc)}, "action": action,
        "fields": fields, "back": back, "max_chars": MAX_COMMENT_CHARS, "heading": None,
    }, status=_status(exc), form=True)


# --------------------------------------------------------------------------- discussions


async def discussions_page(request: web.Request, params: dict[str, str], *,
                           errors: dict[str, str] | None = None, values: dict[str, str] | None = None,
                           status: int = 200) -> web.Response:
    """A pool's discussions, newest first, and a form to start one."""
    pool = await _pool(request, params["name"])
    await require_record(request, pool)
    membership = await viewer_membership(request, pool)
    found = await discussions(request.app).discussions_of_pool(pool.id, limit=100)
    items = [{"discussion": d, "path": _path(request, d.uri),
              "comments": await discussions(request.app).count_thread(d.uri)} for d in found]
    return await render(request, "discussions.html", {
        "pool": pool, "items": items, "errors": errors or {}, "values": values or {},
        "is_member": membership is not None and membership.state == "member",
        "max_chars": MAX_COMMENT_CHARS, "max_title": MAX_TITLE_CHARS,
    }, status=status, form=True)


@routes.post(POOL + "/discussions", name="web.start_discussion")
async def start_discussion(request: web.Request) -> web.StreamResponse:
    """Start a discussion: the member's Create(Page), which the pool opens."""
    user = require_user(request)
    pool = await _pool(request, request.match_info["name"])
    await require_record(request, pool)
    form = await request.post()
    values = {"title": as_one_line(str(form.get("title", ""))), "text": str(form.get("text", ""))}
    errors: dict[str, str] = {}  # each beside its field; what the pool refuses, above the form
    if not values["title"]:
        errors["title"] = _("Give the discussion a title.")
    elif len(values["title"]) > MAX_TITLE_CHARS:
        errors["title"] = _("A title is at most %(most)d characters.", most=MAX_TITLE_CHARS)
    try:
        note = await _note(request, values["text"], pool.uri)
    except (GovernanceError, NodeError) as exc:
        errors["text"] = _message(exc)
    if errors:
        return await discussions_page(request, {"name": pool.username}, errors=errors, values=values,
                                      status=400)
    draft = {"type": "Page", "name": values["title"], "content": note["content"],
             "tag": note["tag"], "source": note["source"], "audience": pool.uri, "to": [pool.uri]}
    try:
        activity = await post_as(request.app, user, draft)
    except (GovernanceError, NodeError) as exc:
        return await discussions_page(request, {"name": pool.username}, errors={"form": _message(exc)},
                                      values=values, status=_status(exc))
    opened = await discussions(request.app).discussion_by_source(activity["object"]["id"])
    assert opened is not None
    raise web.HTTPSeeOther(_path(request, opened.uri))


async def discussion_page(request: web.Request, params: dict[str, str]) -> web.Response:
    """One discussion: its title, opening post, proposals started from it, and its thread."""
    pool = await _pool(request, params["name"])
    await require_record(request, pool)
    uri = f"{pool.uri}/discussions/{params['key']}"
    found = await discussions(request.app).discussion(uri)
    if found is None:
        raise NotFound(_("There is no such discussion in this pool."))
    user = current_user(request)
    membership = await viewer_membership(request, pool)
    from node.pool_engine.common import store
    from node.web.threads import author_of

    proposals = []
    for proposal_uri in await discussions(request.app).proposals_of(found.id):
        stored = await store(request.app).proposal(proposal_uri)
        if stored is not None:
            proposals.append({"title": stored.proposal.get("title", ""), "path": _path(request, stored.uri),
                              "state": stored.state})
    return await render(request, "discussion.html", {
        "pool": pool, "discussion": found, "author": await author_of(request.app, found.author_uri),
        "proposals": proposals, "deleted": found.deleted_at is not None,
        "is_member": membership is not None and membership.state == "member",
        "thread": await thread_view(request, pool, uri, user, membership),
    }, status=410 if found.deleted_at else 200, form=True)


# --------------------------------------------------------------------------- comments


async def _own_comment(request: web.Request) -> tuple[ActorRecord, ActorRecord, StoredComment]:
    user = require_user(request)
    pool = await _pool(request, request.match_info["name"])
    number = number_in_path(request, "comment", _("There is no such comment in this pool."))
    comment = await discussions(request.app).comment_by_row(number)
    if comment is None or comment.pool_id != pool.id or comment.deleted_at is not None:
        raise NotFound(_("There is no such comment in this pool."))
    return user, pool, comment


def _back(request: web.Request, comment: StoredComment) -> str:
    return f"{_path(request, comment.thread_uri)}#comment-{comment.id}"


@routes.post(POOL + "/comments", name="web.comment")
async def post_comment(request: web.Request) -> web.StreamResponse:
    """A comment, a reply, or a proposal's outcome statement, posted as the member's Note."""
    user = require_user(request)
    pool = await _pool(request, request.match_info["name"])
    await require_record(request, pool)  # a thread one may not read is not one to post in
    form = await request.post()
    fields = {key: str(form.get(key, "")) for key in ("in_reply_to", "text", "outcome_of")}
    target = await thread_of(request.app, fields["outcome_of"] or fields["in_reply_to"])
    replied = await discussions(request.app).comment(fields["in_reply_to"])
    thread_uri = replied.thread_uri if replied is not None else target.uri if target else None
    if thread_uri is None or (target is not None and target.pool.id != pool.id) or (
            replied is not None and replied.pool_id != pool.id):
        raise NotFound(_("There is no such thread in this pool."))
    back = _path(request, thread_uri)
    extra = {"outcomeOf": fields["outcome_of"]} if fields["outcome_of"] else {}
    try:
        note = await _note(request, fields["text"], fields["in_reply_to"] or thread_uri, **extra)
        activity = await post_as(request.app, user, note)
    except (GovernanceError, NodeError) as exc:
        return await _retry(request, pool, exc, request.path, fields, back)
    row = await discussions(request.app).comment(activity["object"]["id"])
    raise web.HTTPSeeOther(f"{back}#comment-{row.id}" if row else back)


@routes.get(_COMMENT + "/edit", name="web.edit_comment_form")
async def edit_form(request: web.Request) -> web.Response:
    """The author's comment in a form, as they typed it."""
    user, pool, comment = await _own_comment(request)
    if comment.author_uri != user.uri:
        raise Forbidden(_("Only the author of a comment may edit it."))
    source = comment.document.get("source")
    text = source.get("content") if isinstance(source, dict) else None
    if not isinstance(text, str):
        text = comment.document.get("content", "")
    return await render(request, "comment_form.html", {
        "pool": pool, "errors": {}, "action": request.path, "fields": {"text": text},
        "back": _back(request, comment), "max_chars": MAX_COMMENT_CHARS, "heading": "edit",
    }, form=True)


@routes.post(_COMMENT + "/edit", name="web.edit_comment")
async def edit(request: web.Request) -> web.StreamResponse:
    """The author's Update of their comment."""
    user, pool, comment = await _own_comment(request)
    form = await request.post()
    fields = {"text": str(form.get("text", ""))}
    try:
        note = await _note(request, fields["text"], str(comment.document.get("inReplyTo", "")))
        await post_as(request.app, user, {"type": "Update", "object": {
            "id": comment.uri, "content": note["content"], "tag": note["tag"], "source": note["source"]}})
    except (GovernanceError, NodeError) as exc:
        return await _retry(request, pool, exc, request.path, fields, _back(request, comment))
    raise web.HTTPSeeOther(_back(request, comment))


@routes.post(_COMMENT + "/delete", name="web.delete_comment")
async def delete(request: web.Request) -> web.StreamResponse:
    """The author's Delete of their comment (a note that it was deleted stays)."""
    user, _pool_record, comment = await _own_comment(request)
    await post_as(request.app, user, {"type": "Delete", "object": comment.uri})
    raise web.HTTPSeeOther(_back(request, comment))


@routes.post(_COMMENT + "/{action:hide|show}", name="web.moderate_comment")
async def hide(request: web.Request) -> web.StreamResponse:
    """A steward hides a comment, with the reason shown in its place, or shows it again."""
    user, pool, comment = await _own_comment(request)
    form = await request.post()
    reason = str(form.get("reason", ""))
    hiding = request.match_info["action"] == "hide"
    try:
        await moderate(request.app, pool, user.uri, comment.id, reason, datetime.now(UTC), hide=hiding)
    except (GovernanceError, NodeError) as exc:
        if isinstance(exc, Forbidden | NotFound):
            raise
        return await _retry(request, pool, exc, request.path, {"reason": reason}, _back(request, comment))
    raise web.HTTPSeeOther(_back(request, comment))


async def proposal_thread(request: web.Request, pool: ActorRecord, proposal_uri: str,
                          author_uri: str, closed: bool) -> dict[str, Any]:
    """What the proposal page adds: its thread, its outcome statement (and who may write it),
    and the discussion it was started from."""
    from node.web.threads import author_of

    user = current_user(request)
    membership = await viewer_membership(request, pool)
    thread = await thread_view(request, pool, proposal_uri, user, membership)
    outcome = await discussions(request.app).outcome_of(proposal_uri)
    started = await discussions(request.app).discussion_of_proposal(proposal_uri)
    return {
        "thread": thread,
        "outcome_statement": outcome,
        "outcome_author": await author_of(request.app, outcome.author_uri) if outcome else None,
        "may_state_outcome": closed and outcome is None and user is not None and (
            user.uri == author_uri or thread.is_steward),
        "started_from": {"title": started.title, "path": _path(request, started.uri)} if started else None,
    }

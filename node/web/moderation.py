"""A pool's moderation page, for its stewards: what the pool blocks (accounts and domains, each
with who blocked it, when and why), blocking and unblocking, the log of both and of hidden
comments, and the language the pool writes its direct messages in.

A steward blocks from this page (an account by ``@name@server`` or its address, or a domain) or
from a comment in a thread by someone outside the pool (the author). The rules are
node/discussion/blocks.py's, the same as for a ``Block`` posted with the pool as ``target``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from node.accounts import now_iso
from node.appkeys import CONFIG, DB, LANGUAGES, WEB
from node.discussion import discussions
from node.discussion.blocks import (
    MAX_REASON,
    block_for_pool,
    domain_of,
    is_steward,
    unblock_for_pool,
)
from node.errors import Forbidden, InvalidRequest, NodeError, NotFound
from node.handles import resolve_handle
from node.storage import ActorRecord, BlockStore
from node.web.i18n import gettext as _
from node.web.pools import _pool
from node.web.render import render
from node.web.sessions import require_user
from node.web.threads import author_of

__all__ = ["routes"]

routes = web.RouteTableDef()

_PAGE = r"/pools/{name:[a-z0-9_]+}/moderation"


async def _steward_pool(request: web.Request) -> tuple[ActorRecord, ActorRecord]:
    """(the signed-in steward, the pool); 403 for anyone else."""
    user = require_user(request)
    pool = await _pool(request, request.match_info["name"])
    if not await is_steward(request.app, pool, user.uri):
        raise Forbidden(_("Only a steward of this pool can see and change what it blocks."))
    return user, pool


def _path(request: web.Request, uri: str) -> str:
    return uri.removeprefix(request.app[CONFIG].base_url)


async def _who(request: web.Request, blocked: str) -> dict[str, str]:
    """How a page names what is blocked: an account by name and handle, a domain as it is."""
    if "://" not in blocked:
        return {"name": blocked, "handle": _("every account on %(domain)s", domain=blocked), "url": ""}
    author = await author_of(request.app, blocked)
    return {"name": author.name, "handle": author.handle, "url": author.url}


async def _hidden_log(request: web.Request, pool: ActorRecord) -> list[dict[str, Any]]:
    found = []
    for entry in await discussions(request.app).moderation_log(pool.id, limit=50):
        comment = await discussions(request.app).comment(entry.comment_uri)
        link = f"{_path(request, comment.thread_uri)}#comment-{comment.id}" if comment else None
        found.append({"entry": entry, "link": link, "by": await author_of(request.app, entry.steward_uri)})
    return found


async def _page(request: web.Request, pool: ActorRecord, *, errors: dict[str, str] | None = None,
                values: dict[str, str] | None = None, status: int = 200) -> web.Response:
    store = BlockStore(request.app[DB])
    blocks = [{"row": row, "who": await _who(request, row.blocked),
               "by": await author_of(request.app, row.steward_uri) if row.steward_uri else None}
              for row in await store.blocks_of(pool.id)]
    log = [{"entry": entry, "who": await _who(request, entry.blocked),
            "by": await author_of(request.app, entry.steward_uri)} for entry in await store.log_of(pool.id)]
    return await render(request, "moderation.html", {
        "pool": pool, "blocks": blocks, "log": log, "hidden_log": await _hidden_log(request, pool),
        "errors": errors or {}, "values": values or {}, "max_reason": MAX_REASON,
        "languages": request.app[LANGUAGES].listed(),
        "pool_language": await request.app[WEB].locale(pool.id),
    }, status=status, form=True)


@routes.get(_PAGE, name="web.moderation")
async def moderation_page(request: web.Request) -> web.Response:
    """What the pool blocks, the forms to block and unblock, and the log."""
    _user, pool = await _steward_pool(request)
    return await _page(request, pool)


class _Untyped(InvalidRequest):
    """What a steward typed names nobody; the reason is the web app's own, in their language."""


async def _blocked_of(request: web.Request, who: str) -> str:
    """The actor id or domain a steward typed."""
    text = who.strip()
    if text.startswith("@") or "://" in text:
        try:
            return await resolve_handle(request.app, text)
        except (InvalidRequest, NotFound):
            raise _Untyped(_("Nobody was found at %(who)s.", who=text[:100])) from None
    domain = domain_of(text)
    if domain is None:
        raise _Untyped(_("Write @name@server, the account's address, or a domain such as spam.example."))
    return domain


def _refusal(exc: NodeError) -> str:
    """Why the pool's rules refused a block, in the reader's language."""
    code = exc.code
    if code == "member":
        return _("This account is a member of the pool: a steward does not block a member; "
                 "membership ends as the bylaws say.")
    if code == "own_domain":
        return _("This node's own domain cannot be blocked: block its accounts one by one.")
    if code == "reason_required":
        return _("Say why: the reason is logged for the other stewards.")
    if code == "reason_too_long":
        return _("The reason is at most %(most)d characters.", most=MAX_REASON)
    return _("Write @name@server, the account's address, or a domain such as spam.example.")


def _back(request: web.Request, pool: ActorRecord, back: str) -> str:
    """Where to go after a block made from a comment: that comment, else the moderation page."""
    if back.startswith(f"/pools/{pool.username}/") and "//" not in back and "\\" not in back:
        return back
    return f"/pools/{pool.username}/moderation#blocked"


@routes.post(_PAGE + "/block", name="web.block")
async def block(request: web.Request) -> web.StreamResponse:
    """A steward blocks an account or a domain for the pool, with the reason."""
    user, pool = await _steward_pool(request)
    form = await request.post()
    values = {key: str(form.get(key, "")) for key in ("who", "reason", "back")}
    try:
        blocked = await _blocked_of(request, values["who"])
        await block_for_pool(request.app, pool, user.uri, blocked, values["reason"], datetime.now(UTC))
    except _Untyped as exc:
        return await _page(request, pool, errors={"who": exc.reason}, values=values, status=400)
    except NodeError as exc:
        if isinstance(exc, Forbidden):
            raise
        field = "reason" if exc.code in ("reason_required", "reason_too_long") else "who"
        return await _page(request, pool, errors={field: _refusal(exc)}, values=values, status=exc.status)
    raise web.HTTPSeeOther(_back(request, pool, values["back"]))


@routes.post(_PAGE + "/unblock", name="web.unblock")
async def unblock(request: web.Request) -> web.StreamResponse:
    """A steward lifts one of the pool's blocks (the reason is optional)."""
    user, pool = await _steward_pool(request)
    form = await request.post()
    blocked = str(form.get("blocked", ""))
    try:
        await unblock_for_pool(request.app, pool, user.uri, blocked, str(form.get("reason", "")),
                               datetime.now(UTC))
    except InvalidRequest as exc:
        return await _page(request, pool, errors={"unblock": _refusal(exc)}, status=400)
    raise web.HTTPSeeOther(f"/pools/{pool.username}/moderation#blocked")


@routes.post(_PAGE + "/language", name="web.pool_language")
async def pool_language(request: web.Request) -> web.StreamResponse:
    """The language the pool writes in to members on other servers (direct messages)."""
    _user, pool = await _steward_pool(request)
    form = await request.post()
    language = request.app[LANGUAGES].get(str(form.get("locale", "")))
    if language is None:
        return await _page(request, pool, errors={"locale": _("Choose one of the languages listed; "
                                                               "nothing was changed.")}, status=400)
    await request.app[WEB].set_locale(pool.id, language.code, now_iso())
    raise web.HTTPSeeOther(f"/pools/{pool.username}/moderation#language")

"""The bylaws archive: every version of a pool's bylaws that was in force, the proposal that
brought each into force, and what it changed (a unified diff of the text, made with difflib).

``/pools/NAME/bylaws/history`` lists the versions and ``/pools/NAME/bylaws/versions/N`` shows
one; a browser gets the page, every other client (or ``?format=json``) the JSON.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from governance import Bylaws
from node.appkeys import ACTORS, DB
from node.errors import NotFound
from node.pool_engine.common import store
from node.request_numbers import number_in_path
from node.storage import ActorRecord, BylawsVersion, BylawsVersionStore
from node.web.bylaws_words import legal_markdown
from node.web.errors import wants_html
from node.web.i18n import gettext as _
from node.web.render import render

__all__ = ["DiffLine", "routes", "text_diff"]

routes = web.RouteTableDef()


@dataclass(frozen=True, slots=True)
class DiffLine:
    """One line of a unified diff: ``kind`` is add, remove, context or hunk."""

    kind: str
    text: str


def text_diff(before: str, after: str, before_name: str, after_name: str) -> list[DiffLine]:
    """The unified diff of two texts (two lines of context), line by line."""
    kinds = {"+": "add", "-": "remove", " ": "context", "@": "hunk"}
    lines = difflib.unified_diff(before.splitlines(), after.splitlines(), before_name, after_name,
                                 n=2, lineterm="")
    return [DiffLine(kinds.get(line[:1], "hunk"), line) for line in lines]


async def _pool(request: web.Request) -> ActorRecord:
    pool = await request.app[ACTORS].by_username(request.match_info["name"], "pool")
    if pool is None:
        raise NotFound(_("There is no pool called %(name)s on this node.",
                         name=repr(request.match_info["name"])))
    return pool


def _markdown(version: BylawsVersion) -> str:
    return legal_markdown(Bylaws.from_dict(json.loads(version.bylaws_json)))


def _proposal_path(pool: ActorRecord, uri: str | None) -> str | None:
    if uri is None or not uri.startswith(pool.uri + "/proposals/"):
        return None
    return f"/pools/{pool.username}/proposals/{uri.rsplit('/', 1)[-1]}"


async def _proposal_title(request: web.Request, uri: str | None) -> str | None:
    if uri is None:
        return None
    stored = await store(request.app).proposal(uri)
    return str(stored.proposal.get("title", "")) if stored is not None else None


def _wants_json(request: web.Request) -> bool:
    return request.query.get("format") == "json" or not wants_html(request)


async def _entry(request: web.Request, pool: ActorRecord, version: BylawsVersion) -> dict[str, Any]:
    base = f"/pools/{pool.username}/bylaws/versions/{version.number}"
    return {
        "number": version.number,
        "adoptedAt": version.adopted_at,
        "founding": version.proposal_uri is None,
        "proposal": version.proposal_uri,
        "proposalPage": _proposal_path(pool, version.proposal_uri),
        "proposalTitle": await _proposal_title(request, version.proposal_uri),
        "url": base,
    }


@routes.get(r"/pools/{name:[a-z0-9_]+}/bylaws/history", name="web.bylaws_history")
async def history(request: web.Request) -> web.Response:
    """Every version of the bylaws in force, newest first, each with what brought it in."""
    pool = await _pool(request)
    versions = await BylawsVersionStore(request.app[DB]).versions(pool.id)
    entries = [await _entry(request, pool, version) for version in reversed(versions)]
    if _wants_json(request):
        return web.json_response({"pool": pool.uri, "versions": entries})
    return await render(request, "bylaws_history.html", {"pool": pool, "versions": entries})


@routes.get(r"/pools/{name:[a-z0-9_]+}/bylaws/versions/{number:[0-9]+}",
            name="web.bylaws_version")
async def version_page(request: web.Request) -> web.Response:
    """One version of the bylaws: its text and its diff against the version before."""
    pool = await _pool(request)
    wanted = number_in_path(request, "number", _("There is no such version of the bylaws."))
    versions = {v.number: v for v in await BylawsVersionStore(request.app[DB]).versions(pool.id)}
    version = versions.get(wanted)
    if version is None:
        raise NotFound(_("There is no such version of the bylaws."))
    text = _markdown(version)
    previous = versions.get(wanted - 1)
    diff = text_diff(_markdown(previous), text, _("version %(n)d", n=previous.number),
                     _("version %(n)d", n=wanted)) if previous is not None else []
    entry = await _entry(request, pool, version)
    if _wants_json(request):
        return web.json_response({
            **entry, "pool": pool.uri, "bylaws": json.loads(version.bylaws_json),
            "markdown": text, "previous": previous.number if previous else None,
            "diff": "\n".join(line.text for line in diff),
        })
    return await render(request, "bylaws_version.html", {
        "pool": pool, "version": entry, "markdown": text, "diff": diff,
        "previous": previous.number if previous else None,
        "latest": version.number == max(versions)})

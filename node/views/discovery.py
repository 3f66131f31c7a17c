"""WebFinger (RFC 7033), NodeInfo 2.1 and host-meta (RFC 6415)."""

from __future__ import annotations

import json
from xml.sax.saxutils import escape

from aiohttp import web

from node import __version__
from node.appkeys import ACTORS, CONFIG, OBJECTS
from node.errors import InvalidRequest, NotFound

__all__ = ["routes"]

routes = web.RouteTableDef()

NODEINFO_SCHEMA = "http://nodeinfo.diaspora.software/ns/schema/2.1"


def _json(document: object, content_type: str) -> web.Response:
    return web.Response(
        text=json.dumps(document, ensure_ascii=False),
        headers={"Content-Type": content_type, "Access-Control-Allow-Origin": "*"},
    )


@routes.get("/.well-known/webfinger")
async def webfinger(request: web.Request) -> web.Response:
    """RFC 7033 lookup of acct:name@host (or an actor URL) to the actor's id."""
    config = request.app[CONFIG]
    resource = request.query.get("resource", "").strip()
    if not resource:
        raise InvalidRequest("the 'resource' query parameter is required, e.g. acct:name@host")
    actors = request.app[ACTORS]
    actor = None
    if resource.startswith("acct:"):
        user, _, domain = resource[5:].lstrip("@").partition("@")
        if not user or not domain:
            raise InvalidRequest(f"malformed acct: resource {resource!r}; expected acct:name@host")
        if domain.lower() != config.domain:
            raise NotFound(f"{domain} is not this node ({config.domain})")
        actor = await actors.by_username(user.lower())
    elif resource.startswith(("http://", "https://")):
        actor = await actors.by_uri(resource)
    else:
        raise InvalidRequest(f"unsupported resource {resource!r}; use acct:name@host or a URL")
    if actor is None:
        raise NotFound(f"no actor {resource} on this node")
    document = {
        "subject": f"acct:{actor.username}@{config.domain}",
        "aliases": [actor.uri],
        "links": [
            {"rel": "self", "type": "application/activity+json", "href": actor.uri},
            {"rel": "http://webfinger.net/rel/profile-page", "type": "text/html", "href": actor.uri},
        ],
    }
    return _json(document, "application/jrd+json; charset=utf-8")


@routes.get("/.well-known/nodeinfo")
async def nodeinfo_links(request: web.Request) -> web.Response:
    """The NodeInfo discovery document linking the 2.1 document."""
    config = request.app[CONFIG]
    return _json(
        {"links": [{"rel": NODEINFO_SCHEMA, "href": config.url("/nodeinfo/2.1")}]},
        "application/json; charset=utf-8",
    )


@routes.get("/nodeinfo/2.1")
async def nodeinfo(request: web.Request) -> web.Response:
    """NodeInfo 2.1: software, protocols and usage counts."""
    actors = request.app[ACTORS]
    members = await actors.count("member")
    pools = await actors.count("pool")
    local_posts = await request.app[OBJECTS].count_local(("Note", "Proposal", "Question"))
    document = {
        "version": "2.1",
        "software": {
            "name": "poolnode",
            "version": __version__,
            "homepage": "https://poolnode.org/",
        },
        "protocols": ["activitypub"],
        "services": {"inbound": [], "outbound": []},
        "openRegistrations": request.app[CONFIG].open_registrations,
        "usage": {
            "users": {"total": members, "activeMonth": members, "activeHalfyear": members},
            "localPosts": local_posts,
        },
        "metadata": {"nodeName": request.app[CONFIG].domain, "pools": pools},
    }
    return _json(
        document,
        f'application/json; profile="{NODEINFO_SCHEMA}#"; charset=utf-8',
    )


@routes.get("/.well-known/host-meta")
async def host_meta(request: web.Request) -> web.Response:
    """RFC 6415 host-meta pointing at the WebFinger template (XRD)."""
    template = escape(request.app[CONFIG].url("/.well-known/webfinger?resource={uri}"), {'"': "&quot;"})
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0">\n'
        f'  <Link rel="lrdd" type="application/jrd+json" template="{template}"/>\n'
        "</XRD>\n"
    )
    return web.Response(text=body, headers={"Content-Type": "application/xrd+xml; charset=utf-8"})

"""Issue 16: who is told what. Replies and mentions (``@name``, ``@name@host`` resolved by
WebFinger), and direct messages to members and applicants whose account is on another server.

README, "Notifications": "a reply or a mention, their application admitted or turned down (with
the steward's reason)"; "Members whose account is on another server ... get the same as a
direct message from the pool". docs/PROTOCOL.md, "Direct messages": addressed to the member only,
a Mention tag, the link in ``content`` and ``url``; "the stored copy is readable by the member
only and is in no collection. One message goes per member, kind and subject".
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from aiohttp import web

from node.accounts import create_member, issue_token, join_pool
from node.appkeys import ACTORS, CONFIG, DB, TOKENS
from node.discussion import discussions
from node.notifications import notify_round, send_direct_round
from node.storage import NotificationStore
from tests.node.discussion.helpers import comment, pool_outbox
from tests.node.discussion.mastodon import MastodonActor, send
from tests.node.notifications.conftest import no_commit_lag
from tests.node.pools.helpers import POOL, post, propose
from tests.web.helpers import page, post_form, set_password, sign_in

pytestmark = pytest.mark.both_backends

AP = {"Accept": "application/activity+json"}


async def _kinds(client: Any, user: str) -> list[str]:
    actor = await client.app[ACTORS].get(user, "member")
    return [n.kind for n in await NotificationStore(client.app[DB]).page(actor.id, before=None, limit=50)]


async def test_a_reply_to_a_reply_tells_the_person_it_answers(client, node) -> None:
    no_commit_lag(client)
    proposal = await propose(client, "admin", node.admin_token)
    top = (await comment(client, "alice", node.alice_token, proposal["id"], "<p>Drill</p>"))["object"]
    answer = (await comment(client, "admin", node.admin_token, top["id"], "<p>Why?</p>"))["object"]
    carl = await create_member(client.app[CONFIG], client.app[ACTORS], "carl")
    await join_pool(client.app[ACTORS], await client.app[ACTORS].get("commons", "pool"), carl.uri)
    token = (await issue_token(client.app[TOKENS], carl)).secret
    await comment(client, "carl", token, answer["id"], "<p>Because, admin</p>")
    await notify_round(client.app, datetime.now(UTC))
    assert (await _kinds(client, "admin")).count("reply") == 1
    assert (await _kinds(client, "alice")).count("reply") == 1  # admin's reply to her, only


@pytest.fixture
async def fingered(aiohttp_server):  # type: ignore[no-untyped-def]
    """Another server answering WebFinger for 'mo' and taking deliveries."""
    seen: dict[str, list[Any]] = {"lookups": [], "posts": []}
    actors: dict[str, MastodonActor] = {}

    async def webfinger(request: web.Request) -> web.Response:
        resource = request.query.get("resource", "")
        seen["lookups"].append(resource)
        actor = actors.get(resource.removeprefix("acct:").split("@")[0])
        if actor is None:
            raise web.HTTPNotFound()
        return web.json_response({"subject": resource, "links": [
            {"rel": "self", "type": "application/activity+json", "href": actor.uri}]},
            content_type="application/jrd+json")

    async def actor_document(request: web.Request) -> web.Response:
        actor = actors.get(request.match_info["name"])
        if actor is None:
            raise web.HTTPNotFound()
        return web.Response(text=json.dumps(actor.document()), content_type="application/activity+json")

    async def inbox(request: web.Request) -> web.Response:
        seen["posts"].append(json.loads(await request.read()))
        return web.Response(status=202)

    app = web.Application()
    app.router.add_get("/.well-known/webfinger", webfinger)
    app.router.add_get("/users/{name}", actor_document)
    app.router.add_post("/users/{name}/inbox", inbox)
    app.router.add_post("/inbox", inbox)
    server = await aiohttp_server(app, host="127.0.0.1")
    base = f"http://127.0.0.1:{server.port}"
    actors["mo"] = MastodonActor(base + "/users/mo", "Person")
    return base, actors["mo"], seen


async def test_web_mentions_link_tag_notify_and_reach_the_remote_person(fed_client, fed, fingered) -> None:
    client = no_commit_lag(fed_client)
    base, mo, seen = fingered
    host = base.split("//")[1]
    proposal = await propose(client, "alice", fed.alice_token)
    await set_password(client, "alice")
    await sign_in(client, "alice")
    path = proposal["id"].removeprefix("http://node.test")
    text = f"Thanks @mo@{host} and @admin; @nobody is nobody; @mo@{host} again"
    await post_form(client, "/pools/commons/comments", {"in_reply_to": proposal["id"], "text": text},
                    from_page=path)
    (row,) = await discussions(client.app).thread(proposal["id"], limit=5)
    assert row.content.count(f'href="{mo.uri}"') == 2 and f'href="{fed.admin.uri}"' in row.content
    assert "@nobody" in row.content and "/users/nobody" not in row.content  # stays text
    tags = {t["href"]: t["name"] for t in row.document["tag"]}
    assert tags == {mo.uri: f"@mo@{host}", fed.admin.uri: "@admin@node.test"}
    assert seen["lookups"] == [f"acct:mo@{host}"]  # once, however often typed
    assert set(await discussions(client.app).mentioned(row.uri)) == {mo.uri, fed.admin.uri}
    async with asyncio.timeout(10):
        while not any(p.get("type") == "Create" and p["object"]["id"] == row.uri  # noqa: ASYNC110
                      for p in seen["posts"]):
            await asyncio.sleep(0.05)
    await notify_round(client.app, datetime.now(UTC))
    assert "mention" in await _kinds(client, "admin")
    assert f'href="{mo.uri}"' in await page(client, path)


async def test_a_remote_applicant_turned_down_reads_the_reason_in_a_direct_message(fed_client, fed, remote) -> None:
    client = no_commit_lag(fed_client)
    mo = MastodonActor(f"{remote.base}/users/mo", "Person")
    remote.actors[mo.uri] = mo
    note = {"id": f"{mo.uri}/statuses/1", "type": "Note", "attributedTo": mo.uri, "to": [POOL],
            "content": "<p>@commons I would like to join</p>", "tag": [{"type": "Mention", "href": POOL}]}
    create = mo.activity("Create", note, to=[POOL])
    await send(client, mo, create, path="/pools/commons/inbox")
    resp = await post(client, "admin", fed.admin_token, {
        "type": "Reject", "object": create["id"], "summary": "we are full until spring", "to": [mo.uri]})
    assert resp.status == 201, await resp.text()
    for _ in range(2):  # however often the rounds run, one message
        now = datetime.now(UTC)
        await notify_round(client.app, now)
        await send_direct_round(client.app, now)

    def told() -> list[dict[str, Any]]:
        return [p for p in remote.posts if p.get("type") == "Create" and isinstance(p.get("object"), dict)
                and "we are full until spring" in str(p["object"].get("content"))]

    async with asyncio.timeout(10):
        while not told():  # noqa: ASYNC110
            await asyncio.sleep(0.05)
    (dm,) = told()
    assert dm["to"] == [mo.uri] and dm["cc"] == [] and dm["object"]["to"] == [mo.uri]
    assert {"type": "Mention", "href": mo.uri} .items() <= dm["object"]["tag"][0].items()
    assert dm["object"]["url"] == POOL and POOL in dm["object"]["content"]
    # Private: not served to anyone who asks, and in no collection of the pool.
    resp = await client.get(dm["object"]["id"].removeprefix("http://node.test"), headers=AP)
    assert resp.status in (401, 403, 404) and "spring" not in await resp.text()
    assert all(a["id"] != dm["id"] for a in await pool_outbox(client))

"""The moderation page and blocking from a comment, without JavaScript: a steward blocks an
outsider from their hidden comment, then their comments are refused with the reason; accounts,
handles and domains from the page; mistakes beside the field; unblocking; the log; members and
non-stewards; the pool's language for direct messages."""

from __future__ import annotations

import pytest

from node.accounts import create_member
from node.appkeys import ACTORS, CONFIG, DB, WEB
from node.discussion import discussions
from node.storage import BlockStore
from tests.web.helpers import page, post_form, set_password, sign_in

pytestmark = pytest.mark.both_backends
BASE = "http://node.test"
MODERATION = "/pools/commons/moderation"


async def _as(client, user: str) -> None:  # type: ignore[no-untyped-def]
    await post_form(client, "/signout", {}, from_page="/")
    await sign_in(client, user)


async def _proposal(client) -> str:  # type: ignore[no-untyped-def]
    for user in ("alice", "admin"):
        await set_password(client, user)
    await sign_in(client, "alice")
    response = await post_form(client, "/pools/commons/propose", {
        "title": "Buy a lawnmower", "kind": "decision", "text": "We buy a shared lawnmower."},
        from_page="/pools/commons/proposals")
    return str(response.headers["Location"])


async def _comment(client, url: str, text: str, status: int = 303):  # type: ignore[no-untyped-def]
    return await post_form(client, "/pools/commons/comments", {"in_reply_to": BASE + url, "text": text},
                           from_page=url, status=status)


async def _pool(client):  # type: ignore[no-untyped-def]
    return await client.app[ACTORS].get("commons", "pool")


async def test_a_steward_blocks_the_author_of_a_hidden_comment(client) -> None:  # type: ignore[no-untyped-def]
    url = await _proposal(client)
    await create_member(client.app[CONFIG], client.app[ACTORS], "zed")
    await set_password(client, "zed")
    await _as(client, "zed")
    await _comment(client, url, "Cheap pills at pills.example")
    (spam,) = await discussions(client.app).thread(BASE + url, limit=10)
    await _as(client, "admin")
    await post_form(client, f"/pools/commons/comments/{spam.id}/hide", {"reason": "Advertising"},
                    from_page=url)
    html = await page(client, url)
    assert "Block zed for the pool" in html and 'name="who" value="http://node.test/users/zed"' in html
    response = await post_form(client, MODERATION + "/block", {
        "who": BASE + "/users/zed", "reason": "Advertising, again and again", "back": f"{url}#comment-{spam.id}"},
        from_page=url)
    assert response.headers["Location"] == f"{url}#comment-{spam.id}"
    html = await page(client, MODERATION)
    assert 'data-blocked="http://node.test/users/zed"' in html
    assert "Blocked by admin on" in html and "Advertising, again and again" in html
    assert "admin blocked zed: Advertising, again and again" in html  # the log
    assert "admin hid a comment: Advertising" in html
    # zed may no longer take part: the form comes back with the reason, nothing is kept.
    await _as(client, "zed")
    response = await _comment(client, url, "Still here", status=403)
    assert "blocked you" in await response.text()
    assert await discussions(client.app).count_thread(BASE + url) == 1
    # A steward lifts it from the page; zed takes part again; both are in the log.
    await _as(client, "admin")
    await post_form(client, MODERATION + "/unblock", {"blocked": BASE + "/users/zed"}, from_page=MODERATION)
    assert "Nobody is blocked." in await page(client, MODERATION)
    await _as(client, "zed")
    await _comment(client, url, "Sorry")
    pool = await _pool(client)
    assert [e.action for e in await BlockStore(client.app[DB]).log_of(pool.id)] == ["unblock", "block"]


async def test_blocking_from_the_page_and_its_mistakes(client) -> None:  # type: ignore[no-untyped-def]
    await set_password(client, "admin")
    await sign_in(client, "admin")
    await post_form(client, MODERATION + "/block", {"who": " Spam.Example. ", "reason": "a spam server"},
                    from_page=MODERATION)
    html = await page(client, MODERATION)
    assert 'data-blocked="spam.example"' in html and "every account on spam.example" in html
    cases = [
        ({"who": "not a domain!", "reason": "x"}, 400, "who", "Write @name@server"),
        ({"who": "@nobody", "reason": "x"}, 400, "who", "Nobody was found at @nobody."),
        ({"who": "@alice", "reason": "x"}, 409, "who", "is a member of the pool"),
        ({"who": "node.test", "reason": "x"}, 400, "who", "own domain cannot be blocked"),
        ({"who": "bad.example", "reason": "  "}, 400, "reason", "Say why"),
    ]
    for data, status, field, message in cases:
        response = await post_form(client, MODERATION + "/block", data, from_page=MODERATION, status=status)
        html = await response.text()
        assert f'aria-describedby="{field}' in html and 'aria-invalid="true"' in html, data
        assert message in html, (data, html[:3000])
        assert f'value="{data["who"]}"' in html  # what was typed is kept
    pool = await _pool(client)
    assert [b.blocked for b in await BlockStore(client.app[DB]).blocks_of(pool.id)] == ["spam.example"]


async def test_only_stewards_see_the_page(client) -> None:  # type: ignore[no-untyped-def]
    await set_password(client, "alice")
    await sign_in(client, "alice")
    assert "/pools/commons/moderation" not in await page(client, "/pools/commons")
    await page(client, MODERATION, status=403)
    await post_form(client, MODERATION + "/block", {"who": "spam.example", "reason": "x"},
                    from_page="/pools/commons", status=403)
    pool = await _pool(client)
    assert await BlockStore(client.app[DB]).blocks_of(pool.id) == []
    await set_password(client, "admin")
    await _as(client, "admin")
    assert "/pools/commons/moderation" in await page(client, "/pools/commons")


async def test_a_steward_sets_the_pools_language(client) -> None:  # type: ignore[no-untyped-def]
    await set_password(client, "admin")
    await sign_in(client, "admin")
    pool = await _pool(client)
    await post_form(client, MODERATION + "/language", {"locale": "es"}, from_page=MODERATION)
    assert await client.app[WEB].locale(pool.id) == "es"
    assert '<option value="es" lang="es" selected>' in await page(client, MODERATION)
    await post_form(client, MODERATION + "/language", {"locale": "xx"}, from_page=MODERATION, status=400)
    assert await client.app[WEB].locale(pool.id) == "es"


async def test_a_pool_made_in_spanish_writes_in_spanish(client) -> None:  # type: ignore[no-untyped-def]
    from tests.web.test_pools_pages import WIZARD

    await set_password(client, "alice")
    await sign_in(client, "alice")
    await post_form(client, "/create-pool?lang=es", WIZARD, from_page="/create-pool?lang=es")
    pool = await client.app[ACTORS].get("green_street_garden", "pool")
    assert await client.app[WEB].locale(pool.id) == "es"

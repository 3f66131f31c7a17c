"""Stewards admit or turn down applicants from the pool page (the steward's own Accept/Reject)."""

from __future__ import annotations

import json
import re

from node.accounts import create_member
from node.appkeys import ACTORS, CONFIG, OBJECTS
from tests.web.helpers import page, post_form, set_password, sign_in

POOL = "/pools/commons"


async def _applicant(client) -> int:  # type: ignore[no-untyped-def]
    """Zed asks to join commons (a steward admits there); returns the application's id."""
    await create_member(client.app[CONFIG], client.app[ACTORS], "zed")
    await set_password(client, "zed")
    await set_password(client, "admin")
    await set_password(client, "alice")
    await sign_in(client, "zed")
    await post_form(client, POOL + "/join", {}, from_page=POOL + "/join")
    assert "Your application is waiting for a steward" in await page(client, POOL)
    await post_form(client, "/signout", {}, from_page="/")
    return (await _pending(client))[0]


async def _pending(client) -> list[int]:  # type: ignore[no-untyped-def]
    pool = await client.app[ACTORS].get("commons", "pool")
    return [m.id for m in await client.app[ACTORS].memberships_of_pool(pool.id, state="applicant")]


async def _outbox(client, username: str) -> list[dict]:  # type: ignore[no-untyped-def,type-arg]
    actor = await client.app[ACTORS].get(username, "member")
    items = (await client.app[OBJECTS].collection_page(actor.id, "outbox", before=None, limit=10)).items
    documents = await client.app[OBJECTS].documents(items)
    return [documents[uri] for uri in items if uri in documents]


async def test_a_steward_turns_an_applicant_down_with_a_reason(client) -> None:
    application = await _applicant(client)
    await sign_in(client, "admin")
    html = await page(client, POOL)
    assert "Waiting to join" in html and "Admit zed" in html and "Turn zed down" in html
    assert re.search(r'<label for="reason-\d+">Reason for turning zed down', html)
    await post_form(client, f"{POOL}/applicants/{application}/reject",
                    {"reason": "We only take  members\nfrom the street."}, from_page=POOL)
    assert await _pending(client) == []
    html = await page(client, POOL)
    assert "Waiting to join" not in html
    # The steward's own Reject of zed's Join, addressed to zed, carries the reason.
    reject = (await _outbox(client, "admin"))[0]
    zed_join = (await _outbox(client, "zed"))[0]
    assert reject["type"] == "Reject" and reject["object"] == zed_join["id"]
    assert reject["to"] == ["http://node.test/users/zed"]
    assert reject["summary"] == "We only take members from the street."
    # Zed is not a member and may ask again.
    await post_form(client, "/signout", {}, from_page="/")
    await sign_in(client, "zed")
    assert "Join this pool" in await page(client, POOL)
    assert "Ask to join" in await page(client, POOL + "/join")
    pool = await client.app[ACTORS].get("commons", "pool")
    states = {m.person_uri: m.state for m in await client.app[ACTORS].memberships_of_pool(pool.id, state=None)}
    assert states["http://node.test/users/zed"] == "left"
    await post_form(client, POOL + "/join", {}, from_page=POOL + "/join")
    assert len(await _pending(client)) == 1


async def test_turning_down_without_a_reason_and_admitting_still_work(client) -> None:
    application = await _applicant(client)
    await sign_in(client, "admin")
    await post_form(client, f"{POOL}/applicants/{application}/reject", {"reason": ""}, from_page=POOL)
    reject = (await _outbox(client, "admin"))[0]
    assert reject["type"] == "Reject" and "summary" not in reject
    # The same application cannot be turned down twice.
    response = await post_form(client, f"{POOL}/applicants/{application}/reject", {}, from_page=POOL,
                               status=404)
    assert "No such applicant" in await response.text()


async def test_only_a_steward_turns_an_applicant_down(client) -> None:
    application = await _applicant(client)
    await sign_in(client, "alice")
    html = await page(client, POOL)
    assert "Turn zed down" not in html
    response = await post_form(client, f"{POOL}/applicants/{application}/reject", {"reason": "no"},
                               from_page=POOL, status=403)
    assert "Only a steward of this pool can turn an application down" in await response.text()
    assert await _pending(client) == [application]


async def test_an_overlong_reason_is_refused_and_nothing_is_sent(client) -> None:
    application = await _applicant(client)
    await sign_in(client, "admin")
    response = await post_form(client, f"{POOL}/applicants/{application}/reject",
                               {"reason": "x" * 501}, from_page=POOL, status=400)
    assert "under 500 characters" in await response.text()
    assert await _pending(client) == [application]
    assert not [a for a in await _outbox(client, "admin") if a["type"] == "Reject"]


async def test_under_a_member_vote_the_members_decide(client) -> None:
    application = await _applicant(client)
    pool = await client.app[ACTORS].get("commons", "pool")
    bylaws = json.loads(await client.app[ACTORS].bylaws_json(pool.id))
    await client.app[ACTORS].set_bylaws_json(pool.id, json.dumps({**bylaws, "admission": "vote"}))
    await sign_in(client, "admin")
    html = await page(client, POOL)
    assert "The members vote on this application" in html and "Turn zed down" not in html
    assert await _pending(client) == [application]

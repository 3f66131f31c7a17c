"""A person on Mastodon applies to a pool: follow it, then mention it with "join" (issue 15).

Mastodon cannot send a Join; its people post a mention. The pool treats it as a Join under the
same admission policy, and answers with a post that mentions the applicant.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from governance import AdmissionPolicy
from node.appkeys import ACTORS, OBJECTS
from node.pool_engine.common import store
from node.pools import load_bylaws
from tests.node.pools.helpers import POOL, post
from tests.node.pools.test_federated_ballots import _person, _send, client
from tests.web.browser import browser

pytestmark = pytest.mark.both_backends

__all__ = ["browser", "client"]  # fixtures


def _mention(actor: Any, n: int, text: str, *, tag_pool: bool = True) -> dict[str, Any]:
    """A Note as Mastodon sends it: HTML content with the mention as a link, a Mention tag."""
    note: dict[str, Any] = {
        "id": f"{actor.uri}/statuses/{n}", "type": "Note", "attributedTo": actor.uri,
        "content": f'<p><span class="h-card"><a href="{POOL}" class="u-url mention">'
                   f"@<span>commons</span></a></span> {text}</p>",
        "to": [POOL], "cc": [], "inReplyTo": None,
    }
    if tag_pool:
        note["tag"] = [{"type": "Mention", "href": POOL, "name": "@commons@node.test"}]
    return note


async def _policy(client, admission: AdmissionPolicy, min_share: int = 0) -> None:  # type: ignore[no-untyped-def]
    actors = client.app[ACTORS]
    pool = await actors.get("commons", "pool")
    bylaws = dataclasses.replace(await load_bylaws(actors, pool), admission=admission,
                                 min_share=min_share)
    await actors.set_bylaws_json(pool.id, json.dumps(bylaws.to_dict()))


async def _state(client, person: str) -> str | None:  # type: ignore[no-untyped-def]
    pool = await client.app[ACTORS].get("commons", "pool")
    membership = await store(client.app).membership(pool.id, person)
    return membership.state if membership else None


async def _pool_posts(client) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    pool = await client.app[ACTORS].get("commons", "pool")
    page = await client.app[OBJECTS].collection_page(pool.id, "outbox", before=None, limit=100)
    return list((await client.app[OBJECTS].documents(page.items)).values())


async def test_follow_then_mention_join_applies_under_the_steward_policy(client, fed, remote) -> None:  # type: ignore[no-untyped-def]
    await _policy(client, AdmissionPolicy.STEWARD, min_share=2000)
    mo = _person(remote, "mo")
    follow = mo.activity("Follow", POOL, to=[POOL])
    await _send(client, mo, follow)
    assert await _state(client, mo.uri) is None  # following is reading, not applying
    note = _mention(mo, 1, "I would like to join, please!")
    create = mo.activity("Create", note, to=[POOL])
    await _send(client, mo, create)
    assert await _state(client, mo.uri) == "applicant"
    # The pool tells the applicant, in a post Mastodon shows as a notification.
    (told,) = [d for d in await _pool_posts(client)
               if d["type"] == "Create" and d["object"].get("inReplyTo") == note["id"]]
    assert told["to"] == [mo.uri] and told["object"]["tag"] == [{"type": "Mention", "href": mo.uri}]
    assert "a steward of the pool decides" in told["object"]["content"]
    assert "EUR 20.00" in told["object"]["content"]
    # The steward admits them as any applicant: the Create's id stands for the Join.
    assert await store(client.app).join_activity(
        (await client.app[ACTORS].get("commons", "pool")).id, mo.uri) == create["id"]
    accept = {"type": "Accept", "object": create["id"]}
    resp = await post(client, "admin", fed.admin_token, accept)
    assert resp.status == 422 and "minimum share" in await resp.text()  # the same policy
    resp = await post(client, "admin", fed.admin_token, {
        "type": "LedgerEntry", "pool": POOL, "entryKind": "contribution", "person": mo.uri,
        "amount": 2000, "reference": "bank transfer"})
    assert resp.status == 201, await resp.text()
    resp = await post(client, "admin", fed.admin_token, accept)
    assert resp.status == 201, await resp.text()
    assert await _state(client, mo.uri) == "member"


async def test_mention_join_in_an_open_pool_admits_at_once(client, fed, remote) -> None:  # type: ignore[no-untyped-def]
    await _policy(client, AdmissionPolicy.OPEN)
    mo = _person(remote, "mo")
    await _send(client, mo, mo.activity("Create", _mention(mo, 1, "join"), to=[POOL]))
    assert await _state(client, mo.uri) == "member"
    assert any("you are a member" in d["object"].get("content", "")
               for d in await _pool_posts(client) if d["type"] == "Create")


async def test_mention_join_in_a_vote_pool_opens_an_admission_proposal(client, fed, remote) -> None:  # type: ignore[no-untyped-def]
    await _policy(client, AdmissionPolicy.VOTE)
    mo = _person(remote, "mo")
    await _send(client, mo, mo.activity("Create", _mention(mo, 1, "Apply"), to=[POOL]))
    assert await _state(client, mo.uri) == "applicant"
    pool = await client.app[ACTORS].get("commons", "pool")
    rows = await store(client.app).proposals_of_pool(pool.id, limit=10)
    assert [r.proposal["motion"]["person"] for r in rows] == [mo.uri]


@pytest.mark.parametrize("text, tag_pool", [
    ("hello, what a nice pool", True),    # no "join"
    ("join", False),                      # does not tag the pool
    ("joined the club last year", True),  # "joined" is not "join"
])
async def test_other_mentions_are_only_stored(client, fed, remote, text, tag_pool) -> None:  # type: ignore[no-untyped-def]
    await _policy(client, AdmissionPolicy.OPEN)
    mo = _person(remote, "mo")
    note = _mention(mo, 1, text, tag_pool=tag_pool)
    item = await _send(client, mo, mo.activity("Create", note, to=[POOL]))
    assert item.state == "done"
    assert await _state(client, mo.uri) is None


@pytest.mark.browser
async def test_a_steward_admits_a_mastodon_applicant_in_the_browser(client, fed, remote, browser) -> None:  # type: ignore[no-untyped-def]
    from tests.web.browser import DESKTOP
    from tests.web.helpers import PASSWORD, set_password

    await _policy(client, AdmissionPolicy.STEWARD)
    mo = _person(remote, "mo")
    create = mo.activity("Create", _mention(mo, 1, "join please"), to=[POOL])
    await _send(client, mo, create)
    await set_password(client, "admin")
    page = await (await browser.new_context(viewport=DESKTOP)).new_page()
    await page.goto(str(client.make_url("/signin")))
    await page.get_by_label("Username").fill("admin")
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_url(str(client.make_url("/")))
    await page.goto(str(client.make_url("/pools/commons/invitations")))
    assert await page.locator(f'[data-applicant="{mo.uri}"]').is_visible()
    await page.goto(str(client.make_url("/pools/commons")))
    await page.get_by_role("button", name="Admit mo").click()
    await page.wait_for_url(str(client.make_url("/pools/commons#members")))
    assert await _state(client, mo.uri) == "member"

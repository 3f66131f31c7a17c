"""Leaving a pool in the browser: the refund owed is shown before and after; expulsion links."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from node.appkeys import ACTORS
from node.pool_engine import close_due
from tests.web.helpers import page, post_form, set_password, sign_in

POOL = "/pools/commons"


async def _contribute(client, person: str, amount: str) -> None:  # type: ignore[no-untyped-def]
    await sign_in(client, "admin")
    await post_form(client, POOL + "/ledger/record",
                    {"person": f"http://node.test/users/{person}", "amount": amount,
                     "reference": "cash"}, from_page=POOL + "/ledger")
    await post_form(client, "/signout", {}, from_page="/")


async def _membership(client, name: str) -> str | None:  # type: ignore[no-untyped-def]
    pool = await client.app[ACTORS].get("commons", "pool")
    for m in await client.app[ACTORS].memberships_of_pool(pool.id, state=None):
        if m.person_uri.endswith("/" + name):
            return str(m.state)
    return None


async def test_leave_shows_the_refund_then_pays_it_back(client) -> None:
    await set_password(client, "admin")
    await set_password(client, "alice")
    await _contribute(client, "alice", "20")
    await sign_in(client, "alice")
    assert 'href="/pools/commons/leave">Leave this pool' in await page(client, POOL)
    html = await page(client, POOL + "/leave")
    assert "The pool holds <strong>EUR 20.00</strong> of capital for you" in html
    assert "the fund has it free, so it is paid back at once" in html
    await post_form(client, POOL + "/leave", {})
    assert await _membership(client, "alice") == "left"
    html = await page(client, POOL + "/leave")
    assert "You are not a member of" in html and "The pool owes you nothing" in html
    ledger = await page(client, POOL + "/ledger")
    assert "Refund paid" in ledger


async def test_a_refund_the_fund_cannot_cover_is_shown_as_owed(client) -> None:
    await set_password(client, "admin")
    await set_password(client, "alice")
    await _contribute(client, "alice", "20")
    # The members commit 15 of the 20 to a payee: 5 stay free, less than alice's capital.
    await sign_in(client, "alice")
    opened = await post_form(client, POOL + "/propose",
                             {"title": "Tools", "kind": "disbursement", "text": "Tools.",
                              "amount": "15", "payee": "Tool shop"}, from_page=POOL + "/proposals")
    url = opened.headers["Location"]
    await post_form(client, url + "/vote", {"choice": "agree"}, from_page=url)
    await post_form(client, "/signout", {}, from_page="/")
    await sign_in(client, "admin")
    await post_form(client, url + "/vote", {"choice": "agree"}, from_page=url)
    await close_due(client.app, datetime.now(UTC) + timedelta(days=8))
    await post_form(client, "/signout", {}, from_page="/")
    await sign_in(client, "alice")
    html = await page(client, POOL + "/leave")
    assert "The pool holds <strong>EUR 20.00</strong> of capital for you" in html
    assert "booked as a refund owed to you" in html
    await post_form(client, POOL + "/leave", {})
    html = await page(client, POOL + "/leave")
    assert "The pool owes you a refund of <strong>EUR 20.00</strong>" in html


async def test_leaving_twice_or_as_a_stranger_is_refused(client) -> None:
    await set_password(client, "alice")
    await sign_in(client, "alice")
    await post_form(client, POOL + "/leave", {})
    response = await post_form(client, POOL + "/leave", {}, status=403)
    assert "nothing to leave" in await response.text()


async def test_members_see_a_link_to_propose_an_expulsion(client) -> None:
    await set_password(client, "alice")
    await sign_in(client, "alice")
    html = await page(client, POOL)
    assert "proposals?kind=expulsion&amp;person=http%3A//node.test/users/admin" in html
    form = await page(client, POOL + "/proposals?kind=expulsion&person=http://node.test/users/admin")
    assert 'id="kind-expulsion" name="kind" value="expulsion" checked' in form
    assert 'value="http://node.test/users/admin"' in form


async def _pass(client, fields: dict[str, str]) -> str:  # type: ignore[no-untyped-def]
    """Alice proposes, alice and admin agree, voting closes; the proposal's page."""
    await sign_in(client, "alice")
    opened = await post_form(client, POOL + "/propose", fields, from_page=POOL + "/proposals")
    url = str(opened.headers["Location"])
    await post_form(client, url + "/vote", {"choice": "agree"}, from_page=url)
    await post_form(client, "/signout", {}, from_page="/")
    await sign_in(client, "admin")
    await post_form(client, url + "/vote", {"choice": "agree"}, from_page=url)
    await post_form(client, "/signout", {}, from_page="/")
    await close_due(client.app, datetime.now(UTC) + timedelta(days=8))
    return url


async def _roles(client, name: str) -> tuple[str, ...]:  # type: ignore[no-untyped-def]
    pool = await client.app[ACTORS].get("commons", "pool")
    for m in await client.app[ACTORS].memberships_of_pool(pool.id, state=None):
        if m.person_uri.endswith("/" + name):
            return tuple(m.roles)
    return ()


async def test_roles_are_given_and_taken_by_proposal(client) -> None:
    await set_password(client, "admin")
    await set_password(client, "alice")
    assert await _roles(client, "alice") == ("member",)
    url = await _pass(client, {"title": "Alice keeps the books", "kind": "role_change",
                               "person": "@alice", "role": "treasurer", "role_change": "grant"})
    await sign_in(client, "alice")
    assert "Give <strong>http://node.test/users/alice</strong> the role <strong>treasurer</strong>" in (
        await page(client, url))
    await post_form(client, "/signout", {}, from_page="/")
    assert await _roles(client, "alice") == ("member", "treasurer")
    await _pass(client, {"title": "Admin steps down as steward", "kind": "role_change",
                         "person": "@admin", "role": "steward", "role_change": "revoke"})
    assert "steward" not in await _roles(client, "admin")
    # The new treasurer now sees the form to record money; a role is no extra vote.
    await sign_in(client, "alice")
    assert "Record money received" in await page(client, POOL + "/ledger")


async def test_a_role_change_form_error_is_per_field(client) -> None:
    await set_password(client, "alice")
    await sign_in(client, "alice")
    response = await post_form(client, POOL + "/propose",
                               {"title": "x", "kind": "role_change", "person": "@alice",
                                "role": "king", "role_change": "grant"},
                               from_page=POOL + "/proposals", status=422)
    assert 'id="role-error"' in await response.text()

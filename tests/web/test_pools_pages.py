"""The create-a-pool wizard, pool and bylaws pages, content negotiation, joining, settings."""

from __future__ import annotations

import json

import pytest

from node.appkeys import ACTORS, TOKENS
from node.pools import load_bylaws
from tests.web.helpers import HTML, csrf_of, page, post_form, set_password, sign_in

WIZARD = {
    "name": "Green Street Garden",
    "handle": "",
    "purpose": "Seeds and tools for the <b>allotments</b>.",
    "currency": "EUR",
    "min_share": "12.50",
    "threshold": "at_least:3/4",
    "quorum": "1/3",
    "voting_days": "5",
    "admission": "open",
}


async def signed_in(client, username: str = "alice"):  # type: ignore[no-untyped-def]
    await set_password(client, username)
    await sign_in(client, username)
    return client


async def test_landing_lists_the_pools(client) -> None:
    html = await page(client, "/")
    assert "Commons" in html and 'href="/pools/commons"' in html
    assert "one vote" in html


async def test_wizard_needs_a_signed_in_member(client) -> None:
    response = await client.get("/create-pool", headers=HTML, allow_redirects=False)
    assert response.status == 303
    assert response.headers["Location"] == "/signin?next=/create-pool"


async def test_wizard_creates_the_pool_and_shows_its_bylaws(client) -> None:
    await signed_in(client)
    response = await post_form(client, "/create-pool", WIZARD)
    assert response.headers["Location"] == "/pools/green_street_garden/bylaws?created=1"
    pool = await client.app[ACTORS].get("green_street_garden", "pool")
    bylaws = await load_bylaws(client.app[ACTORS], pool)
    assert (bylaws.min_share, str(bylaws.threshold.fraction), str(bylaws.quorum)) == (1250, "3/4", "1/3")
    assert bylaws.admission.value == "open" and bylaws.voting_period.days == 5
    # The amendment rule is never laxer than the decision rule.
    assert bylaws.amendment_threshold.strictness() >= bylaws.threshold.strictness()
    members = await client.app[ACTORS].memberships_of_pool(pool.id)
    assert [m.roles for m in members] == [("member", "steward", "treasurer")]
    html = await page(client, response.headers["Location"])
    assert '<h1 id="bylaws-of-green-street-garden">Bylaws of Green Street Garden</h1>' in html
    assert "<li>A proposal passes with at least three quarters (3/4)" in html
    assert "EUR 12.50" in html
    # The purpose is text, never markup.
    assert "&lt;b&gt;allotments&lt;/b&gt;" in html and "<b>allotments" not in html


async def test_wizard_errors_are_shown_next_to_fields_and_nothing_is_stored(client) -> None:
    await signed_in(client)
    before = len(await client.app[ACTORS].all("pool"))
    bad = {**WIZARD, "name": "", "currency": "eu", "min_share": "12.505", "voting_days": "0",
           "threshold": "more_than:1/1"}
    response = await post_form(client, "/create-pool", bad, status=422)
    html = await response.text()
    for field in ("name", "currency", "threshold", "voting_days"):
        assert f'id="{field}-error"' in html, field
    assert 'aria-invalid="true"' in html
    assert len(await client.app[ACTORS].all("pool")) == before
    money = await post_form(client, "/create-pool", {**WIZARD, "min_share": "12.505"}, status=422)
    assert 'id="min_share-error"' in await money.text()


@pytest.mark.parametrize(("typed", "seconds", "shown"), [
    ("5", 5 * 86400, "5 days"), ("36 hours", 36 * 3600, "1 day 12 hours"),
    ("15 seconds", 15, "15 seconds"), ("90 days", 90 * 86400, "90 days")])
async def test_wizard_takes_the_voting_period_in_days_or_as_a_period(client, typed, seconds,
                                                                      shown) -> None:
    await signed_in(client)
    await post_form(client, "/create-pool", {**WIZARD, "voting_days": typed})
    pool = await client.app[ACTORS].get("green_street_garden", "pool")
    bylaws = await load_bylaws(client.app[ACTORS], pool)
    assert bylaws.voting_period.total_seconds() == seconds
    assert f"<dt>Voting lasts</dt><dd>{shown}</dd>" in await page(client, "/pools/green_street_garden")


@pytest.mark.parametrize(("field", "value"), [
    ("voting_days", "91 days"),
    ("voting_days", "0 seconds"),
    ("min_share", "9" * 30),  # beyond what a signed document holds exactly
    ("min_share", "1e3"),
    ("min_share", "-5"),
    ("min_share", "NaN"),
    ("voting_days", "\u00b2"),  # a digit to str.isdigit, not to int()
    ("voting_days", "7.5"),
])
async def test_wizard_refuses_odd_numbers_with_a_field_error(client, field, value) -> None:
    await signed_in(client)
    before = len(await client.app[ACTORS].all("pool"))
    response = await post_form(client, "/create-pool", {**WIZARD, field: value}, status=422)
    assert f'id="{field}-error"' in await response.text()
    assert len(await client.app[ACTORS].all("pool")) == before


async def test_wizard_refuses_a_taken_name_with_409(client) -> None:
    await signed_in(client)
    response = await post_form(client, "/create-pool", {**WIZARD, "handle": "commons"}, status=409)
    assert 'id="handle-error"' in await response.text()


async def test_browsers_get_pages_and_activitypub_clients_get_json(client) -> None:
    html = await page(client, "/pools/commons")
    assert "<h1>Commons</h1>" in html and "A shared fund for the club" in html
    assert "Members" in html and "@admin" in html
    for accept in ("application/activity+json", 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"', "*/*", ""):
        response = await client.get("/pools/commons", headers={"Accept": accept})
        assert response.status == 200
        assert json.loads(await response.text())["type"] == "Group"
    assert "<h1>alice</h1>" in await page(client, "/users/alice")
    assert "Bylaws of Commons" in await page(client, "/pools/commons/bylaws")
    markdown = await client.get("/pools/commons/bylaws?format=md", headers=HTML)
    assert (await markdown.text()).startswith("# Bylaws of Commons")


async def test_browsers_get_html_error_pages_with_the_same_status(client) -> None:
    html = await page(client, "/pools/nowhere", status=404)
    assert "no pool called" in html and "<h1>Page not found</h1>" in html
    await page(client, "/no/such/page", status=404)
    api = await client.get("/pools/nowhere", headers={"Accept": "application/activity+json"})
    assert api.status == 404 and "error" in await api.json()


async def test_joining_an_open_pool_and_a_steward_admitted_pool(client) -> None:
    await signed_in(client, "admin")
    await post_form(client, "/create-pool", {**WIZARD, "admission": "open", "min_share": "0"})
    await post_form(client, "/create-pool", {**WIZARD, "name": "Book Club", "admission": "steward",
                                              "min_share": "0"})
    await post_form(client, "/signout", {}, from_page="/")
    await signed_in(client, "alice")
    await post_form(client, "/pools/green_street_garden/join", {})
    assert "You are a member" in await page(client, "/pools/green_street_garden")
    await post_form(client, "/pools/book_club/join", {})
    assert "waiting for a steward" in await page(client, "/pools/book_club")
    await post_form(client, "/signout", {}, from_page="/")
    await sign_in(client, "admin")
    html = await page(client, "/pools/book_club")
    assert "Waiting to join" in html and "Admit alice" in html
    action = html.split('action="/pools/book_club/applicants/')[1].split('"')[0]
    await post_form(client, f"/pools/book_club/applicants/{action}", {}, from_page="/pools/book_club")
    html = await page(client, "/pools/book_club")
    assert "Waiting to join" not in html and "@alice" in html


async def test_only_a_steward_admits(client) -> None:
    await signed_in(client, "alice")
    html = await page(client, "/pools/commons")
    response = await client.post("/pools/commons/applicants/1/admit", data={"csrf": csrf_of(html)},
                                 headers=HTML, allow_redirects=False)
    assert response.status == 403


async def test_tokens_are_shown_once_and_can_be_revoked(client) -> None:
    await signed_in(client)
    response = await post_form(client, "/settings/tokens", {"label": "phone"}, from_page="/settings", status=200)
    html = await response.text()
    secret = html.split('id="new-token">')[1].split("<")[0]
    assert secret.startswith("pn_")
    alice = await client.app[ACTORS].get("alice", "member")
    assert await client.app[TOKENS].actor_for(secret) == alice.id
    settings = await page(client, "/settings")
    assert secret not in settings and "phone" in settings
    token_id = max(t.id for t in await client.app[TOKENS].list_for(alice.id))
    await post_form(client, f"/settings/tokens/{token_id}/revoke", {}, from_page="/settings")
    assert await client.app[TOKENS].actor_for(secret) is None
    # Someone else's token cannot be revoked from alice's session.
    admin = await client.app[ACTORS].get("admin", "member")
    admin_token = (await client.app[TOKENS].list_for(admin.id))[0]
    await post_form(client, f"/settings/tokens/{admin_token.id}/revoke", {}, from_page="/settings", status=404)


async def test_changing_the_password_needs_the_current_one(client) -> None:
    await signed_in(client)
    response = await post_form(client, "/settings/password", {"current": "wrong", "password": "another long password"},
                               from_page="/settings", status=400)
    assert 'id="current-error"' in await response.text()
    await post_form(client, "/settings/password",
                    {"current": "correct horse battery staple", "password": "another long password"},
                    from_page="/settings", status=200)
    await post_form(client, "/signout", {}, from_page="/")
    await sign_in(client, "alice", "another long password")


async def test_pages_send_protective_headers(client) -> None:
    response = await client.get("/", headers=HTML)
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    css = await client.get("/static/site.css")
    assert css.status == 200 and "text/css" in css.headers["Content-Type"]

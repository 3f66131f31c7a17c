"""Onboarding pages (issue 15): one-time sign-in links, how to get an account, sign-up closed."""

from __future__ import annotations

import pytest

from node.appkeys import ACTORS, CONFIG, DB
from node.storage import InvitationStore
from node.web.welcome import issue_signin_link
from tests.web.helpers import HTML, PASSWORD, csrf_of, page, post_form, sign_in

pytestmark = pytest.mark.both_backends


async def _link(client, username: str = "admin") -> str:  # type: ignore[no-untyped-def]
    actor = await client.app[ACTORS].get(username, "member")
    link = await issue_signin_link(client.app[CONFIG], InvitationStore(client.app[DB]), actor)
    assert link.url.startswith(client.app[CONFIG].base_url + "/welcome/")
    return link.url.removeprefix(client.app[CONFIG].base_url)


async def test_a_signin_link_sets_the_password_once_and_signs_in(client) -> None:
    path = await _link(client)
    assert "Welcome, @admin" in await page(client, path)
    assert "Welcome, @admin" in await page(client, path)  # opening (a link preview) spends nothing
    response = await post_form(client, path, {"password": PASSWORD, "password2": PASSWORD})
    assert response.headers["Location"] == "/settings?welcome=1"
    assert "Your password is set" in await page(client, "/settings?welcome=1")
    gone = await client.get(path, headers=HTML)
    assert gone.status == 404 and "used already" in await gone.text()
    client.session.cookie_jar.clear()
    await sign_in(client, "admin")  # the password chosen through the link
    assert "@admin" in await page(client, "/settings")


async def test_a_bad_password_keeps_the_link_alive(client) -> None:
    path = await _link(client)
    short = await post_form(client, path, {"password": "short", "password2": "short"}, status=400)
    assert 'id="password-error"' in await short.text()
    differ = await post_form(client, path, {"password": PASSWORD, "password2": PASSWORD + "x"},
                             status=400)
    assert 'id="password2-error"' in await differ.text()
    await post_form(client, path, {"password": PASSWORD, "password2": PASSWORD})


async def test_an_expired_or_unknown_link_is_refused(client) -> None:
    path = await _link(client)
    await client.app[DB].execute("UPDATE web_signin_links SET expires_at = '2000-01-01T00:00:00Z'")
    assert (await client.get(path, headers=HTML)).status == 404
    html = await page(client, "/signin")
    refused = await client.post(path, data={"csrf": csrf_of(html), "password": PASSWORD,
                                            "password2": PASSWORD}, headers=HTML,
                                allow_redirects=False)
    assert refused.status == 404
    assert (await client.get("/welcome/" + "a" * 43, headers=HTML)).status == 404


async def test_signin_explains_how_to_get_an_account_when_signup_is_closed(client) -> None:
    html = await page(client, "/signin")
    assert "How do I get an account?" in html
    assert "invite link" in html and "Mastodon" in html and "registrations open" in html
    closed = await page(client, "/signup", status=403)
    assert "Sign-up is closed on this node" in closed and "invite link" in closed
    html = await page(client, "/signin")
    refused = await client.post("/signup", data={"csrf": csrf_of(html), "username": "zed",
                                                 "password": PASSWORD, "password2": PASSWORD},
                                headers=HTML)
    assert refused.status == 403 and "registrations" in await refused.text()
    assert await client.app[ACTORS].by_username("zed", "member") is None

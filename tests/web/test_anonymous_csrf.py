"""Visitors who are not signed in: reading form pages stores no session, CSRF still holds."""

from __future__ import annotations

import time

import pytest

from node.app import create_app
from node.appkeys import CSRF_SECRET, WEB
from node.web.csrf import CSRF_COOKIE, _mac
from node.web.sessions import COOKIE
from tests.conftest import make_node
from tests.web.helpers import HTML, PASSWORD, csrf_of, page, post_form, set_password

FORM_PAGES = ["/signin", "/signup", "/pools/commons", "/pools/commons/proposals",
              "/pools/commons/ledger", "/pools/commons/floods", "/"]


@pytest.fixture
async def client(tmp_path, aiohttp_client):  # type: ignore[no-untyped-def]
    setup = await make_node(tmp_path / "data", open_registrations=True)
    return await aiohttp_client(create_app(setup.config))


async def _sessions(client) -> int:  # type: ignore[no-untyped-def]
    row = await client.app[WEB].db.fetchone("SELECT COUNT(*) AS n FROM web_sessions")
    return int(row["n"])


async def test_anonymous_gets_of_form_pages_store_no_session(client) -> None:
    for path in FORM_PAGES * 3:
        await page(client, path)
        client.session.cookie_jar.clear()  # a cookieless client, every time
    assert await _sessions(client) == 0
    html = await page(client, "/signin")
    assert csrf_of(html).count(".") == 2  # a signed anonymous token, in a cookie only
    assert COOKIE not in client.session.cookie_jar.filter_cookies(client.make_url("/"))
    assert await _sessions(client) == 0


async def test_the_anonymous_token_is_reused_while_fresh(client) -> None:
    first = csrf_of(await page(client, "/signin"))
    assert csrf_of(await page(client, "/signup")) == first


async def test_sign_in_and_sign_up_still_work_without_a_prior_session(client) -> None:
    await set_password(client, "alice")
    await post_form(client, "/signin", {"username": "alice", "password": PASSWORD})
    assert await _sessions(client) == 1
    assert "@alice" in await page(client, "/settings")
    client.session.cookie_jar.clear()
    await post_form(client, "/signup", {"username": "carol", "password": PASSWORD,
                                        "password2": PASSWORD})
    assert "@carol" in await page(client, "/settings")
    # A wrong password shows the form again with a token that still works.
    client.session.cookie_jar.clear()
    failed = await post_form(client, "/signin", {"username": "alice", "password": "no"}, status=401)
    retry = csrf_of(await failed.text())
    response = await client.post("/signin", data={"csrf": retry, "username": "alice",
                                                  "password": PASSWORD},
                                 headers=HTML, allow_redirects=False)
    assert response.status == 303


async def _post_signin(client, token: str | None, cookie: str | None):  # type: ignore[no-untyped-def]
    client.session.cookie_jar.clear()
    if cookie is not None:
        client.session.cookie_jar.update_cookies({CSRF_COOKIE: cookie}, client.make_url("/"))
    data = {"username": "alice", "password": PASSWORD}
    if token is not None:
        data["csrf"] = token
    return await client.post("/signin", data=data, headers=HTML, allow_redirects=False)


def _token(client, issued: int, secret: bytes | None = None) -> str:  # type: ignore[no-untyped-def]
    nonce = "abcdefghijklmnop"
    return f"{issued}.{nonce}.{_mac(secret or client.app[CSRF_SECRET], str(issued), nonce)}"


async def test_anonymous_csrf_is_enforced(client) -> None:
    await set_password(client, "alice")
    good = csrf_of(await page(client, "/signin"))
    now = int(time.time())
    refused = {
        "no cookie": (good, None),
        "no field": (None, good),
        "field differs from cookie": (_token(client, now), good),
        "forged, unsigned pair": ("1.x.y", "1.x.y"),
        "signed by another node": (_token(client, now, b"k" * 32),) * 2,
        "expired": (_token(client, now - 2 * 86_400),) * 2,
    }
    for why, (token, cookie) in refused.items():
        response = await _post_signin(client, token, cookie)
        assert response.status == 403, why
        assert "CSRF check failed" in await response.text(), why
    assert await _sessions(client) == 0
    response = await _post_signin(client, good, good)
    assert response.status == 303


async def test_the_web_secret_persists_across_restarts(tmp_path, aiohttp_client) -> None:
    setup = await make_node(tmp_path / "data")
    first = await aiohttp_client(create_app(setup.config))
    secret = first.app[CSRF_SECRET]
    assert len(secret) == 32
    assert (setup.config.data_dir / "web_secret").stat().st_mode & 0o777 == 0o600
    second = await aiohttp_client(create_app(setup.config))
    assert second.app[CSRF_SECRET] == secret

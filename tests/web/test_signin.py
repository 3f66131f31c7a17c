"""Sign-in, sessions, CSRF and rate limiting of the web app."""

from __future__ import annotations

import pytest

from node.appkeys import WEB
from node.web.account import MAX_FAILURES_PER_USERNAME
from node.web.passwords import hash_password, verify_password
from node.web.sessions import COOKIE
from tests.web.helpers import HTML, PASSWORD, csrf_of, page, post_form, set_password, sign_in


async def test_password_hash_round_trip_and_tamper() -> None:
    stored = await hash_password("a long enough password")
    scheme, n, r, p, salt, key = stored.split("$")
    assert len(salt) == 24 and len(key) == 44  # 16-byte salt, 32-byte key, base64
    assert (scheme, n, r, p) == ("scrypt", "16384", "8", "1")
    assert await verify_password("a long enough password", stored)
    assert not await verify_password("a long enough passwore", stored)
    tampered = stored[:-4] + ("AAAA" if not stored.endswith("AAAA") else "BBBB")
    assert not await verify_password("a long enough password", tampered)
    assert not await verify_password("anything", None)
    assert await hash_password("same") != await hash_password("same")  # salted


async def test_sign_in_sets_a_hardened_cookie_and_rotates_the_session(client) -> None:
    await set_password(client, "alice")
    html = await page(client, "/signin")
    assert COOKIE not in client.session.cookie_jar.filter_cookies(client.make_url("/"))
    response = await client.post(
        "/signin",
        data={"csrf": csrf_of(html), "username": "alice", "password": PASSWORD, "next": "/settings"},
        headers=HTML, allow_redirects=False,
    )
    assert response.status == 303
    assert response.headers["Location"] == "/settings"
    header = response.headers["Set-Cookie"]
    assert "HttpOnly" in header and "SameSite=Lax" in header and "Secure" not in header
    signed_in = response.cookies[COOKIE].value
    # Signing in again replaces the session id (no fixation).
    await sign_in(client, "alice")
    again = client.session.cookie_jar.filter_cookies(client.make_url("/"))[COOKIE].value
    assert again != signed_in
    assert "@alice" in await page(client, "/settings")
    # The database keeps only a hash of the session id.
    row = await client.app[WEB].db.fetchone("SELECT id_hash FROM web_sessions WHERE actor_id IS NOT NULL")
    assert row is not None and signed_in not in row["id_hash"]


async def test_wrong_password_is_401_and_shows_the_form_again(client) -> None:
    await set_password(client, "alice")
    response = await post_form(client, "/signin", {"username": "alice", "password": "nope"}, status=401)
    text = await response.text()
    assert "do not match" in text and 'value="alice"' in text
    assert "text/html" in response.headers["Content-Type"]


async def test_unknown_user_and_user_without_password_cannot_sign_in(client) -> None:
    await post_form(client, "/signin", {"username": "ghost", "password": PASSWORD}, status=401)
    await post_form(client, "/signin", {"username": "admin", "password": ""}, status=401)


async def test_sign_in_is_rate_limited_per_username(client) -> None:
    await set_password(client, "alice")
    for _ in range(MAX_FAILURES_PER_USERNAME):
        await post_form(client, "/signin", {"username": "alice", "password": "wrong"}, status=401)
    response = await post_form(client, "/signin", {"username": "alice", "password": PASSWORD}, status=429)
    assert response.headers["Retry-After"] == "900"
    assert "Too many" in await response.text()
    # Another account is not locked by alice's failures.
    await set_password(client, "admin")
    await sign_in(client, "admin")


@pytest.mark.parametrize("path", ["/signin", "/signout", "/create-pool", "/settings/tokens",
                                  "/settings/password", "/pools/commons/join", "/signup"])
async def test_every_form_post_needs_the_csrf_token(client, path: str) -> None:
    await set_password(client, "alice")
    await sign_in(client, "alice")
    response = await client.post(path, data={"username": "alice"}, headers=HTML, allow_redirects=False)
    assert response.status == 403
    assert "CSRF check failed" in await response.text()
    wrong = await client.post(path, data={"csrf": "forged"}, headers=HTML, allow_redirects=False)
    assert wrong.status == 403


async def test_csrf_failure_is_json_for_api_clients(client) -> None:
    response = await client.post("/signin", data={"username": "x"})
    assert response.status == 403
    assert "CSRF" in (await response.json())["error"]


async def test_sign_out_ends_the_session(client) -> None:
    await set_password(client, "alice")
    await sign_in(client, "alice")
    await post_form(client, "/signout", {}, from_page="/settings")
    response = await client.get("/settings", headers=HTML, allow_redirects=False)
    assert response.status == 303
    assert response.headers["Location"] == "/signin?next=/settings"


async def test_next_cannot_redirect_to_another_site(client) -> None:
    await set_password(client, "alice")
    response = await post_form(client, "/signin?x", {"username": "alice", "password": PASSWORD,
                                                      "next": "//evil.example/"}, from_page="/signin")
    assert response.headers["Location"] == "/"


async def test_sign_up_is_closed_by_default(client) -> None:
    await page(client, "/signup", status=403)
    nodeinfo = await (await client.get("/nodeinfo/2.1")).json()
    assert nodeinfo["openRegistrations"] is False


def test_cli_sets_a_password_that_signs_in(node, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import io

    from node.cli import main

    monkeypatch.setattr("sys.stdin", io.StringIO("a password from the cli\n"))
    assert main(["member", "password", "--data", str(node.config.data_dir), "alice",
                 "--password-stdin"]) == 0
    assert "Set the web sign-in password of alice" in capsys.readouterr().out
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert main(["member", "password", "--data", str(node.config.data_dir), "alice",
                 "--password-stdin"]) == 1


async def test_every_web_post_route_checks_csrf(client) -> None:
    await set_password(client, "alice")
    await sign_in(client, "alice")
    samples = {"name": "commons", "key": "00000000-0000-0000-0000-000000000000",
               "token_id": "1", "membership": "1", "invitation": "1", "token": "a" * 32,
               "comment": "1", "action": "hide"}
    checked = 0
    for route in client.app.router.routes():
        if route.method != "POST" or not (route.name or "").startswith("web."):
            continue
        info = route.resource.get_info() if route.resource else {}
        path = info.get("path") or info["formatter"].format(**samples)
        response = await client.post(path, data={"x": "1"}, headers=HTML, allow_redirects=False)
        assert response.status == 403, path
        checked += 1
    assert checked >= 12


@pytest.mark.parametrize("trusted", [True, False])
async def test_sign_in_address_limit_reads_forwarded_only_from_a_trusted_proxy(
    tmp_path, aiohttp_client, monkeypatch, trusted: bool
) -> None:
    from node.app import create_app
    from tests.conftest import make_node

    monkeypatch.setattr("node.web.account.MAX_FAILURES_PER_ADDRESS", 2)
    setup = await make_node(tmp_path / "proxied", trusted_proxies=("127.0.0.1",) if trusted else (),
                            proxy_header="forwarded")
    client = await aiohttp_client(create_app(setup.config))
    html = await page(client, "/signin")

    async def attempt(user: str, address: str) -> int:
        response = await client.post(
            "/signin", data={"csrf": csrf_of(html), "username": user, "password": "wrong"},
            headers={**HTML, "Forwarded": f"for={address}"}, allow_redirects=False,
        )
        return response.status

    assert [await attempt(f"ghost{n}", "198.51.100.1") for n in range(3)] == [401, 401, 429]
    # Another client behind the proxy has its own count; a client talking to the node
    # directly cannot escape its count by sending the header.
    assert await attempt("ghost9", "198.51.100.2") == (401 if trusted else 429)

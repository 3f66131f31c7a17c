"""Issue 12 item 10: inbox rate limits, trusted proxies, and sessions only when needed
(apps built by the factory).

Tried from outside as an attacker would; each test names the doc sentence it holds to.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from tests.acceptance.conftest import PUBLIC
from tests.multinode.harness import AP

# --- Item 10: inbox rate limits, trusted proxies, sessions only when needed -----------------


async def _limited(tmp_path: Any, aiohttp_client: Any, **settings: Any) -> Any:
    from node.app import create_app
    from node.config import load_config
    from tests.acceptance.conftest import make_node

    setup = await make_node(tmp_path / "limited", allow_private_addresses=True, **settings)
    # The settings are read back from poolnode.toml, as the operator sets them.
    config = load_config(setup.config.data_dir, environ={})
    for key, value in settings.items():
        assert getattr(config, key) == value, key
    client = await aiohttp_client(create_app(config))
    client.setup = setup
    return client


async def _rows(client: Any) -> int:
    from node.appkeys import DB

    return int((await client.server.app[DB].fetchone("SELECT count(*) FROM inbox_items"))[0])


async def test_sender_limit_refuses_with_retry_after_and_stores_nothing(tmp_path, aiohttp_client, remote):
    from tests.node.inbox_helpers import post_signed

    client = await _limited(tmp_path, aiohttp_client, inbox_sender_rate=1, inbox_sender_burst=2)
    mallory, other = remote.add("mallory"), remote.add("other")
    note = {"type": "Note", "content": "hi", "to": [PUBLIC]}
    for path in ("/inbox", "/users/alice/inbox"):
        answers = [await post_signed(client, mallory, path, mallory.activity("Create", {
            **note, "id": f"{mallory.uri}/notes/{uuid.uuid4()}", "attributedTo": mallory.uri}))
            for _ in range(2)]
        if path == "/inbox":
            assert [a.status for a in answers] == [202, 202]
        else:
            assert [a.status for a in answers] == [429, 429]  # the same sender, any inbox
        before = await _rows(client)
        refused = await post_signed(client, mallory, path, mallory.activity("Create", {
            **note, "id": f"{mallory.uri}/notes/{uuid.uuid4()}", "attributedTo": mallory.uri}))
        assert refused.status == 429
        assert int(refused.headers["Retry-After"]) >= 1
        assert "sender" in (await refused.json())["error"]
        assert await _rows(client) == before
    accepted = await post_signed(client, other, "/inbox", other.activity("Create", {
        **note, "id": f"{other.uri}/notes/{uuid.uuid4()}", "attributedTo": other.uri}))
    assert accepted.status == 202  # another sender is not held back


async def test_address_limit_believes_only_trusted_proxies(tmp_path, aiohttp_client):
    client = await _limited(tmp_path, aiohttp_client, inbox_address_rate=1, inbox_address_burst=2)
    body = json.dumps({"id": "x"}).encode()
    statuses = []
    for n in range(4):  # a direct client cannot pick a new address per request
        spoof = {"X-Forwarded-For": f"203.0.113.{n}", "Forwarded": f"for=198.51.100.{n}",
                 "Content-Type": AP}
        statuses.append((await client.post("/inbox", data=body, headers=spoof)).status)
    assert statuses[:2] == [400, 400] and statuses[2:] == [429, 429], statuses
    assert await _rows(client) == 0

    proxied = await _limited(tmp_path / "p", aiohttp_client, inbox_address_rate=1, inbox_address_burst=2,
                             trusted_proxies=("127.0.0.1",))
    for n in range(4):  # behind the listed proxy, each client has its own bucket
        resp = await proxied.post("/inbox", data=body, headers={
            "X-Forwarded-For": f"203.0.113.{n}", "Content-Type": AP})
        assert resp.status == 400, n
    statuses = []
    for n in range(4):  # what a client writes left of the proxy's hop is never read
        resp = await proxied.post("/inbox", data=body, headers={
            "X-Forwarded-For": f"10.9.9.{n}, 192.0.2.7", "Forwarded": f"for=10.8.8.{n}",
            "Content-Type": AP})
        statuses.append(resp.status)
    assert statuses == [400, 400, 429, 429], statuses


async def test_sign_in_limit_counts_the_same_client_address(tmp_path, aiohttp_client):
    from tests.web.helpers import csrf_of

    client = await _limited(tmp_path, aiohttp_client, trusted_proxies=("127.0.0.1",))

    async def fail(forwarded: str) -> int:
        html = await (await client.get("/signin", headers={"Accept": "text/html"})).text()
        resp = await client.post("/signin", data={"csrf": csrf_of(html), "username": f"u{uuid.uuid4().hex[:8]}",
                                                  "password": "wrong"},
                                 headers={"X-Forwarded-For": forwarded}, allow_redirects=False)
        return resp.status

    statuses = [await fail(f"10.0.0.{n}, 192.0.2.50") for n in range(21)]
    assert statuses[-1] == 429 and 429 not in statuses[:20], statuses
    assert await fail("192.0.2.51") != 429  # another client behind the proxy is not held back


async def test_reading_form_pages_stores_no_session_and_csrf_still_holds(client, node):
    from node.appkeys import DB

    db = client.server.app[DB]
    table = "web_sessions"
    before = (await db.fetchone(f"SELECT count(*) FROM {table}"))[0]
    html = {"Accept": "text/html"}
    for path in ("/", "/signin", "/signup", "/create-pool", "/pools/commons", "/pools/commons/join",
                 "/pools/commons/ledger/pay", "/pools/commons/proposals", "/pools/commons/bylaws",
                 "/settings", "/signin?next=/settings"):
        for _ in range(3):
            await client.get(path, headers=html, allow_redirects=False)
    assert (await db.fetchone(f"SELECT count(*) FROM {table}"))[0] == before
    # Forged POSTs: no token, a token without its cookie, a cookie with another's token.
    client.session.cookie_jar.clear()
    assert (await client.post("/signin", data={"username": "admin", "password": "x"},
                              allow_redirects=False)).status == 403
    page = await (await client.get("/signin", headers=html)).text()
    from tests.web.helpers import csrf_of

    token = csrf_of(page)
    client.session.cookie_jar.clear()
    assert (await client.post("/signin", data={"csrf": token, "username": "admin", "password": "x"},
                              allow_redirects=False)).status == 403
    await client.get("/signin", headers=html)  # a fresh cookie, not the one the token belongs to
    assert (await client.post("/signin", data={"csrf": token, "username": "admin", "password": "x"},
                              allow_redirects=False)).status == 403

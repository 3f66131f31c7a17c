"""Issue 12, items 8, 10, 11 and 12, tried from outside as an attacker would, against the docs.

Item 8 runs against real ``poolnode serve`` processes (aiohttp's own server and parser); the
others build the app through the factory. Each test names the doc sentence it holds to.
"""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request
import uuid
from typing import Any

import pytest

from tests.acceptance.conftest import BODY_READ_TIMEOUT
from tests.multinode.harness import AP, NodeProcess

# --- Item 8: bodies that used to reach RecursionError / ValueError, and slow bodies ----------

DEPTH = 100_000


def _deep_arrays() -> bytes:
    return b"[" * DEPTH + b"]" * DEPTH


def _deep_objects() -> bytes:
    return b'{"a":' * DEPTH + b"1" + b"}" * DEPTH


def _activity(node: NodeProcess, obj: str) -> bytes:
    """A valid-looking Create whose object carries ``obj`` (raw JSON text)."""
    actor = node.base_url + "/users/mallory"
    head = json.dumps({"@context": "https://www.w3.org/ns/activitystreams",
                       "id": f"{actor}/activities/{uuid.uuid4()}", "type": "Create", "actor": actor})
    return (head[:-1] + ', "object": {"type": "Note", "content": ' + obj + "}}").encode()


def _bodies(node: NodeProcess) -> dict[str, bytes]:
    return {
        "100k nested arrays": _deep_arrays(),
        "100k nested objects": _deep_objects(),
        "5000-digit integer": _activity(node, "1" + "0" * 4999),
        "5000-digit negative integer": _activity(node, "-" + "9" * 5000),
        "huge float": _activity(node, "1e999999"),
        "negative huge float": _activity(node, "-1.5e400"),
        "long float": _activity(node, "0." + "1" * 5000),
        "NaN": _activity(node, "NaN"),
        "Infinity": _activity(node, "-Infinity"),
        "nested arrays inside a Create": _activity(node, "[" * DEPTH + "]" * DEPTH),
        "nested objects inside a Create": _activity(node, '{"a":' * DEPTH + "1" + "}" * DEPTH),
        # 65 openers reach the depth scan; then an unterminated string of escaped quotes.
        "unterminated escaped string": b"[" * 65 + b'"' + b'\\"' * 400_000,
    }


def _post(node: NodeProcess, path: str, body: bytes, headers: dict[str, str] | None = None,
          timeout: float = 60) -> tuple[int, bytes, dict[str, str]]:
    request = urllib.request.Request(node.base_url + path, data=body, method="POST",
                                     headers={"Content-Type": AP, **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(), dict(exc.headers)


def _counts(node: NodeProcess) -> tuple[int, ...]:
    return tuple(node.query(f"SELECT count(*) AS n FROM {table}")[0]["n"]
                 for table in ("inbox_items", "objects"))


def _no_server_error(node: NodeProcess) -> None:
    log = node.log_text()
    assert "Traceback" not in log, log[-3000:]
    assert '" 500 ' not in log and "Error handling request" not in log, log[-3000:]


JSON_ROUTES = ["/inbox", "/pools/commons/inbox", "/users/admin/inbox", "/users/admin/outbox"]


@pytest.mark.parametrize("path", JSON_ROUTES)
def test_hostile_json_is_a_400_with_a_reason_and_stores_nothing(served: NodeProcess, path: str) -> None:
    # FEDERATION.md "What a request must be" 2: past the bounds, 400 with a reason; the
    # same bounds for C2S outbox bodies. The outbox is the owner's: send the admin's token.
    auth = {"Authorization": f"Bearer {served.token}"} if path.endswith("/outbox") else {}
    before = _counts(served)
    for name, body in _bodies(served).items():
        status, answer, _ = _post(served, path, body, auth)
        assert status == 400, (path, name, status, answer[:300])
        reason = json.loads(answer)["error"]
        assert reason, (path, name)
    assert _counts(served) == before
    _no_server_error(served)


def _raw(node: NodeProcess, head: str, first: bytes) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", node.port), timeout=60)
    sock.sendall(head.encode() + first)
    return sock


def _answer(sock: socket.socket) -> bytes:
    chunks = []
    while True:
        try:
            chunk = sock.recv(65536)
        except (ConnectionResetError, TimeoutError):
            break
        if not chunk:
            break
        chunks.append(chunk)
    sock.close()
    return b"".join(chunks)


SLOW = {
    "json, content-length": ("POST /inbox HTTP/1.1\r\nHost: {host}\r\nContent-Type: "
                             "application/activity+json\r\nContent-Length: 5000\r\n\r\n", b'{"id": '),
    "json, chunked": ("POST /users/admin/inbox HTTP/1.1\r\nHost: {host}\r\nContent-Type: "
                      "application/activity+json\r\nTransfer-Encoding: chunked\r\n\r\n", b"7\r\n{\"id\": \r\n"),
    "urlencoded form": ("POST /signin HTTP/1.1\r\nHost: {host}\r\nContent-Type: "
                        "application/x-www-form-urlencoded\r\nContent-Length: 5000\r\n\r\n", b"username=a"),
    "multipart form": ("POST /signin HTTP/1.1\r\nHost: {host}\r\nContent-Type: multipart/form-data; "
                       "boundary=XX\r\nContent-Length: 5000\r\n\r\n",
                       b'--XX\r\nContent-Disposition: form-data; name="username"\r\n\r\nab'),
}


@pytest.mark.parametrize("kind", SLOW)
def test_a_slow_body_is_a_408_logged_as_a_client_timeout(served: NodeProcess, kind: str) -> None:
    # OPERATIONS.md "Slow and vanished clients": 408 with the JSON reason, connection closed,
    # "client timeout: ..." at INFO; not a 500.
    head, first = SLOW[kind]
    answer = _answer(_raw(served, head.format(host=f"127.0.0.1:{served.port}"), first))
    assert answer.startswith(b"HTTP/1.1 408"), (kind, answer[:400])
    assert f"within {BODY_READ_TIMEOUT} seconds".encode() in answer, answer[-300:]
    assert "client timeout:" in served.log_text()
    _no_server_error(served)


def test_many_slow_clients_do_not_block_normal_requests(patient: NodeProcess) -> None:
    # 100 clients send headers and a few bytes, then nothing, while the deadline (60 s) runs:
    # ordinary reads and writes are still answered; the hung-up clients are logged as such.
    host = f"127.0.0.1:{patient.port}"
    head, first = SLOW["json, content-length"]
    slow = [_raw(patient, head.format(host=host), first) for _ in range(100)]
    try:
        status, _ = patient.request("GET", "/pools/commons")
        assert status == 200
        status, body = patient.request("POST", "/users/admin/outbox", {
            "type": "Note", "content": "still here", "to": ["https://www.w3.org/ns/activitystreams#Public"],
        }, token=patient.token)
        assert status == 201, body
    finally:
        for sock in slow:
            sock.close()
    status, _ = patient.request("GET", "/.well-known/nodeinfo")
    assert status == 200
    _no_server_error(patient)


FORMS = ["/signin", "/signup", "/create-pool", "/pools/commons/join", "/settings/password"]


@pytest.mark.parametrize("path", FORMS)
def test_huge_form_posts_are_refused_without_a_server_error(served: NodeProcess, path: str) -> None:
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    status, _, _ = _post(served, path, b"username=" + b"a" * (2 * 1024 * 1024), form)
    assert status == 413
    for body in (b"username=" + b"%41" * 300_000, b"&".join([b"a=1"] * 200_000),
                 b"username=" + b"a" * 900_000 + b"&password=x&csrf=y"):
        status, answer, _ = _post(served, path, body, form)
        assert 400 <= status < 500, (path, status, answer[:300])
    multipart = {"Content-Type": "multipart/form-data; boundary=XX"}
    body = (b'--XX\r\nContent-Disposition: form-data; name="username"\r\n\r\n' + b"a" * 900_000
            + b"\r\n--XX--\r\n")
    status, answer, _ = _post(served, path, body, multipart)
    assert 400 <= status < 500, (path, status, answer[:300])
    _no_server_error(served)


MALFORMED_MULTIPART = [
    b'--XX\r\nContent-Disposition: form-data\r\n\r\nno name\r\n--XX--\r\n',
    b'--XX\r\nContent-Disposition: form-data; name="a"\r\nContent-Transfer-Encoding: rot13\r\n\r\nx\r\n--XX--\r\n',
    b'--XX\r\n' + b"X-A: b\r\n" * 200 + b'Content-Disposition: form-data; name="a"\r\n\r\nx\r\n--XX--\r\n',
    b"--XX\r\n",
    b"not multipart at all",
]


@pytest.mark.parametrize("body", MALFORMED_MULTIPART)
def test_malformed_multipart_forms_are_4xx(served: NodeProcess, body: bytes) -> None:
    status, answer, _ = _post(served, "/signin", body, {"Content-Type": "multipart/form-data; boundary=XX"})
    assert 400 <= status < 500, (status, answer[:300])
    _no_server_error(served)


# --- Item 11: private objects are served only to those addressed ---------------------------

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"


def _signed_get(actor: Any, path: str) -> dict[str, str]:
    from datetime import UTC, datetime

    from federation.httpsig import sign_request
    from tests.node.inbox_helpers import NODE

    headers = sign_request("GET", NODE + path, None, actor.key_id, actor.key, datetime.now(UTC))
    headers["Accept"] = AP
    return headers


async def _note(client: Any, setup: Any, **addressing: Any) -> tuple[str, str]:
    """The admin posts a Note over C2S; (activity path, object path)."""
    body = {"type": "Note", "content": "secret " + str(uuid.uuid4()), **addressing}
    resp = await client.post("/users/admin/outbox", json=body,
                             headers={"Authorization": f"Bearer {setup.admin_token}"})
    assert resp.status == 201, await resp.text()
    activity = await resp.json(content_type=None)
    base = setup.config.base_url
    return activity["id"].removeprefix(base), activity["object"]["id"].removeprefix(base)


async def _outbox_items(client: Any, headers: dict[str, str] | None = None) -> tuple[int, list[str]]:
    """(totalItems, object ids of every page) of the admin's outbox as this reader sees it."""
    headers = {"Accept": AP, **(headers or {})}
    total = (await (await client.get("/users/admin/outbox", headers=headers)).json(content_type=None))["totalItems"]
    seen: list[str] = []
    url: str | None = "/users/admin/outbox?page=true"
    while url:
        page = await (await client.get(url, headers=headers)).json(content_type=None)
        for item in page["orderedItems"]:
            seen.append(json.dumps(item))
        url = page.get("next")
        if url:
            url = url.split("://", 1)[1].split("/", 1)[1]
            url = "/" + url
    return total, seen


async def test_private_notes_reach_only_their_readers(fed_client: Any, fed: Any, remote: Any) -> None:
    # FEDERATION.md "Who may read what": not public -> only owner / addressed / followers;
    # everyone else 404 as for no object; outbox lists and counts only public items.
    client = fed_client
    bob, stranger = remote.add("bob"), remote.add("stranger")
    notes = {
        "to alice": await _note(client, fed, to=[fed.alice.uri]),
        "followers only": await _note(client, fed, to=[fed.admin.uri + "/followers"]),
        "no addressing": await _note(client, fed),
        "bcc bob": await _note(client, fed, bcc=[bob.uri]),
        "bto alice": await _note(client, fed, bto=[fed.alice.uri]),
        "cc bob": await _note(client, fed, cc=[bob.uri]),
    }
    public = await _note(client, fed, to=[PUBLIC])
    for _ in range(25):  # more than a page of public items after the private ones
        await _note(client, fed, cc=[PUBLIC])
    for name, (activity, obj) in notes.items():
        for path in (activity, obj):
            for headers in ({}, {"Accept": "text/html"}, _signed_get(stranger, path),
                            {"Authorization": f"Bearer {fed.alice_token}"} if "alice" not in name else {}):
                resp = await client.get(path, headers=headers)
                assert resp.status == 404, (name, path, headers.get("Accept"), resp.status)
        owner = await client.get(obj, headers={"Authorization": f"Bearer {fed.admin_token}"})
        assert owner.status == 200, name
        assert "bcc" not in await owner.json(content_type=None) and "bto" not in await owner.json(content_type=None)
    alice = {"Authorization": f"Bearer {fed.alice_token}"}
    for path in notes["to alice"] + notes["bto alice"]:
        assert (await client.get(path, headers=alice)).status == 200, path
    for path in notes["bcc bob"] + notes["cc bob"]:
        assert (await client.get(path, headers=_signed_get(bob, path))).status == 200, path
    for path in public:
        assert (await client.get(path)).status == 200
    total, items = await _outbox_items(client)
    assert total == 26 and len(items) == 26, (total, len(items))
    hidden = [obj for _, obj in notes.values()]
    assert not any(obj in item for obj in hidden for item in items)
    for headers in (alice, _signed_get(bob, "/users/admin/outbox")):
        total, _ = await _outbox_items(client, headers) if "Authorization" in headers else (
            (await (await client.get("/users/admin/outbox", headers=headers)).json(content_type=None))["totalItems"], [])
        assert total == 26
    total, items = await _outbox_items(client, {"Authorization": f"Bearer {fed.admin_token}"})
    assert total == 26 + len(notes) and len(items) == total
    # The inboxes are their owners' only.
    for path in ("/users/alice/inbox", "/users/alice/inbox?page=true"):
        assert (await client.get(path)).status == 401
        assert (await client.get(path, headers={"Authorization": f"Bearer {fed.admin_token}"})).status == 403
        assert (await client.get(path, headers=_signed_get(stranger, path))).status in (401, 403)
    # No web page shows a private note to a stranger.
    for path in ("/", "/users/admin", "/users/alice", "/pools/commons"):
        text = await (await client.get(path, headers={"Accept": "text/html"})).text()
        assert "secret " not in text or all(obj not in text for obj in hidden), path


# --- Item 12: the bylaws' visibility, changed by a bylaws-change proposal --------------------


async def _to_members_only(client: Any, setup: Any) -> dict[str, Any]:
    """Admin and alice pass a bylaws change to ``visibility: members``; the proposal document."""
    from datetime import datetime

    from node.appkeys import ACTORS
    from node.pool_engine import close_due
    from node.pools import load_bylaws
    from tests.node.pools.helpers import propose, vote

    actors = client.server.app[ACTORS]
    current = (await load_bylaws(actors, setup.pool)).to_dict()
    proposal = await propose(client, "admin", setup.admin_token, name="Members only",
                             proposalKind="bylaws_change",
                             proposedBylaws={**current, "visibility": "members"})
    for user, token in (("admin", setup.admin_token), ("alice", setup.alice_token)):
        assert (await vote(client, user, token, proposal["id"], "agree")).status == 201
    closes = datetime.fromisoformat(proposal["closesAt"].replace("Z", "+00:00"))
    assert await close_due(client.server.app, closes) == [proposal["id"]]
    return proposal


def _record_paths(proposal: str) -> list[str]:
    return [
        "/pools/commons/proposals", "/pools/commons/proposals?page=true",
        "/pools/commons/proposals?page=true&before=999999",
        proposal, proposal + "/electorate", proposal + "/question", proposal + "/tally",
        proposal + "/effect", proposal + "/ballots", proposal + "/ballots?page=true",
        proposal + "/ballots?page=true&before=999999",
        "/pools/commons/ledger", "/pools/commons/ledger?page=true",
        "/pools/commons/ledger?page=true&before=5", "/pools/commons/ledger/balances",
        "/pools/commons/ledger/1", "/pools/commons/ledger/999",
        "/pools/commons/members", "/pools/commons/members?page=true",
        "/pools/commons/members?page=true&before=999999", "/pools/commons/applications",
        "/pools/commons/floods/tally",
    ]


async def test_members_only_visibility_end_to_end(fed_client: Any, fed: Any, remote: Any) -> None:
    client = fed_client
    text = await (await client.get("/pools/commons/bylaws?format=md")).text()
    assert "The record is public: anyone may read it." in text
    proposal = await _to_members_only(client, fed)
    path = proposal["id"].removeprefix(fed.config.base_url)
    bylaws = await (await client.get("/pools/commons/bylaws", headers={"Accept": AP})).json(content_type=None)
    assert bylaws["visibility"] == "members"
    text = await (await client.get("/pools/commons/bylaws?format=md")).text()
    assert "The record is visible to members only" in text and "anyone may read it" not in text
    stranger, peer = remote.add("stranger"), remote.add("peerpool", "Group")
    from node.floods import floods

    await floods(client.server.app).set_link(fed.pool.id, fed.pool.uri + "/floods/f", "f", peer.uri,
                                             "approved", fed.pool.uri + "/proposals/x", "2026-01-01T00:00:00Z")
    alice = {"Authorization": f"Bearer {fed.alice_token}", "Accept": AP}
    for route in _record_paths(path):
        anonymous = await client.get(route, headers={"Accept": AP})
        assert anonymous.status == 401, (route, anonymous.status)
        assert "members only" in (await anonymous.json(content_type=None))["error"]
        assert (await client.get(route, headers=_signed_get(stranger, route))).status == 403, route
        if route.endswith("/applications"):  # stewards' list: another rule on top
            continue
        member = await client.get(route, headers=alice)
        assert member.status in (200, 400, 404), (route, member.status)
        flood_peer = await client.get(route, headers=_signed_get(peer, route))
        assert flood_peer.status == member.status, (route, flood_peer.status)
    # The web pages of the record: none shows it to an anonymous visitor.
    key = path.rsplit("/", 1)[1]
    for route in ("/pools/commons/proposals", f"/pools/commons/proposals/{key}",
                  f"/pools/commons/proposals/{key}/live", "/pools/commons/ledger",
                  "/pools/commons/members"):
        resp = await client.get(route, headers={"Accept": "text/html"}, allow_redirects=False)
        body = await resp.text()
        assert resp.status in (302, 303, 401, 403), (route, resp.status, body[:300])
        assert "Members only" not in body and "alice" not in body, route
    page = await (await client.get("/pools/commons", headers={"Accept": "text/html"})).text()
    assert "alice" not in page and "Members only" not in page
    # GOVERNANCE.md: the floods it is in stay public (names, linked pools, proposal ids).
    floods_list = await client.get("/pools/commons/floods", headers={"Accept": AP})
    assert floods_list.status == 200
    # Nor the outboxes, nor the objects and activities of the record, even those published
    # while the record was public.
    for actor in ("/pools/commons/outbox", "/users/admin/outbox", "/users/alice/outbox"):
        collection = await (await client.get(actor + "?page=true", headers={"Accept": AP})).text()
        assert "Members only" not in collection and '"Ballot"' not in collection, (actor, collection[:500])
        assert "Tally" not in collection and '"Proposal"' not in collection, (actor, collection[:500])


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

"""The remote document fetcher, against a real aiohttp server on 127.0.0.1 only."""

from __future__ import annotations

import asyncio
import ipaddress
import json
from collections.abc import AsyncIterator, Sequence
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from federation.addresses import IPAddress, is_forbidden_address
from federation.errors import FetchError, UnsafeAddress
from federation.fetch import ACCEPT, Fetcher, is_as2_content_type

AS2 = "application/activity+json"
PEM = "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA\n-----END PUBLIC KEY-----\n"
MULTIBASE = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
LOOPBACK = ipaddress.ip_address("127.0.0.1")
HITS = web.AppKey("hits", list[str])
HEADERS = web.AppKey("headers", list[dict[str, str]])


def _self_url(request: web.Request) -> str:
    return f"http://{request.host}{request.path}"


def _actor(url: str) -> dict[str, Any]:
    return {
        "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
        "id": url,
        "type": "Person",
        "inbox": f"{url}/inbox",
        "publicKey": {"id": f"{url}#main-key", "owner": url, "publicKeyPem": PEM},
        "assertionMethod": [
            {"id": f"{url}#ed25519-key", "type": "Multikey", "controller": url,
             "publicKeyMultibase": MULTIBASE},
        ],
    }


def _json(body: Any, content_type: str = AS2) -> web.Response:
    return web.Response(body=json.dumps(body).encode(), headers={"Content-Type": content_type})


async def actor(request: web.Request) -> web.Response:
    request.app[HITS].append(request.path)
    request.app[HEADERS].append(dict(request.headers))
    return _json(_actor(_self_url(request)))


async def redirect(request: web.Request) -> web.Response:
    left = int(request.match_info["n"])
    target = "/users/alice" if left == 0 else f"/redirect/{left - 1}"
    raise web.HTTPFound(target)


async def redirect_to(request: web.Request) -> web.Response:
    raise web.HTTPFound(request.query["to"])


async def big(request: web.Request) -> web.StreamResponse:
    resp = web.StreamResponse(headers={"Content-Type": AS2})
    await resp.prepare(request)
    for _ in range(40):  # 40 x 64 KiB = 2.5 MiB, chunked, no Content-Length
        await resp.write(b" " * 65536)
    await resp.write_eof()
    return resp


async def big_declared(request: web.Request) -> web.Response:
    return web.Response(body=b" " * (1024 * 1024 + 1), headers={"Content-Type": AS2})


async def plain_json(request: web.Request) -> web.Response:
    return _json(_actor(_self_url(request)), "application/json")


async def ld_json(request: web.Request) -> web.Response:
    return _json(_actor(_self_url(request)), "application/ld+json")


async def ld_json_profile(request: web.Request) -> web.Response:
    kind = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
    return _json(_actor(_self_url(request)), kind)


async def array(request: web.Request) -> web.Response:
    return _json([_actor(_self_url(request))])


async def not_json(request: web.Request) -> web.Response:
    return web.Response(body=b"<html>", headers={"Content-Type": AS2})


async def wrong_id(request: web.Request) -> web.Response:
    return _json(_actor("https://elsewhere.example/users/mallory"))


async def slow(request: web.Request) -> web.Response:
    await asyncio.sleep(2)
    return _json(_actor(_self_url(request)))


async def gone(request: web.Request) -> web.Response:
    raise web.HTTPGone()


async def foreign_key(request: web.Request) -> web.Response:
    doc = _actor(_self_url(request))
    doc["publicKey"]["owner"] = "https://elsewhere.example/users/mallory"
    doc["assertionMethod"][0]["controller"] = "https://elsewhere.example/users/mallory"
    return _json(doc)


@pytest.fixture
async def server(aiohttp_server: Any) -> Any:
    app = web.Application()
    app[HITS] = []
    app[HEADERS] = []
    app.router.add_get("/users/alice", actor)
    app.router.add_get("/users/bob", actor)
    app.router.add_get("/redirect/{n}", redirect)
    app.router.add_get("/redirect-to", redirect_to)
    app.router.add_get("/big", big)
    app.router.add_get("/big-declared", big_declared)
    app.router.add_get("/plain-json", plain_json)
    app.router.add_get("/ld-json", ld_json)
    app.router.add_get("/ld-json-profile", ld_json_profile)
    app.router.add_get("/array", array)
    app.router.add_get("/not-json", not_json)
    app.router.add_get("/wrong-id", wrong_id)
    app.router.add_get("/slow", slow)
    app.router.add_get("/gone", gone)
    app.router.add_get("/foreign-key", foreign_key)
    return await aiohttp_server(app, host="127.0.0.1")


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as s:
        yield s


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def fake_dns(table: dict[str, list[str]]) -> Any:
    """An injected resolver: fixed answers, never a real lookup."""

    async def resolve(host: str, port: int) -> Sequence[IPAddress]:
        if host not in table:
            raise OSError(f"no such host {host}")
        return [ipaddress.ip_address(a) for a in table[host]]

    return resolve


def loopback_is_public(ip: IPAddress) -> str | None:
    """Test policy: the real policy, except that 127.0.0.1 plays a public address."""
    return None if ip == LOOPBACK else is_forbidden_address(ip)


def base(server: Any) -> str:
    return f"http://127.0.0.1:{server.port}"


# --- happy paths (allow_private_addresses=True: the test server is on loopback) -------


async def test_fetch_returns_document_and_sends_accept(server: Any, session: Any) -> None:
    fetcher = Fetcher(session, allow_private_addresses=True)
    url = f"{base(server)}/users/alice"
    result = await fetcher.fetch(url)
    assert result.url == url
    assert result.document["id"] == url
    assert server.app[HEADERS][-1]["Accept"] == ACCEPT


async def test_sign_get_headers_are_sent(server: Any, session: Any) -> None:
    signed: list[str] = []

    def sign_get(url: str) -> dict[str, str]:
        signed.append(url)
        return {"Signature": "keyId=\"x\"", "Date": "Thu, 01 Jan 2026 00:00:00 GMT"}

    fetcher = Fetcher(session, sign_get=sign_get, allow_private_addresses=True)
    url = f"{base(server)}/users/alice"
    await fetcher.fetch(url)
    assert signed == [url]
    assert server.app[HEADERS][-1]["Signature"] == "keyId=\"x\""


async def test_follows_up_to_three_redirects(server: Any, session: Any) -> None:
    fetcher = Fetcher(session, allow_private_addresses=True)
    result = await fetcher.fetch(f"{base(server)}/redirect/2")  # 3 redirects in all
    assert result.url == f"{base(server)}/users/alice"
    assert result.document["id"] == result.url


async def test_more_than_three_redirects_refused(server: Any, session: Any) -> None:
    fetcher = Fetcher(session, allow_private_addresses=True)
    with pytest.raises(FetchError, match="too many redirects"):
        await fetcher.fetch(f"{base(server)}/redirect/3")  # 4 redirects


async def test_hostname_is_resolved_by_injected_resolver_and_pinned(server: Any, session: Any) -> None:
    fetcher = Fetcher(
        session, resolver=fake_dns({"public.example": ["127.0.0.1"]}), is_forbidden=loopback_is_public
    )
    url = f"http://public.example:{server.port}/users/alice"
    result = await fetcher.fetch(url)
    assert result.document["id"] == url
    assert server.app[HEADERS][-1]["Host"] == f"public.example:{server.port}"


# --- SSRF refusals --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1:9/users/a", "loopback"),
        ("http://[::1]:9/users/a", "loopback"),
        ("http://10.0.0.1/users/a", "private"),
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
        ("http://2130706433/users/a", "loopback"),
        ("http://0x7f.1/users/a", "loopback"),
    ],
)
async def test_forbidden_literals_refused(session: Any, url: str, reason: str) -> None:
    fetcher = Fetcher(session, resolver=fake_dns({}))
    with pytest.raises(UnsafeAddress) as caught:
        await fetcher.fetch(url)
    assert reason in caught.value.reason


async def test_hostname_resolving_to_private_address_refused(session: Any) -> None:
    fetcher = Fetcher(session, resolver=fake_dns({"intranet.example": ["192.168.1.5"]}))
    with pytest.raises(UnsafeAddress, match="private"):
        await fetcher.fetch("http://intranet.example/users/a")


async def test_any_forbidden_resolved_address_refuses(session: Any) -> None:
    fetcher = Fetcher(session, resolver=fake_dns({"mixed.example": ["93.184.215.14", "10.1.1.1"]}))
    with pytest.raises(UnsafeAddress, match="private"):
        await fetcher.fetch("http://mixed.example/users/a")


async def test_unresolvable_host(session: Any) -> None:
    fetcher = Fetcher(session, resolver=fake_dns({}))
    with pytest.raises(FetchError, match="could not resolve host"):
        await fetcher.fetch("http://nowhere.example/users/a")


@pytest.mark.parametrize(
    ("target", "reason"),
    [
        ("http://private.example:{port}/users/alice", "private"),
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
        ("http://[::ffff:10.0.0.1]/", "IPv4-mapped private"),
        ("file:///etc/passwd", "only http and https"),
    ],
)
async def test_redirect_to_forbidden_target_refused(
    server: Any, session: Any, target: str, reason: str
) -> None:
    dns = fake_dns({"public.example": ["127.0.0.1"], "private.example": ["10.0.0.1"]})
    fetcher = Fetcher(session, resolver=dns, is_forbidden=loopback_is_public)
    start = f"http://public.example:{server.port}/redirect-to"
    with pytest.raises(UnsafeAddress) as caught:
        await fetcher.fetch(start + "?to=" + target.format(port=server.port))
    assert reason in caught.value.reason
    assert server.app[HITS] == []  # the forbidden hop was never requested


async def test_userinfo_refused(session: Any) -> None:
    fetcher = Fetcher(session, allow_private_addresses=True)
    with pytest.raises(UnsafeAddress, match="credentials"):
        await fetcher.fetch("http://user:pw@127.0.0.1:9/")


# --- response checks ------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/big", "/big-declared"])
async def test_oversize_response_refused(server: Any, session: Any, path: str) -> None:
    fetcher = Fetcher(session, allow_private_addresses=True)
    with pytest.raises(FetchError, match="response too large"):
        await fetcher.fetch(f"{base(server)}{path}")


async def test_plain_json_content_type_refused(server: Any, session: Any) -> None:
    fetcher = Fetcher(session, allow_private_addresses=True)
    with pytest.raises(FetchError, match="not an ActivityStreams document"):
        await fetcher.fetch(f"{base(server)}/plain-json")


async def test_ld_json_with_as2_profile_or_none_accepted(server: Any, session: Any) -> None:
    fetcher = Fetcher(session, allow_private_addresses=True)
    await fetcher.fetch(f"{base(server)}/ld-json")
    await fetcher.fetch(f"{base(server)}/ld-json-profile")


def test_content_type_rules() -> None:
    assert is_as2_content_type("application/activity+json")
    assert is_as2_content_type("application/activity+json; charset=utf-8")
    assert is_as2_content_type('application/ld+json; profile="https://www.w3.org/ns/activitystreams"')
    assert is_as2_content_type("application/ld+json")
    assert not is_as2_content_type('application/ld+json; profile="https://example.org/other"')
    assert not is_as2_content_type("application/json")
    assert not is_as2_content_type("text/html")
    assert not is_as2_content_type(None)


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/array", "response is not a JSON object"),
        ("/not-json", "response is not JSON"),
        ("/wrong-id", "fetched id does not match URL"),
        ("/gone", "remote answered HTTP 410"),
    ],
)
async def test_bad_documents_refused(server: Any, session: Any, path: str, reason: str) -> None:
    fetcher = Fetcher(session, allow_private_addresses=True)
    with pytest.raises(FetchError) as caught:
        await fetcher.fetch(f"{base(server)}{path}")
    assert caught.value.reason == reason
    assert caught.value.status == 502


async def test_slow_server_times_out(server: Any, session: Any) -> None:
    fetcher = Fetcher(session, allow_private_addresses=True, total_timeout=0.2)
    with pytest.raises(FetchError, match="timed out"):
        await fetcher.fetch(f"{base(server)}/slow")


async def test_slow_resolver_times_out(session: Any) -> None:
    async def hang(host: str, port: int) -> Sequence[IPAddress]:
        await asyncio.sleep(5)
        return []

    fetcher = Fetcher(session, resolver=hang, connect_timeout=0.1)
    with pytest.raises(FetchError, match="timed out resolving host"):
        await fetcher.fetch("http://slow-dns.example/")


# --- actors, keys and the cache -------------------------------------------------------


async def test_fetch_key_from_public_key_and_multikey(server: Any, session: Any) -> None:
    fetcher = Fetcher(session, allow_private_addresses=True)
    url = f"{base(server)}/users/alice"
    actor_doc, pem = await fetcher.fetch_key(f"{url}#main-key")
    assert actor_doc["id"] == url and pem == PEM
    _, multibase = await fetcher.fetch_key(f"{url}#ed25519-key")
    assert multibase == MULTIBASE
    assert server.app[HITS] == ["/users/alice"]  # second lookup came from the cache


async def test_fetch_key_unknown_or_foreign_key(server: Any, session: Any) -> None:
    fetcher = Fetcher(session, allow_private_addresses=True)
    with pytest.raises(FetchError, match="key not found"):
        await fetcher.fetch_key(f"{base(server)}/users/alice#other-key")
    foreign = f"{base(server)}/foreign-key"
    with pytest.raises(FetchError, match="not owned by the actor"):
        await fetcher.fetch_key(f"{foreign}#main-key")
    with pytest.raises(FetchError, match="not controlled by the actor"):
        await fetcher.fetch_key(f"{foreign}#ed25519-key")


async def test_actor_cache_hit_expiry_and_refresh(server: Any, session: Any) -> None:
    clock = Clock()
    fetcher = Fetcher(session, allow_private_addresses=True, cache_ttl=60, clock=clock)
    url = f"{base(server)}/users/alice"
    await fetcher.fetch_actor(url)
    await fetcher.fetch_actor(url)
    assert len(server.app[HITS]) == 1  # hit
    clock.now += 59
    await fetcher.fetch_actor(url)
    assert len(server.app[HITS]) == 1  # still fresh
    clock.now += 2
    await fetcher.fetch_actor(url)
    assert len(server.app[HITS]) == 2  # expired, refetched
    await fetcher.fetch_actor(url, refresh=True)
    assert len(server.app[HITS]) == 3  # refresh bypasses the cache
    fetcher.forget(url)
    await fetcher.fetch_actor(url)
    assert len(server.app[HITS]) == 4


async def test_actor_cache_is_bounded(server: Any, session: Any) -> None:
    fetcher = Fetcher(session, allow_private_addresses=True, cache_size=1)
    alice, bob = f"{base(server)}/users/alice", f"{base(server)}/users/bob"
    await fetcher.fetch_actor(alice)
    await fetcher.fetch_actor(bob)  # evicts alice
    await fetcher.fetch_actor(alice)
    assert server.app[HITS] == ["/users/alice", "/users/bob", "/users/alice"]

"""The verifier's reads, against a real aiohttp server on loopback: signed GETs with the key the
user passes, paging within bounds, keys that must belong to the actor they claim, clear errors."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import ed25519

from federation.errors import SignatureInvalid
from federation.fetch import Fetcher
from federation.httpsig import verify_request_with_key
from federation.keys import ed25519_public_to_multibase, generate_actor_keys, load_private_key_pem
from node.verify.reader import Limits, RecordReader, Unreadable, key_signer, reader_credentials

KEYS = generate_actor_keys()
AS2 = "application/activity+json"


def _doc(request: web.Request, body: dict[str, Any]) -> web.Response:
    return web.Response(body=json.dumps({"id": str(request.url), **body}).encode(),
                        headers={"Content-Type": AS2})


def _actor(request: web.Request, controller: str | None = None) -> web.Response:
    me = str(request.url)
    key = load_private_key_pem(KEYS.ed25519_private_pem)
    assert isinstance(key, ed25519.Ed25519PrivateKey)
    return _doc(request, {"type": "Person", "assertionMethod": [
        {"id": me + "#ed25519-key", "type": "Multikey", "controller": controller or me,
         "publicKeyMultibase": ed25519_public_to_multibase(key.public_key())}]})


async def ana(request: web.Request) -> web.Response:
    return _actor(request)


async def eve(request: web.Request) -> web.Response:
    return _actor(request, controller=str(request.url).replace("eve", "ana"))


async def collection(request: web.Request) -> web.Response:
    kind = request.match_info["kind"]
    base = f"http://{request.host}/c/{kind}"
    page = request.query.get("page")
    if page is None:
        return _doc(request, {"type": "OrderedCollection", "totalItems": 2, "first": base + "?page=true"})
    before = int(request.query.get("before", "100"))
    nxt = {"endless": f"{base}?page=true&before={before - 1}", "loop": base + "?page=true",
           "away": f"http://{request.host}/elsewhere?page=true"}[kind]
    return _doc(request, {"type": "OrderedCollectionPage", "orderedItems": [before], "next": nxt})


async def private(request: web.Request) -> web.Response:
    signed = request.headers.get("Signature")
    if signed is None:
        return web.json_response({"error": "the record of commons is visible to its members only",
                                  "code": "unauthorized"}, status=401)
    public = load_private_key_pem(KEYS.rsa_private_pem).public_key()
    try:
        verify_request_with_key("GET", request.path_qs, request.headers, None, public,
                                datetime.now(UTC), scheme="http")
    except SignatureInvalid:
        return web.json_response({"error": "bad signature", "code": "signature_invalid"}, status=401)
    return _doc(request, {"type": "Note"})


@pytest.fixture
async def base(aiohttp_server: Any) -> str:
    app = web.Application()
    app.router.add_get("/users/ana", ana)
    app.router.add_get("/users/eve", eve)
    app.router.add_get("/private", private)
    app.router.add_get("/c/{kind}", collection)
    server = await aiohttp_server(app, host="127.0.0.1")
    return f"http://127.0.0.1:{server.port}"


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as s:
        yield s


def reader(session: aiohttp.ClientSession, sign: Any = None, **limits: Any) -> RecordReader:
    bounds = Limits(allow_private_addresses=True, **limits)
    fetcher = Fetcher(session, sign_get=sign, allow_private_addresses=True)
    return RecordReader(fetcher, bounds, lambda _: None, signed=sign is not None)


async def test_a_members_only_record_is_read_with_the_key_passed(base: str, session: Any,
                                                                 tmp_path: Path) -> None:
    with pytest.raises(Unreadable) as refused:
        await reader(session).document(base + "/private")
    assert "--key-file and --key-id" in refused.value.reason
    key_file = tmp_path / "ana.pem"
    key_file.write_text(KEYS.rsa_private_pem)
    signed = reader(session, key_signer(key_file, base + "/users/ana#main-key"))
    assert (await signed.document(base + "/private"))["type"] == "Note"


def test_a_token_goes_to_the_pools_own_node_only(tmp_path: Path) -> None:
    key_file = tmp_path / "ana.pem"
    key_file.write_text(KEYS.rsa_private_pem)
    signer = key_signer(key_file, "https://a.example/users/ana#main-key")
    both = reader_credentials("https://b.example/pools/commons", signer=signer, token="pn_secret")
    assert both is not None
    assert both("https://b.example/pools/commons/ledger") == {"Authorization": "Bearer pn_secret"}
    elsewhere = both("https://a.example/users/ana")
    assert "Authorization" not in elsewhere and 'keyId="https://a.example/users/ana#main-key"' in elsewhere["Signature"]
    token_only = reader_credentials("https://b.example/pools/commons", token="pn_secret")
    assert token_only is not None and token_only("http://b.example/pools/commons") == {}  # not its origin
    assert reader_credentials("https://b.example/pools/commons") is None


def test_a_key_file_without_a_key_is_refused(tmp_path: Path) -> None:
    junk = tmp_path / "junk.pem"
    junk.write_text("not a key")
    with pytest.raises(ValueError, match="no unencrypted PEM private key"):
        key_signer(junk, "https://a.example/users/ana#main-key")
    with pytest.raises(ValueError, match="cannot read the key file"):
        key_signer(tmp_path / "missing.pem", "https://a.example/users/ana#main-key")


async def test_a_key_counts_only_for_the_actor_that_controls_it(base: str, session: Any) -> None:
    read = reader(session)
    controller, _ = await read.key(base + "/users/ana#ed25519-key")
    assert controller == base + "/users/ana"
    with pytest.raises(Unreadable, match="not controlled by the actor"):
        await read.key(base + "/users/eve#ed25519-key")
    assert read.key_failure(base + "/users/eve#ed25519-key") is not None


@pytest.mark.parametrize(("kind", "reason"), [
    ("endless", "holds more than 12 items"),  # totalItems 2, and 10 more at most
    ("loop", "is not a new page of it"),
    ("away", "is not a new page of it"),
])
async def test_paging_is_bounded(base: str, session: Any, kind: str, reason: str) -> None:
    read = reader(session)
    with pytest.raises(Unreadable, match=reason):
        await read.items(f"{base}/c/{kind}", "items", extra=10)
    assert read.requests <= 14


async def test_the_request_bound_holds(base: str, session: Any) -> None:
    read = reader(session, max_requests=2)
    await read.document(base + "/users/ana")
    await read.document(base + "/users/ana")
    with pytest.raises(Unreadable, match="bound of 2 requests"):
        await read.document(base + "/users/ana")
    assert read.requests == 2

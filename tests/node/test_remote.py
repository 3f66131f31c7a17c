"""Resolving remote actors: database cache with a TTL, refresh, signed GETs, SSRF refusal."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest

from federation.errors import FetchError
from node.app import create_app
from node.appkeys import REMOTE_ACTORS
from node.remote import resolve_actor
from tests.conftest import make_node

pytestmark = pytest.mark.both_backends


@pytest.fixture
async def app(fed, aiohttp_client):  # type: ignore[no-untyped-def]
    return (await aiohttp_client(create_app(fed.config))).server.app


async def test_actor_is_fetched_signed_and_then_served_from_the_database(app, remote, fed):
    bob = remote.add("bob")
    actor = await resolve_actor(app, bob.uri)
    assert (actor.uri, actor.type, actor.inbox) == (bob.uri, "Person", bob.uri + "/inbox")
    assert actor.shared_inbox == remote.base + "/inbox"
    assert actor.key_id == bob.key_id and "BEGIN PUBLIC KEY" in (actor.public_key_pem or "")
    assert await resolve_actor(app, bob.uri) == actor
    assert remote.fetches == [bob.uri]
    [signature] = remote.fetch_signatures
    assert signature is not None and f'keyId="{fed.pool.key_id}"' in signature
    assert await app[REMOTE_ACTORS].get(bob.uri) == actor


async def test_refresh_and_expiry_fetch_again(app, remote):
    bob = remote.add("bob")
    actor = await resolve_actor(app, bob.uri)
    await resolve_actor(app, bob.uri, refresh=True)
    assert len(remote.fetches) == 2
    await app[REMOTE_ACTORS].put(dataclasses.replace(actor, fetched_at=0))  # long expired
    await resolve_actor(app, bob.uri)
    assert len(remote.fetches) == 3


async def test_concurrent_resolutions_share_one_fetch(app, remote):
    bob = remote.add("bob")
    results = await asyncio.gather(*(resolve_actor(app, bob.uri) for _ in range(5)))
    assert {r.uri for r in results} == {bob.uri}
    assert remote.fetches == [bob.uri]


async def test_local_actor_resolves_without_fetching(app, remote, fed):
    actor = await resolve_actor(app, fed.pool.uri)
    assert actor.type == "Group" and actor.inbox == fed.pool.uri + "/inbox"
    assert actor.public_key_pem == fed.pool.rsa_public_pem
    assert actor.ed25519_keys == {fed.pool.proof_key_id: fed.pool.ed25519_public_multibase}
    assert remote.fetches == []


async def test_missing_actor_is_a_fetch_error(app, remote):
    with pytest.raises(FetchError):
        await resolve_actor(app, remote.base + "/users/nobody")


async def test_private_address_is_refused_when_not_allowed(tmp_path, aiohttp_client, remote):
    setup = await make_node(tmp_path / "strict")
    app = (await aiohttp_client(create_app(setup.config))).server.app
    bob = remote.add("bob")
    with pytest.raises(FetchError, match="refusing to fetch"):
        await resolve_actor(app, bob.uri)
    assert remote.fetches == []

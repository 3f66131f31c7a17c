"""C2S retries with an Idempotency-Key book once and get the first response (issue 12, item 9)."""

from __future__ import annotations

import hashlib
import json
import time
from typing import Any

import pytest

from node.appkeys import ACTORS, IDEMPOTENCY, IDEMPOTENCY_IN_FLIGHT
from node.idempotency import KEY_LIFETIME_MS
from node.pool_engine.common import store
from tests.node.pools.helpers import POOL

pytestmark = pytest.mark.both_backends

KEY = "8e03978e-40d5-43e8-bc93-6894a57f9324"


def _contribution(node: Any, amount: int = 5000) -> bytes:
    return json.dumps({"type": "LedgerEntry", "pool": POOL, "entryKind": "contribution",
                       "person": node.alice.uri, "amount": amount, "reference": "bank 17"}).encode()


async def _post(client: Any, user: str, token: str, body: bytes, key: str | None = KEY) -> Any:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/activity+json"}
    if key is not None:
        headers["Idempotency-Key"] = key
    return await client.post(f"/users/{user}/outbox", data=body, headers=headers)


async def _entries(client: Any) -> int:
    pool = await client.app[ACTORS].get("commons", "pool")
    return len(await store(client.app).ledger(pool.id))


async def test_a_retried_contribution_books_once_and_gets_the_first_response(client, node) -> None:  # type: ignore[no-untyped-def]
    first = await _post(client, "admin", node.admin_token, _contribution(node))
    assert first.status == 201, await first.text()
    first_body = await first.read()
    # The sf-string form of the same key is the same key (RFC 8941 §3.3.3).
    for key in (KEY, f'"{KEY}"'):
        again = await _post(client, "admin", node.admin_token, _contribution(node), key)
        assert again.status == 201
        assert again.headers["Location"] == first.headers["Location"]
        assert await again.read() == first_body
        assert again.headers["Content-Type"] == first.headers["Content-Type"]
    assert await _entries(client) == 1


async def test_without_a_key_every_post_books(client, node) -> None:  # type: ignore[no-untyped-def]
    for _ in range(2):
        assert (await _post(client, "admin", node.admin_token, _contribution(node), None)).status == 201
    assert await _entries(client) == 2


async def test_the_same_key_with_another_body_is_422(client, node) -> None:  # type: ignore[no-untyped-def]
    assert (await _post(client, "admin", node.admin_token, _contribution(node))).status == 201
    other = await _post(client, "admin", node.admin_token, _contribution(node, 7000))
    assert other.status == 422
    assert (await other.json())["code"] == "idempotency_key_reused"
    assert await _entries(client) == 1


async def test_keys_belong_to_the_actor(client, node) -> None:  # type: ignore[no-untyped-def]
    assert (await _post(client, "admin", node.admin_token, _contribution(node))).status == 201
    note = json.dumps({"type": "Note", "content": "hello"}).encode()
    assert (await _post(client, "alice", node.alice_token, note)).status == 201


async def test_a_request_in_progress_or_cut_off_is_409(client, node) -> None:  # type: ignore[no-untyped-def]
    body = _contribution(node)
    fingerprint = hashlib.sha256(body).hexdigest()
    now = int(time.time() * 1000)
    assert await client.app[IDEMPOTENCY].claim(node.admin.id, KEY, fingerprint, now, 0) is None
    client.app[IDEMPOTENCY_IN_FLIGHT].add((node.admin.id, KEY))
    busy = await _post(client, "admin", node.admin_token, body)
    assert busy.status == 409 and (await busy.json())["code"] == "idempotency_key_in_use"
    assert "still being processed" in (await busy.json())["error"]
    client.app[IDEMPOTENCY_IN_FLIGHT].clear()  # as after a restart: claimed, never finished
    cut = await _post(client, "admin", node.admin_token, body)
    assert cut.status == 409 and "cut off by a restart" in (await cut.json())["error"]
    assert await _entries(client) == 0


async def test_a_failed_request_releases_its_key(client, node) -> None:  # type: ignore[no-untyped-def]
    refused = await _post(client, "admin", node.admin_token, _contribution(node, 0))
    assert refused.status == 400
    assert (await _post(client, "admin", node.admin_token, _contribution(node))).status == 201
    assert await _entries(client) == 1


async def test_an_expired_key_is_a_new_key(client, node) -> None:  # type: ignore[no-untyped-def]
    long_ago = int(time.time() * 1000) - KEY_LIFETIME_MS - 1000
    await client.app[IDEMPOTENCY].claim(node.admin.id, KEY, "0" * 64, long_ago, 0)
    await client.app[IDEMPOTENCY].complete(node.admin.id, KEY, 201, None, "application/json", "{}")
    assert (await _post(client, "admin", node.admin_token, _contribution(node))).status == 201
    assert await _entries(client) == 1


async def test_a_malformed_key_is_400_and_books_nothing(client, node) -> None:  # type: ignore[no-untyped-def]
    for key in ("", "x" * 256, "a b", 'a"b', "é"):
        response = await _post(client, "admin", node.admin_token, _contribution(node), key)
        assert response.status == 400, key
        assert "Idempotency-Key" in (await response.json())["error"]
    assert await _entries(client) == 0

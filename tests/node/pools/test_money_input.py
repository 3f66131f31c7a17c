"""C2S amounts: whole minor units in range, the role first, a plain reason (issue 12, item 7)."""

from __future__ import annotations

from typing import Any

import pytest

from node.appkeys import ACTORS
from node.pool_engine.common import store
from tests.node.pools.helpers import POOL, post

pytestmark = pytest.mark.both_backends


async def _counts(client: Any) -> tuple[int, int]:
    pool = await client.app[ACTORS].get("commons", "pool")
    return (len(await store(client.app).ledger(pool.id)),
            len(await store(client.app).proposals_of_pool(pool.id, limit=100)))


def _contribution(node: Any, amount: object) -> dict[str, Any]:
    return {"type": "LedgerEntry", "pool": POOL, "entryKind": "contribution",
            "person": node.alice.uri, "amount": amount, "reference": "bank 17"}


@pytest.mark.parametrize("amount", [2**53, 10**30, 1.5, "12.50", "1e999999", 0, -5, True])
async def test_c2s_ledger_entry_refuses_bad_amounts(client, node, amount: object) -> None:  # type: ignore[no-untyped-def]
    response = await post(client, "admin", node.admin_token, _contribution(node, amount))
    assert response.status == 400, await response.text()
    body = await response.json()
    assert body["code"] in ("invalid_amount", "amount_too_large")
    if amount in (2**53, 10**30):
        assert body["error"] == "the amount is too large: at most EUR 90071992547409.91"
    assert await _counts(client) == (0, 0)


async def test_c2s_disbursement_too_large_is_said_plainly(client, node) -> None:  # type: ignore[no-untyped-def]
    response = await post(client, "alice", node.alice_token, {
        "type": "Proposal", "pool": POOL, "name": "Buy the moon", "proposalKind": "disbursement",
        "amount": 2**60, "currency": "EUR", "payee": "NASA", "purpose": "the moon"})
    assert response.status == 400
    body = await response.json()
    assert body == {"error": "the amount is too large: at most EUR 90071992547409.91",
                    "code": "amount_too_large"}
    assert await _counts(client) == (0, 0)


async def test_c2s_non_treasurer_gets_403_whatever_the_amount(client, node) -> None:  # type: ignore[no-untyped-def]
    for amount in (2**60, 1.5, 20):
        response = await post(client, "alice", node.alice_token, _contribution(node, amount))
        assert response.status == 403 and (await response.json())["code"] == "not_permitted"
    assert await _counts(client) == (0, 0)

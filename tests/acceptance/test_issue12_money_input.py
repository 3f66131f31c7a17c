"""Issue 12 items 7 and 9: one strict, bounded money parser on every surface, and
Idempotency-Key on C2S.

Tried from outside as a treasurer, a member and a tester would, with the issue text and
docs/PROTOCOL.md, docs/GOVERNANCE.md, docs/OPERATIONS.md as the spec.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from node.appkeys import ACTORS
from node.pool_engine import close_due
from node.pool_engine.common import store
from tests.acceptance.money_helpers import (
    _at,
    _book,
    _kinds,
    _signed_in,
    _spend,
)
from tests.node.pools.helpers import POOL
from tests.web.helpers import page, post_form

# -- item 7: one strict, bounded money parser on every surface -------------------------------

BAD_TEXT = ["1e999000", "1e999999", "1_000", "١٠٠٠", "１２", "-5", "0", "12.345", "9" * 5000,
            "90071992547409.92", "123456789012345678901234567890"]
NONZERO = [a for a in BAD_TEXT if a != "0"]  # a minimum share of 0 means none
TOO_LARGE = {"9" * 5000, "90071992547409.92", "123456789012345678901234567890"}


async def _pools(client: Any) -> int:
    return len(await client.app[ACTORS].all("pool"))


async def _proposal_count(client: Any) -> int:
    pool = await client.app[ACTORS].get("commons", "pool")
    return len(await store(client.app).proposals_of_pool(pool.id, limit=100))


def _plain(text: str) -> None:
    assert "Traceback" not in text and "2^53" not in text and "Internal" not in text


async def _open_commitment(client: Any, node: Any) -> dict[str, Any]:
    await _book(client, node, "donation", 5000, reference="gift")
    drill = await _spend(client, node, "drill", 3000)
    await close_due(client.app, _at(drill["closesAt"]))
    return drill


@pytest.mark.parametrize("amount", BAD_TEXT)
async def test_item7_web_forms_refuse_bad_amounts(client, node, amount: str) -> None:  # type: ignore[no-untyped-def]
    drill = await _open_commitment(client, node)
    before = await _kinds(client)
    await _signed_in(client, "admin")
    ledger = "/pools/commons/ledger"
    cases = [
        (ledger + "/record", {"person": node.alice.uri, "amount": amount, "reference": "cash"},
         ledger),
        (ledger + "/pay", {"proposal": drill["id"], "amount": amount, "reference": "inv 1"},
         ledger + "/pay?proposal=" + drill["id"]),
        (ledger + "/release", {"proposal": drill["id"], "amount": amount}, ledger),
        ("/pools/commons/propose", {"title": "Buy", "kind": "disbursement", "text": "x",
                                    "amount": amount, "payee": "Shop", "over_fund": "yes"},
         "/pools/commons/proposals"),
    ]
    if amount != "0":
        from tests.web.test_amendments_pages import CURRENT

        cases += [
            ("/pools/commons/propose", {"title": "Rules", "kind": "bylaws_change", "text": "",
                                        **CURRENT, "new_min_share": amount},
             "/pools/commons/proposals"),
            ("/create-pool", {"name": "Garden", "handle": "garden", "currency": "EUR",
                              "threshold": "more_than:1/2", "quorum": "1/2",
                              "admission": "steward", "min_share": amount, "voting_days": "7"},
             "/create-pool"),
        ]
    proposals = await _proposal_count(client)
    for path, form, origin in cases:
        html = await page(client, origin)
        from tests.web.helpers import csrf_of

        resp = await client.post(path, data={"csrf": csrf_of(html), **form},
                                 headers={"Accept": "text/html"}, allow_redirects=False)
        text = await resp.text()
        assert 400 <= resp.status < 500, (path, amount, resp.status, text[:300])
        _plain(text)
        if amount in TOO_LARGE:
            assert "too large" in text, (path, text[:2000])
    assert await _kinds(client) == before
    assert await _proposal_count(client) == proposals and await _pools(client) == 1


@pytest.mark.parametrize("amount", ["1e999999", "9" * 5000, "-5", "0", "20"])
async def test_item7_web_role_before_amount(client, node, amount: str) -> None:  # type: ignore[no-untyped-def]
    drill = await _open_commitment(client, node)
    before = await _kinds(client)
    await _signed_in(client, "alice")
    ledger = "/pools/commons/ledger"
    for path, form in ((ledger + "/record", {"person": node.alice.uri, "amount": amount}),
                       (ledger + "/pay", {"proposal": drill["id"], "amount": amount,
                                          "reference": "x"}),
                       (ledger + "/release", {"proposal": drill["id"], "amount": amount})):
        resp = await post_form(client, path, form, from_page=ledger, status=403)
        _plain(await resp.text())
    assert await _kinds(client) == before


C2S_BAD: list[tuple[str, Any, str]] = [
    ("inf", "1e999999", "x"), ("inf2", "1e999000", "x"), ("neg", -5, "invalid_amount"),
    ("zero", 0, "invalid_amount"), ("frac", 12.345, "x"), ("str", "1000", "invalid_amount"),
    ("arabic", "١٠٠٠", "invalid_amount"), ("fullwidth", "１２", "invalid_amount"),
    ("bool", True, "invalid_amount"), ("big", 2**53, "amount_too_large"),
    ("bigger", 10**30, "x"), ("long", "9" * 5000, "x"),
]


def _raw(doc: dict[str, Any], amount: Any) -> bytes:
    """The document with ``amount`` spliced in as raw JSON text where it names a number."""
    text = json.dumps({**doc, "amount": "@@"})
    if isinstance(amount, str) and (amount.startswith("1e") or (amount.isascii() and amount.isdigit()
                                                                  and len(amount) > 100)):
        return text.replace('"@@"', amount).encode()
    return text.replace('"@@"', json.dumps(amount)).encode()


@pytest.mark.parametrize(("name", "amount", "code"), C2S_BAD, ids=[c[0] for c in C2S_BAD])
async def test_item7_c2s_amounts(client, node, name: str, amount: Any, code: str) -> None:  # type: ignore[no-untyped-def]
    entry = {"type": "LedgerEntry", "pool": POOL, "entryKind": "contribution",
             "person": node.alice.uri, "reference": "bank"}
    spend = {"type": "Proposal", "pool": POOL, "name": "Buy", "proposalKind": "disbursement",
             "currency": "EUR", "payee": "https://shop.example/x", "purpose": "x"}
    headers = {"Content-Type": "application/activity+json"}
    for user, token, doc, status in (("admin", node.admin_token, entry, 400),
                                     ("alice", node.alice_token, entry, 403),
                                     ("alice", node.alice_token, spend, 400)):
        resp = await client.post(f"/users/{user}/outbox", data=_raw(doc, amount),
                                 headers={**headers, "Authorization": f"Bearer {token}"})
        text = await resp.text()
        if status == 403 and name in ("inf", "inf2", "long"):
            # JSON the node will not read at all (a number beyond the bounds) is a 400 before
            # anything, the role included.
            assert resp.status == 400, (name, text)
        else:
            assert resp.status == status, (user, doc["type"], name, resp.status, text)
        body = json.loads(text)
        _plain(body["error"])
        if status == 400 and code != "x":
            assert body["code"] == code, (doc["type"], name, body)
        if code == "amount_too_large" and status == 400:
            assert "too large" in body["error"]
    assert await _kinds(client) == [] and await _proposal_count(client) == 0


# -- item 9: Idempotency-Key on C2S ----------------------------------------------------------

KEY = "0f6b1c1e-8d1c-4f0e-9d86-2b7d2a5c9e41"


async def _keyed(client: Any, user: str, token: str, body: bytes, key: str | None) -> Any:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/activity+json"}
    if key is not None:
        headers["Idempotency-Key"] = key
    return await client.post(f"/users/{user}/outbox", data=body, headers=headers)


def _contribution(node: Any, amount: int = 5000) -> bytes:
    return json.dumps({"type": "LedgerEntry", "pool": POOL, "entryKind": "contribution",
                       "person": node.alice.uri, "amount": amount, "reference": "bank 17"}).encode()


async def test_item9_retry_reused_key_and_per_actor(client, node) -> None:  # type: ignore[no-untyped-def]
    first = await _keyed(client, "admin", node.admin_token, _contribution(node), f'"{KEY}"')
    assert first.status == 201
    body = await first.read()
    again = await _keyed(client, "admin", node.admin_token, _contribution(node), f'"{KEY}"')
    assert again.status == 201 and await again.read() == body
    assert again.headers["Location"] == first.headers["Location"]
    other = await _keyed(client, "admin", node.admin_token, _contribution(node, 7000), f'"{KEY}"')
    assert other.status == 422
    assert await other.json() == {"error": "this Idempotency-Key was used for a different "
                                  "request body; use a new key", "code": "idempotency_key_reused"}
    assert await _kinds(client) == ["contribution"]
    # Per actor: alice's equal key with the very same body is not admin's first response.
    stranger = await _keyed(client, "alice", node.alice_token, _contribution(node), f'"{KEY}"')
    assert stranger.status == 403
    # ... and her equal key is hers to use (a proposal she may make).
    proposal = json.dumps({"type": "Proposal", "pool": POOL, "name": "Meet"}).encode()
    assert (await _keyed(client, "alice", node.alice_token, proposal, KEY)).status == 201
    # A refused request forgets its key.
    refused = await _keyed(client, "alice", node.alice_token, _contribution(node), "k-2")
    assert refused.status == 403
    other_proposal = json.dumps({"type": "Proposal", "pool": POOL, "name": "Picnic"}).encode()
    assert (await _keyed(client, "alice", node.alice_token, other_proposal, "k-2")).status == 201
    assert await _kinds(client) == ["contribution"] and await _proposal_count(client) == 2


async def test_item9_concurrent_same_key(client, node) -> None:  # type: ignore[no-untyped-def]
    seen: list[int] = []
    for round_ in range(3):
        body = _contribution(node, 100 + round_)
        responses = await asyncio.gather(*(_keyed(client, "admin", node.admin_token, body,
                                                  f"same-{round_}") for _ in range(2)))
        statuses = sorted(r.status for r in responses)
        assert statuses in ([201, 409], [201, 201]), statuses
        for r in responses:
            if r.status == 409:
                assert (await r.json())["code"] == "idempotency_key_in_use"
        seen += statuses
    assert 409 in seen  # two at once: the second finds the first in flight
    assert await _kinds(client) == ["contribution"] * 3


@pytest.mark.parametrize("key", ["", '""', "x" * 256, '"a"b"', 'a"b', "a\\b", "ключ", "a b",
                                 '"a", "b"', "\t", '"x"; p=1'])
async def test_item9_malformed_keys(client, node, key: str) -> None:  # type: ignore[no-untyped-def]
    resp = await _keyed(client, "admin", node.admin_token, _contribution(node), key)
    assert resp.status == 400, (key, resp.status, await resp.text())
    body = await resp.json()
    assert body["code"] and "Idempotency-Key" in body["error"]
    assert await _kinds(client) == []

"""Issue 12 item 14 (commitments, signed governance objects and error bodies), checked
from outside against docs/PROTOCOL.md §Errors as the spec.

The recount, the proof hashing and the error expectations are written from
docs/PROTOCOL.md and docs/FEDERATION.md with hashlib, rfc8785 and cryptography only
(tests/acceptance/ballot_helpers.py): no code of the node builds or checks what is
compared with the node.
"""

from __future__ import annotations

import asyncio
import io
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.acceptance.ballot_helpers import (
    AP,
    AS2,
    POOL,
    THREE,
    get_json,
    outbox_post,
    propose,
    public_of,
    verifies,
)
from tests.conftest import BASE_URL, NodeSetup

# =========================================================================== item 14


async def _committed(client: Any, node: NodeSetup, amount: int, fund: int) -> str:
    from node.pool_engine import close_due

    if fund:
        resp = await outbox_post(client, "admin", node.admin_token, {
            "type": "LedgerEntry", "pool": POOL, "entryKind": "contribution",
            "person": node.alice.uri, "amount": fund, "reference": "bank 1"})
        assert resp.status == 201, await resp.text()
    proposal = await propose(client, node.admin_token, proposalKind="disbursement", amount=amount,
                             currency="EUR", payee="Tool shop", purpose="a drill")
    for user, token in (("admin", node.admin_token), ("alice", node.alice_token)):
        resp = await outbox_post(client, user, token,
                                 {"type": "Ballot", "pool": POOL, "proposal": proposal, "choice": ["agree"]})
        assert resp.status == 201
    await close_due(client.app, datetime.now(UTC) + timedelta(days=30))
    return proposal


@pytest.mark.parametrize("fund", [3000, 10_000])
async def test_item14_overpaying_a_commitment_is_exceeds_approved(client, node, fund) -> None:  # type: ignore[no-untyped-def]
    proposal = await _committed(client, node, 3000, fund)
    pay = {"type": "LedgerEntry", "pool": POOL, "entryKind": "payment", "proposal": proposal,
           "reference": "invoice 9"}
    resp = await outbox_post(client, "admin", node.admin_token, {**pay, "amount": 3001})
    assert resp.status == 422, await resp.text()
    assert (await resp.json())["code"] == "exceeds_approved"
    ok = await outbox_post(client, "admin", node.admin_token, {**pay, "amount": 2000})
    assert ok.status == 201, await ok.text()
    resp = await outbox_post(client, "admin", node.admin_token, {**pay, "amount": 1001, "reference": "i10"})
    assert resp.status == 422 and (await resp.json())["code"] == "exceeds_approved"
    release = await outbox_post(client, "admin", node.admin_token, {
        "type": "LedgerEntry", "pool": POOL, "entryKind": "release", "proposal": proposal, "amount": 1001})
    assert release.status == 422 and (await release.json())["code"] == "exceeds_approved"


async def test_item14_every_json_4xx_has_a_code(client, node) -> None:  # type: ignore[no-untyped-def]
    proposal = await propose(client, node.admin_token)
    auth = {"Authorization": f"Bearer {node.alice_token}"}
    ct = {"Content-Type": AP}
    deep = b"[" * 100_000 + b"]" * 100_000
    probes: list[tuple[str, str, Any, dict[str, str], int]] = [
        ("POST", "/users/alice/outbox", b"{}", ct, 401),
        ("POST", "/users/alice/outbox", b"{}", {**ct, "Authorization": "Bearer nope"}, 401),
        ("POST", "/users/admin/outbox", b"{}", {**ct, **auth}, 403),
        ("POST", "/users/alice/outbox", b"{not json", {**ct, **auth}, 400),
        ("POST", "/users/alice/outbox", b"[1]", {**ct, **auth}, 400),
        ("POST", "/users/alice/outbox", deep, {**ct, **auth}, 400),
        ("POST", "/users/alice/outbox", b'{"type": "Note", "n": ' + b"9" * 5000 + b"}", {**ct, **auth}, 400),
        ("POST", "/users/alice/outbox", json.dumps({"type": "Ballot", "pool": POOL, "proposal": proposal,
                                                    "choice": ["maybe"]}).encode(), {**ct, **auth}, 422),
        ("POST", "/users/alice/outbox", json.dumps({"type": "Ballot", "pool": POOL,
                                                    "proposal": POOL + "/proposals/" + str(uuid.uuid4()),
                                                    "choice": ["agree"]}).encode(), {**ct, **auth}, 404),
        ("POST", "/users/alice/outbox", json.dumps({"type": "Ballot", "pool": POOL}).encode(), {**ct, **auth}, 400),
        ("POST", "/users/alice/outbox", json.dumps({"type": "LedgerEntry", "pool": POOL, "entryKind": "donation",
                                                    "amount": 5, "reference": "x"}).encode(), {**ct, **auth}, 403),
        ("POST", "/users/admin/outbox", json.dumps({"type": "LedgerEntry", "pool": POOL, "entryKind": "donation",
                                                    "amount": 1.5, "reference": "x"}).encode(),
         {**ct, "Authorization": f"Bearer {node.admin_token}"}, 400),
        ("POST", "/users/admin/outbox", json.dumps({"type": "LedgerEntry", "pool": POOL, "entryKind": "donation",
                                                    "amount": 2**60, "reference": "x"}).encode(),
         {**ct, "Authorization": f"Bearer {node.admin_token}"}, 400),
        ("POST", "/users/admin/outbox", json.dumps({"type": "Proposal", "pool": POOL, "name": "x",
                                                    "threshold": 0.5}).encode(),
         {**ct, "Authorization": f"Bearer {node.admin_token}"}, 400),
        ("POST", "/users/alice/outbox", b'{"type": "Note"}', {**ct, **auth, "Idempotency-Key": '"a\\b"'}, 400),
        ("POST", "/users/nobody/outbox", b"{}", {**ct, **auth}, 404),
        ("POST", "/inbox", b"{}", ct, 400),
        ("POST", "/inbox", b"{not json", ct, 400),
        ("POST", "/inbox", deep, ct, 400),
        ("POST", "/inbox", json.dumps({"id": "https://x.example/a", "type": "Create",
                                       "actor": "https://x.example/u"}).encode(), ct, 401),
        ("POST", "/pools/commons/inbox", b"x" * (2 * 1024 * 1024), ct, 413),
        ("POST", "/pools/nobody/inbox", b"{}", ct, 404),
        ("GET", "/objects/" + str(uuid.uuid4()), None, {"Accept": AP}, 404),
        ("GET", "/users/nobody", None, {"Accept": AP}, 404),
        ("GET", "/pools/commons/ledger/999", None, {"Accept": AP}, 404),
        ("GET", "/pools/commons/ledger?page=true&before=abc", None, {"Accept": AP}, 400),
        ("GET", proposal.removeprefix(BASE_URL) + "/ballots?page=maybe", None, {"Accept": AP}, 400),
        ("GET", "/pools/commons/proposals/" + str(uuid.uuid4()) + "/tally", None, {"Accept": AP}, 404),
        ("GET", "/users/alice/inbox", None, {"Accept": AP}, 401),
        ("GET", "/pools/commons/applications", None, {"Accept": AP, **auth}, 403),
        ("PUT", "/inbox", b"{}", ct, 405),
        ("DELETE", "/users/alice/outbox", None, auth, 405),
        ("GET", "/.well-known/webfinger?resource=acct:nobody@node.test", None, {}, 404),
        ("GET", "/.well-known/webfinger", None, {}, 400),
    ]
    failures = []
    for method, path, body, headers, status in probes:
        data = io.BytesIO(body) if isinstance(body, bytes) and len(body) > 65536 else body
        resp = await client.request(method, path, data=data, headers=headers)
        text = await resp.text()
        if resp.status != status:
            failures.append((method, path[:60], "status", resp.status, status, text[:200]))
            continue
        if "json" not in resp.headers.get("Content-Type", ""):
            failures.append((method, path[:60], "not JSON", resp.headers.get("Content-Type"), text[:200]))
            continue
        data = json.loads(text)
        if not (isinstance(data.get("code"), str) and data["code"] and isinstance(data.get("error"), str)):
            failures.append((method, path[:60], "no code", data))
    assert failures == []


async def test_item14_c2s_governance_objects_signed_with_the_documented_context(client, node) -> None:  # type: ignore[no-untyped-def]
    alice = await get_json(client, node.alice.uri)
    admin = await get_json(client, node.admin.uri)
    keys = {node.alice.uri: alice, node.admin.uri: admin}
    proposal = await propose(client, node.admin_token)
    for context in (None, AS2, [AS2], [AS2, {"note": "https://example.org/ns#note"}]):
        extra = {} if context is None else {"@context": context}
        bodies = [
            ("alice", node.alice_token, {**extra, "type": "Proposal", "pool": POOL, "name": "x"}),
            ("alice", node.alice_token, {**extra, "type": "Ballot", "pool": POOL, "proposal": proposal,
                                         "choice": ["agree"]}),
            ("admin", node.admin_token, {**extra, "type": "LedgerEntry", "pool": POOL, "entryKind": "donation",
                                         "amount": 100, "reference": "cash"}),
            # inheriting the Create's context
            ("alice", node.alice_token, {**extra, "type": "Create",
                                         "object": {"type": "Ballot", "pool": POOL, "proposal": proposal,
                                                    "choice": ["block"]}}),
        ]
        for user, token, body in bodies:
            resp = await outbox_post(client, user, token, body)
            assert resp.status == 201, (body, await resp.text())
            obj = (await resp.json())["object"]
            additions = [c for c in (context if isinstance(context, list) else [context]) if isinstance(c, dict)]
            assert obj["@context"] == [*THREE, *additions], (body, obj["@context"])
            assert obj["proof"]["@context"] == obj["@context"]
            served = await get_json(client, obj["id"])
            assert served == obj
            actor = keys[obj["attributedTo"]]
            assert verifies(served, public_of(actor["assertionMethod"][0]["publicKeyMultibase"]))


async def test_item14_rate_limit_and_body_timeout_bodies_have_their_code(tmp_path, aiohttp_client) -> None:  # type: ignore[no-untyped-def]
    from node.app import create_app
    from tests.conftest import make_node

    setup = await make_node(tmp_path / "limits", inbox_address_rate=1, inbox_address_burst=1,
                            body_read_timeout=1)
    client = await aiohttp_client(create_app(setup.config))
    first = await client.post("/inbox", data=b"{}", headers={"Content-Type": AP})
    assert first.status == 400
    limited = await client.post("/inbox", data=b"{}", headers={"Content-Type": AP})
    assert limited.status == 429 and int(limited.headers["Retry-After"]) >= 1
    body = await limited.json()
    assert body["code"] == "rate_limited" and body["error"].startswith("too many")

    reader, writer = await asyncio.open_connection(client.server.host, client.server.port)
    writer.write(b"POST /users/alice/outbox HTTP/1.1\r\nHost: node.test\r\nContent-Type: application/json\r\n"
                 b"Content-Length: 100\r\n\r\n{")
    await writer.drain()
    answer = await reader.read()
    writer.close()
    head, _, payload = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 408"), answer[:300]
    body = json.loads(payload.split(b"\r\n")[-1] if b"chunked" in head.lower() else payload)
    assert body["code"] == "request_timeout" and body["error"].startswith("the request body did not arrive")

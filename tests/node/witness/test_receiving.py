"""A witnessed pool receiving its witnesses' documents: attestations kept (the latest of each),
forged ones refused with the reason and nothing kept, an attested head its own ledger no longer
holds raising the alarm on its side, and a witness's conflict report kept once its evidence
holds."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519

from federation.proofs import create_proof
from governance.witness import Fork, ForkKind, Head
from node.appkeys import ACTORS, OBJECTS
from node.pool_engine.common import store
from node.wire.witness import conflict_document
from node.witness import overview, witnesses
from tests.node.inbox_helpers import post_signed, processed
from tests.node.pools.helpers import post
from tests.node.pools.test_federated_ballots import ProofActor
from tests.node.witness.helpers import (
    RemotePool,
    attestation,
    rewrite_own_ledger,
    start_remote_pool,
)

pytestmark = pytest.mark.both_backends

INBOX = "/pools/commons/inbox"
POOL = "http://node.test/pools/commons"


@pytest.fixture
async def mill(aiohttp_server):  # type: ignore[no-untyped-def]
    """A pool on another node that witnesses commons."""
    return await start_remote_pool(aiohttp_server, "mill")


async def _send(client, sender: RemotePool, obj: dict[str, Any], actor: Any = None) -> Any:  # type: ignore[no-untyped-def]
    activity = (actor or sender.actor).activity("Create", obj, to=[POOL])
    resp = await post_signed(client, actor or sender.actor, INBOX, activity)
    assert resp.status == 202, await resp.text()
    item = await processed(client, activity["id"], within=10)
    assert item.state == "done", item.last_error
    return item


async def _rejections(client) -> list[str]:  # type: ignore[no-untyped-def]
    pool = await client.app[ACTORS].get("commons", "pool")
    page = await client.app[OBJECTS].collection_page(pool.id, "outbox", before=None, limit=100)
    documents = await client.app[OBJECTS].documents(page.items)
    return [d.get("summary", "") for d in documents.values() if d["type"] == "Reject"]


async def _book(client, witness_node, amount: int) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    resp = await post(client, "admin", witness_node.admin_token, {
        "type": "LedgerEntry", "pool": POOL, "entryKind": "contribution",
        "person": witness_node.alice.uri, "amount": amount, "reference": "bank"})
    assert resp.status == 201, await resp.text()
    pool = await client.app[ACTORS].get("commons", "pool")
    return (await store(client.app).ledger(pool.id))[-1].document


async def test_an_attestation_of_our_head_is_kept_and_shown(client, witness_node, mill) -> None:  # type: ignore[no-untyped-def]
    entry = await _book(client, witness_node, 5000)
    document = attestation(mill, POOL, 1, entry["entryHash"])
    await _send(client, mill, document)
    (kept,) = await witnesses(client.app).witnesses_of(POOL, 10)
    assert kept.document == document
    resp = await client.get("/pools/commons/witnesses", headers={"Accept": "application/activity+json"})
    assert (await resp.json())["orderedItems"] == [document]
    pool = await client.app[ACTORS].get("commons", "pool")
    seen = await overview(client.app, pool)
    assert seen.head == Head(1, entry["entryHash"])
    assert [(w.attestation.witness_uri, w.agrees) for w in seen.witnesses] == [(mill.uri, True)]
    assert seen.alarms == []
    # An older attestation arriving late does not replace the latest.
    older = attestation(mill, POOL, 0, "0" * 64, number=0, published="2025-01-01T00:00:00Z")
    await _send(client, mill, older)
    assert (await witnesses(client.app).attestation(mill.uri, POOL)).document == document  # type: ignore[union-attr]


async def test_forged_attestations_are_refused_with_reasons_and_nothing_is_kept(
        client, witness_node, mill) -> None:  # type: ignore[no-untyped-def]
    entry = await _book(client, witness_node, 5000)
    # Signed with a key that is not the witness's.
    await _send(client, mill, attestation(mill, POOL, 1, entry["entryHash"],
                                          key=ed25519.Ed25519PrivateKey.generate()))
    # Changed after signing.
    tampered = copy.deepcopy(attestation(mill, POOL, 1, entry["entryHash"]))
    tampered["sequence"] = 0
    tampered["headHash"] = "0" * 64
    await _send(client, mill, tampered)
    # Sent by another actor (of the same server) than its author: the wrong actor.
    eve = ProofActor(mill.base + "/pools/eve", "Group")
    mill.others[eve.uri] = eve.document()
    await _send(client, mill, attestation(mill, POOL, 1, entry["entryHash"]), actor=eve)
    # About a pool that is not here; and its author claiming to be the pool itself.
    await _send(client, mill, attestation(mill, mill.uri + "x", 1, entry["entryHash"]))
    assert await witnesses(client.app).witnesses_of(POOL, 10) == []
    reasons = await _rejections(client)
    assert any("proof rejected: proof does not verify" in r for r in reasons), reasons
    assert any("is sent by its own author" in r for r in reasons), reasons
    assert len(reasons) >= 3


async def test_an_attested_head_our_ledger_no_longer_holds_raises_our_alarm(client, witness_node, mill) -> None:  # type: ignore[no-untyped-def]
    entry = await _book(client, witness_node, 5000)
    await _book(client, witness_node, 2000)
    pool = await client.app[ACTORS].get("commons", "pool")
    await _send(client, mill, attestation(mill, POOL, 1, entry["entryHash"]))
    assert await witnesses(client.app).alarms(pool.id) == []
    # A stranger's attestation of a head we never had raises no alarm on its word alone.
    await _send(client, mill, attestation(mill, POOL, 2, "cd" * 32, number=2))
    assert await witnesses(client.app).alarms(pool.id) == []
    assert [w.agrees for w in (await overview(client.app, pool)).witnesses] == [False]

    # Commons witnesses mill too (a flood peer, or its stewards' choice): mill's word counts.
    await witnesses(client.app).add_link(pool.id, mill.uri, steward=True, now="2025-03-01T12:00:00Z")
    await rewrite_own_ledger(client.app, pool, 1, 9000)
    late = attestation(mill, POOL, 2, "ab" * 32, number=3)
    await _send(client, mill, late)
    (alarm,) = await witnesses(client.app).alarms(pool.id)
    assert (alarm.role, alarm.kind, alarm.sequence, alarm.witness_uri) == ("witnessed", "rewritten", 2, mill.uri)
    assert alarm.document["attributedTo"] == POOL and alarm.document["attestation"] == late
    seen = await overview(client.app, pool)
    assert [w.agrees for w in seen.witnesses] == [False]


async def test_a_witness_report_with_evidence_is_kept_and_a_bogus_one_refused(client, witness_node, mill) -> None:  # type: ignore[no-untyped-def]
    old = await _book(client, witness_node, 5000)
    pool = await client.app[ACTORS].get("commons", "pool")
    attested = attestation(mill, POOL, 1, old["entryHash"])
    now = datetime.now(UTC).replace(microsecond=0)

    def report(evidence: list[dict[str, Any]], number: int) -> dict[str, Any]:
        fork = Fork(ForkKind.REWRITTEN, 1, "entry 1 now has another hash")
        document = conflict_document(f"{mill.uri}/conflicts/{number:08d}-0000-4000-8000-000000000000",
                                     mill.uri, POOL, fork, attested, evidence,
                                     Head(1, evidence[-1]["entryHash"]), "2025-03-01T12:00:00Z")
        return create_proof(document, mill.actor.proof_key, mill.uri + "#ed25519-key", now)

    # Our ledger holds the attested head and the evidence agrees: no conflict shown.
    await _send(client, mill, report([old], 1))
    assert await witnesses(client.app).alarms(pool.id) == []
    assert any("shows no conflict" in r for r in await _rejections(client))
    # Nor does a witness's word alone: the attested entry is not among the evidence.
    later = attestation(mill, POOL, 1, "ef" * 32, number=2)
    bare = report([old], 4)
    bare = create_proof({**{k: v for k, v in bare.items() if k != "proof"}, "attestation": later},
                        mill.actor.proof_key, mill.uri + "#ed25519-key", now)
    await _send(client, mill, bare)
    assert await witnesses(client.app).alarms(pool.id) == []

    await rewrite_own_ledger(client.app, pool, 1, 7000)
    new = (await store(client.app).ledger(pool.id))[0].document
    real = report([old, new], 2)
    await _send(client, mill, real)
    (alarm,) = await witnesses(client.app).alarms(pool.id)
    assert (alarm.role, alarm.kind, alarm.document) == ("witnessed", "rewritten", real)

    # Evidence that is not this pool's signature is refused.
    forged = copy.deepcopy(new)
    forged["memo"] = "edited"
    await _send(client, mill, report([old, forged], 3))
    assert len(await witnesses(client.app).alarms(pool.id)) == 1
    assert any("proof rejected" in r for r in await _rejections(client))

"""A pool witnessing another pool's ledger: the durable clock, an attestation of each grown
head (extending the one before), an alarm with signed evidence for a rewritten or cut ledger,
and nothing attested while the ledger cannot be read."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519

from federation.proofs import verify_proof_with_key
from node.appkeys import ACTORS
from node.wire import check_document
from node.witness import reading, witness_by_steward, witness_round, witnesses
from tests.node.witness.helpers import RemotePool
from tests.node.witness.helpers import received as _received

pytestmark = pytest.mark.both_backends

START = datetime.now(UTC).replace(microsecond=0)


def _period(n: int) -> datetime:
    """The time of the ``n``-th check (the node's exchange period is 60 s)."""
    return START + timedelta(seconds=61 * n)


async def _commons(client):  # type: ignore[no-untyped-def]
    return await client.app[ACTORS].get("commons", "pool")


async def _witness(client, river: RemotePool, witness_node) -> Any:  # type: ignore[no-untyped-def]
    pool = await _commons(client)
    await witness_by_steward(client.app, pool, river.uri, witness_node.admin.uri, START)
    (link,) = await witnesses(client.app).links(pool.id)
    return link


def _verifies(document: dict[str, Any], key: ed25519.Ed25519PrivateKey) -> bool:
    return bool(verify_proof_with_key(document, key.public_key()))


async def test_each_grown_head_is_attested_as_an_extension_and_sent(client, witness_node, river) -> None:  # type: ignore[no-untyped-def]
    river.book(500, 700)
    link = await _witness(client, river, witness_node)
    assert link.by_steward and link.added_by == witness_node.admin.uri
    pool = await _commons(client)

    assert await witness_round(client.app, _period(0)) == 1
    (first,) = await _received(river, "HeadAttestation", 1)
    assert check_document("head-attestation", first)
    assert (first["sequence"], first["headHash"]) == (2, river.head_hash)
    assert "extends" not in first and first["attributedTo"] == pool.uri and first["pool"] == river.uri
    assert first["id"].startswith(pool.uri + "/witnessing/")

    # Not due again before the period is over (the clock is in the database).
    assert await witness_round(client.app, _period(0) + timedelta(seconds=30)) == 0
    river.book(300)
    assert await witness_round(client.app, _period(1)) == 1
    second = (await _received(river, "HeadAttestation", 2))[1]
    assert (second["sequence"], second["headHash"]) == (3, river.head_hash)
    assert second["extends"] == {"sequence": 2, "headHash": first["headHash"]}
    kept = await witnesses(client.app).attestation(pool.uri, river.uri)
    assert kept is not None and kept.document == second

    # Unchanged: checked, not signed again (a restatement waits a day).
    assert await witness_round(client.app, _period(2)) == 1
    await asyncio.sleep(0.3)
    assert len(await _received(river, "HeadAttestation", 2)) == 2
    assert await witnesses(client.app).alarms(pool.id) == []

    # Served at its id and in the pool's witnessing collection, for anyone to verify.
    resp = await client.get(second["id"].removeprefix("http://node.test"),
                            headers={"Accept": "application/activity+json"})
    assert resp.status == 200 and (await resp.json()) == second
    resp = await client.get("/pools/commons/witnessing", headers={"Accept": "application/activity+json"})
    assert (await resp.json())["orderedItems"] == [second]
    resp = await client.get(first["id"].removeprefix("http://node.test"))
    assert resp.status == 404  # only the latest is kept


async def test_a_rewritten_and_re_signed_ledger_raises_the_alarm_with_signed_evidence(
        client, witness_node, river) -> None:  # type: ignore[no-untyped-def]
    river.book(500, 700, 900)
    await _witness(client, river, witness_node)
    pool = await _commons(client)
    await witness_round(client.app, _period(0))
    (attestation,) = await _received(river, "HeadAttestation", 1)
    old_entry_3 = river.documents[2]

    river.rewrite(1, 5000)  # entry 1 edited, the chain recomputed and re-signed
    assert river.documents[2]["entryHash"] != old_entry_3["entryHash"]
    assert await witness_round(client.app, _period(1)) == 1

    (alarm,) = await witnesses(client.app).alarms(pool.id)
    assert (alarm.role, alarm.kind, alarm.sequence, alarm.pool_uri) == ("witness", "rewritten", 3, river.uri)
    (conflict,) = await _received(river, "LedgerConflict", 1)
    assert conflict == alarm.document
    assert check_document("ledger-conflict", conflict)
    assert conflict["attestation"] == attestation
    assert conflict["head"] == {"sequence": 3, "headHash": river.head_hash}
    # Both entries at sequence 3 are the river pool's own signatures, with different hashes.
    before, after = conflict["evidence"]
    assert before == old_entry_3 and after == river.documents[2]
    assert _verifies(before, river.actor.proof_key) and _verifies(after, river.actor.proof_key)
    assert before["sequence"] == after["sequence"] == 3
    assert before["entryHash"] != after["entryHash"]

    # Shown in the pool's conflicts collection and at its own id.
    resp = await client.get("/pools/commons/conflicts?page=true")
    assert (await resp.json())["orderedItems"] == [conflict]
    resp = await client.get(conflict["id"].removeprefix("http://node.test"))
    assert (await resp.json()) == conflict

    # The alarm stays; the ledger is witnessed afresh from its head (no "extends").
    assert await witness_round(client.app, _period(2)) == 1
    latest = (await _received(river, "HeadAttestation", 2))[1]
    assert (latest["sequence"], latest["headHash"]) == (3, river.head_hash) and "extends" not in latest
    assert len(await witnesses(client.app).alarms(pool.id)) == 1


async def test_a_cut_ledger_is_an_alarm_too(client, witness_node, river) -> None:  # type: ignore[no-untyped-def]
    river.book(500, 700, 900)
    await _witness(client, river, witness_node)
    pool = await _commons(client)
    await witness_round(client.app, _period(0))
    river.cut(1)
    await witness_round(client.app, _period(1))
    (alarm,) = await witnesses(client.app).alarms(pool.id)
    assert (alarm.kind, alarm.sequence) == ("truncated", 3)
    assert [e["sequence"] for e in alarm.document["evidence"]] == [3, 1]


async def test_a_witness_far_behind_catches_up_in_bounded_stretches_without_alarm(
        client, witness_node, river, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(reading, "MAX_STEP", 3)
    from node.witness import checking

    monkeypatch.setattr(checking, "MAX_STEP", 3)
    river.book(1)
    await _witness(client, river, witness_node)
    pool = await _commons(client)
    await witness_round(client.app, _period(0))
    river.book(*range(2, 12))  # ten entries while the witness was away
    heads = []
    for n in range(1, 6):
        await witness_round(client.app, _period(n))
        kept = await witnesses(client.app).attestation(pool.uri, river.uri)
        assert kept is not None
        heads.append(kept.sequence)
    assert heads == [4, 7, 10, 11, 11]
    assert await witnesses(client.app).alarms(pool.id) == []


async def test_an_unreadable_ledger_is_a_problem_not_an_attestation(client, witness_node, river) -> None:  # type: ignore[no-untyped-def]
    river.book(500)
    await _witness(client, river, witness_node)
    pool = await _commons(client)
    await witness_round(client.app, _period(0))
    river.reachable = False
    river.book(600)
    await witness_round(client.app, _period(1))
    (link,) = await witnesses(client.app).links(pool.id)
    assert link.problem and (link.sequence, link.checked_at) == (1, _period(1).strftime("%Y-%m-%dT%H:%M:%SZ"))
    # An entry that is not the pool's own signature is no basis for an attestation either.
    river.reachable = True
    river.documents[1] = {**river.documents[1], "memo": "forged"}
    await witness_round(client.app, _period(2))
    (link,) = await witnesses(client.app).links(pool.id)
    assert link.sequence == 1 and "proof" in (link.problem or "")
    assert await witnesses(client.app).alarms(pool.id) == []


async def test_a_steward_choice_is_refused_for_what_is_not_another_pool(client, witness_node, river) -> None:  # type: ignore[no-untyped-def]
    from node.errors import InvalidRequest, NotFound

    pool = await _commons(client)
    with pytest.raises(InvalidRequest, match="own ledger"):
        await witness_by_steward(client.app, pool, pool.uri, witness_node.admin.uri, START)
    with pytest.raises(NotFound):
        await witness_by_steward(client.app, pool, river.base + "/pools/nobody", witness_node.admin.uri, START)
    river.others[river.base + "/users/cy"] = {**river.actor.document(), "id": river.base + "/users/cy",
                                              "type": "Person"}
    with pytest.raises(InvalidRequest, match="not a pool"):
        await witness_by_steward(client.app, pool, river.base + "/users/cy", witness_node.admin.uri, START)
    assert await witnesses(client.app).links(pool.id) == []

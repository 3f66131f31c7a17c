"""What a pool attests of a flood result (docs/SPEC.md §Flood attestation digest): each voter's
counted ballot and no replaced one, and a ``tallyDigest`` over the attestation's own fields (the
flood named, the electorates as the list it carries), which a late attestation is judged by."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import rfc8785

from governance import Ballot
from node.appkeys import DB
from node.floods import cast_in_flood, close_due, floods
from node.wire import ballot_document, sign_document
from node.wire.floods import SUMMARY_FIELDS, stored_summary, summary_digest
from tests.node.floods.test_relayed import _ballot, _flood, _send, _signed
from tests.node.floods.test_results import _member

pytestmark = pytest.mark.both_backends


async def test_an_attestation_lists_each_voters_counted_ballot_and_digests_its_own_fields(  # type: ignore[no-untyped-def]
        client, remote) -> None:
    pool, river, bo, pid = await _flood(client, remote)
    await _send(client, river, river.activity("Announce", _ballot(bo, river, pid, "agree"), to=[pool.uri]))
    admin = await _member(client, "admin")
    at = datetime.now(UTC).replace(microsecond=0)
    first, second = (Ballot(f"{admin.uri}/ballots/{uuid.uuid4()}", pid, admin.uri, at, (choice,), n)
                     for n, choice in ((1, "agree"), (2, "disagree")))
    for ballot in (first, second):
        await cast_in_flood(client.app, sign_document(ballot_document(ballot, pool.uri), admin, at), at)
    assert await close_due(client.app, datetime.now(UTC) + timedelta(minutes=20)) == [pid]

    (mine,) = [a.document for a in await floods(client.app).attestations(pid)]
    bos = [b["id"] for b, _ in await floods(client.app).ballots(pid) if b["voter"] == bo.uri]
    # The admin's first ballot was replaced by the second: neither counted nor listed.
    assert mine["ballots"] == sorted([second.id, *bos])
    assert first.id not in mine["ballots"]
    assert mine["counts"]["disagree"] == 1 and mine["counts"]["agree"] == 1
    # The digest is SHA-256 of the RFC 8785 JSON of the attestation's own fields, as carried.
    assert mine["flood"] == river.uri + "/floods/delta"
    assert isinstance(mine["electorates"], list)
    covered = {field: mine[field] for field in SUMMARY_FIELDS}
    assert mine["tallyDigest"] == hashlib.sha256(rfc8785.dumps(covered)).hexdigest()
    assert summary_digest({**covered, "flood": pool.uri + "/floods/other"}) != mine["tallyDigest"]
    assert "ballots" not in covered and "final" not in covered


async def test_a_result_stored_in_the_earlier_shape_still_matches_a_late_attestation(  # type: ignore[no-untyped-def]
        client, remote) -> None:
    pool, river, bo, pid = await _flood(client, remote)
    await _send(client, river, river.activity("Announce", _ballot(bo, river, pid, "agree"), to=[pool.uri]))
    assert await close_due(client.app, datetime.now(UTC) + timedelta(minutes=20)) == [pid]
    stored = await floods(client.app).proposal(pid)
    assert stored is not None and stored.result is not None
    ours = stored.result
    # Before the flood was named and the electorates listed, a summary held them as an object.
    earlier = {k: v for k, v in ours.items() if k != "flood"}
    earlier["electorates"] = {e["pool"]: e["electorateDigest"] for e in ours["electorates"]}
    assert stored_summary(earlier, stored.flood_uri) == ours
    await client.app[DB].execute("UPDATE flood_proposals SET result_json = ? WHERE uri = ?",
                                 (json.dumps(earlier), pid))
    assert (await floods(client.app).proposal(pid)).result == earlier  # type: ignore[union-attr]
    (mine,) = [a.document for a in await floods(client.app).attestations(pid)]
    theirs = _signed(river, {**{k: v for k, v in mine.items() if k != "proof"},
                             "id": river.uri + "/floods/attestations/1",
                             "attributedTo": river.uri, "pool": river.uri})
    await _send(client, river, river.activity("Create", theirs, to=[pool.uri]))
    view = await (await client.get("/pools/commons/floods/tally", params={"proposal": pid})).json()
    assert view["mismatches"] == []
    assert {a["pool"]: a["matches"] for a in view["attestations"]} == {pool.uri: True, river.uri: True}

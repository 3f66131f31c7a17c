"""Issue 18: every hash and digest docs/SPEC.md defines, recomputed from the words of the spec
(tests/acceptance/issue18_spec.py: no node import) on what two live nodes serve: a pool with a
member on another node, a disbursement passed and booked, a decision where a vote changed, a
flood proposal attested by both pools, and the witnesses' head attestations; then the web
pages that show the recounts and the witnessed head."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.acceptance import issue18_spec as spec
from tests.acceptance.issue18_live import PERIOD, Reader, changed_vote, html, world_with_witnesses
from tests.multinode.harness import poll
from tests.multinode.verify_cluster import World

pytestmark = pytest.mark.multinode


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[World, str]]:
    with world_with_witnesses(tmp_path_factory.mktemp("i18live")) as built:
        yield built, changed_vote(built)


def _recount_proposal(reader: Reader, proposal_id: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Checks §3, §5.1, §5.2 and §8 on one closed proposal; (its Tally, the ballots)."""
    proposal = reader.get(proposal_id)
    assert reader.proof_problem(proposal) is None
    electorate = reader.get(proposal["electorate"])
    assert reader.proof_problem(electorate) is None
    assert electorate["members"] == sorted(electorate["members"])  # "served sorted"
    digest, size = spec.electorate_digest(electorate["members"])
    assert (digest, size) == (electorate["electorateDigest"], electorate["electorateSize"])
    assert (digest, size) == (proposal["electorateDigest"], proposal["electorateSize"])
    tally = reader.get(proposal_id + "/tally")
    assert reader.proof_problem(tally) is None and tally["final"] is True
    assert (tally["electorateDigest"], tally["electorateSize"]) == (digest, size)
    ballots = [reader.document(b) for b in reader.items(proposal_id + "/ballots")]
    for ballot in ballots:
        assert reader.proof_problem(ballot) is None, ballot["id"]
    assert tally["ballots"] == sorted(b["id"] for b in ballots)
    counted = spec.counted_ballots(proposal, set(electorate["members"]), ballots)
    recount = spec.consent_tally(proposal, size, counted)
    assert {k: tally[k] for k in recount} == recount
    return tally, ballots


def test_a_closed_disbursement_recounts_from_the_spec(world: tuple[World, str]) -> None:
    w, _ = world
    tally, ballots = _recount_proposal(Reader(), w.proposal)
    assert tally["outcome"] == "passed" and len(ballots) == 2
    assert {b["attributedTo"] for b in ballots} == {w.a.admin_id, w.b.admin_id}


def test_a_changed_vote_lists_both_ballots_and_counts_the_later(world: tuple[World, str]) -> None:
    w, changed = world
    tally, ballots = _recount_proposal(Reader(), changed)
    mine = [b for b in ballots if b["attributedTo"] == w.b.admin_id]
    assert len(mine) == 2 and len(tally["ballots"]) == 3  # §5.2: the replaced one is listed
    assert tally["counts"]["disagree"] == 1 and tally["counts"]["agree"] == 1


def _ledger(reader: Reader, pool: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    collection = reader.get(pool + "/ledger")
    entries = [reader.document(e) for e in reader.items(pool + "/ledger")]
    return collection, sorted(entries, key=lambda e: e["sequence"])


def test_the_live_ledger_replays_entry_by_entry_from_the_spec(world: tuple[World, str]) -> None:
    w, _ = world
    reader = Reader()
    collection, entries = _ledger(reader, w.b.pool_id)
    assert len(entries) == collection["totalItems"] >= 2
    kinds = {e["entryKind"] for e in entries}
    assert "contribution" in kinds and len(kinds) >= 2, kinds  # the spend is booked too
    for entry in entries:
        assert reader.proof_problem(entry) is None, entry["id"]
        assert entry["id"] == f"{w.b.pool_id}/ledger/{entry['sequence']}"
        assert reader.get(entry["id"]) == entry
        assert spec.canonical_time(entry["published"]) == entry["published"]  # served canonical
    assert spec.chain_problems(entries, collection["headHash"]) == []
    assert reader.get(w.b.pool_id + "/ledger/balances")["headHash"] == collection["headHash"]
    # Every posting set balances (debits = credits) and is money in integers.
    for entry in entries:
        assert all(type(p["amount"]) is int for p in entry["postings"])
        assert sum(p["amount"] for p in entry["postings"]) == 0


def test_the_flood_proposal_is_listed_and_its_attestations_recompute(world: tuple[World, str]) -> None:
    w, _ = world
    reader = Reader()
    proposal = reader.get(w.flood_proposal)
    assert reader.proof_problem(proposal) is None
    assert proposal["flood"] == w.flood and sorted(proposal["floodPools"]) == sorted([w.a.pool_id, w.b.pool_id])
    key = spec.document_key(w.flood_proposal)
    electorates, ballots, attestations = [], {}, []
    for pool in proposal["floodPools"]:
        # §"how flood ids are shared and where flood proposals are listed": {pool}/floods.
        listed = reader.get(pool + "/floods")["floods"]
        assert any(f["id"] == w.flood and w.flood_proposal in f["proposals"] for f in listed), listed
        electorate = reader.get(f"{pool}/floods/electorates/{key}")
        assert reader.proof_problem(electorate) is None
        assert spec.electorate_digest(electorate["members"])[0] == electorate["electorateDigest"]
        assert (electorate["proposal"], electorate["flood"]) == (w.flood_proposal, w.flood)
        electorates.append(electorate)
        listing = reader.get(electorate["ballots"])
        assert listing["id"] == f"{pool}/floods/ballots/{key}"
        assert listing["orderedItems"] == sorted(listing["orderedItems"])
        for ballot_id in listing["orderedItems"]:
            ballot = reader.get(ballot_id)
            assert reader.proof_problem(ballot) is None, ballot_id
            ballots[ballot_id] = ballot
        attestation = reader.get(f"{pool}/floods/attestations/{key}")
        assert reader.proof_problem(attestation) is None
        attestations.append(attestation)
    assert len(ballots) == 2
    from tests.acceptance.test_issue18_spec_vectors import _recount_flood

    recount = _recount_flood({"proposal": proposal, "electorates": electorates,
                              "ballots": list(ballots.values())})
    digests = set()
    for attestation in attestations:
        assert {k: attestation[k] for k in recount} == recount, attestation["id"]
        assert spec.tally_digest(attestation) == attestation["tallyDigest"]
        digests.add(attestation["tallyDigest"])
    assert len(digests) == 1  # two pools that agree have one digest


def test_witness_attestations_are_signed_heads_the_replay_holds(world: tuple[World, str]) -> None:
    w, _ = world
    reader = Reader()
    pool = w.b.pool_id
    assert reader.get(pool)["witnesses"] == pool + "/witnesses"

    def attested() -> list[dict[str, Any]]:
        items = reader.get(pool + "/witnesses")["orderedItems"]
        return [i for i in items if i["attributedTo"] == w.a.pool_id and i["sequence"] >= 1]

    (attestation,) = poll(attested, 10 * PERIOD + 20, "a's attestation of b's ledger")
    assert reader.proof_problem(attestation) is None
    assert attestation["pool"] == pool and attestation["type"] == "HeadAttestation"
    key = spec.document_key(pool)
    assert re.fullmatch(re.escape(f"{w.a.pool_id}/witnessing/{key}/") + r"\d+", attestation["id"])
    _, entries = _ledger(reader, pool)
    assert entries[attestation["sequence"] - 1]["entryHash"] == attestation["headHash"]
    if "extends" in attestation:
        held = attestation["extends"]
        assert held["sequence"] == 0 or entries[held["sequence"] - 1]["entryHash"] == held["headHash"]
    # The witness serves it at its id while it is the latest, and lists it in {witness}/witnessing.
    mine = reader.get(w.a.pool_id + "/witnessing")["orderedItems"]
    assert any(i["pool"] == pool for i in mine)


def test_the_pool_page_shows_its_head_and_who_witnessed_it(world: tuple[World, str]) -> None:
    w, _ = world
    reader = Reader()
    head = reader.get(w.b.pool_id + "/ledger")

    def shown() -> str | None:
        page = html(w.b, w.b.pool_id)
        return page if head["headHash"][:16] in page and "Witnessed by" in page else None

    page = poll(shown, 10 * PERIOD + 20, "b's pool page with its head and witness")
    assert f"entry {head['totalItems']}" in page


def test_the_proposal_page_says_it_was_recounted_by_the_other_pool(world: tuple[World, str]) -> None:
    w, changed = world
    poll(lambda: "Recounted by 1 other pool: same result." in html(w.b, changed), 10 * PERIOD + 40,
         "a's recount shown on b's proposal page")

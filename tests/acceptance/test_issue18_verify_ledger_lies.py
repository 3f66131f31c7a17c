"""Issue 18: a made-up pool (tests/acceptance/issue18_hostile.py) whose ledger lies in the ways
docs/OPERATIONS.md's checks name: balances that are not the replay's, a gap, a repeated
sequence, a head that is not the last entry, an entry signed by a key its pool does not
publish; and one honest way of serving a collection (entry ids instead of inline documents)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519

from tests.acceptance import issue18_spec as spec
from tests.acceptance.issue18_hostile import Hostile, hostile_server
from tests.acceptance.issue18_live import run_verify
from tests.acceptance.test_issue18_verify_hostile import _ledger

PRIVATE = "--allow-private-addresses"


@pytest.fixture
def mal() -> Iterator[Hostile]:
    with hostile_server() as server:
        yield server


def _collection(mal: Hostile, items: list[Any], total: int, head: str) -> None:
    ledger = mal.pool + "/ledger"
    mal.json(ledger, {"id": ledger, "type": "OrderedCollection", "totalItems": total,
                      "headHash": head, "orderedItems": items})


def _bad(run: Any) -> dict[str, Any]:
    return {**run.verdicts("fail"), **run.verdicts("error")}


def test_balances_that_are_not_the_replays_are_named(mal: Hostile) -> None:
    entries = _ledger(mal, 3)
    head = entries[-1]["entryHash"]
    mal.json(mal.pool + "/ledger/balances", {"fund": 999_999, "entries": 3, "headHash": head,
                                             "balances": {"fund": 999_999}})
    run = run_verify(mal.pool, PRIVATE, "--quiet")
    assert run.code == 1 and "ledger.balances" in run.verdicts("fail"), _bad(run)


def test_a_gap_in_the_sequence_is_named(mal: Hostile) -> None:
    entries = _ledger(mal, 3)
    _collection(mal, [entries[2], entries[0]], 2, entries[2]["entryHash"])
    run = run_verify(mal.pool, PRIVATE, "--quiet")
    assert run.code == 1 and ({"ledger.sequence", "ledger.chain"} & set(run.verdicts("fail"))), _bad(run)


@pytest.mark.parametrize("total", [2, 3])
def test_a_repeated_sequence_a_fork_is_named(mal: Hostile, total: int) -> None:
    entries = _ledger(mal, 2)
    twin = {**entries[1], "memo": "twin"}
    twin["entryHash"] = spec.entry_hash(twin)
    twin = spec.sign(twin, mal.key, mal.pool, "2025-03-01T12:00:00Z")
    _collection(mal, [entries[1], twin, entries[0]], total, entries[1]["entryHash"])
    run = run_verify(mal.pool, PRIVATE, "--quiet")
    assert run.code == 1 and "ledger.sequence" in run.verdicts("fail"), run.report["checks"]


def test_a_head_that_is_not_the_last_entry_is_named(mal: Hostile) -> None:
    entries = _ledger(mal, 3)
    _collection(mal, list(reversed(entries)), 3, entries[1]["entryHash"])
    run = run_verify(mal.pool, PRIVATE, "--quiet")
    assert run.code == 1 and "ledger.head" in run.verdicts("fail"), _bad(run)


def test_an_entry_signed_with_a_key_the_pool_does_not_publish_is_named(mal: Hostile) -> None:
    entries = _ledger(mal, 2)
    stranger = ed25519.Ed25519PrivateKey.generate()
    forged = spec.sign(entries[1], stranger, mal.pool, "2025-03-01T12:00:00Z")
    mal.json(forged["id"], forged)
    _collection(mal, [forged, entries[0]], 2, entries[1]["entryHash"])
    run = run_verify(mal.pool, PRIVATE, "--quiet")
    assert run.code == 1 and "ledger.proofs" in run.verdicts("fail"), _bad(run)


def test_a_ledger_listing_entry_ids_is_read_not_failed(mal: Hostile) -> None:
    entries = _ledger(mal, 3)
    _collection(mal, [e["id"] for e in reversed(entries)], 3, entries[-1]["entryHash"])
    run = run_verify(mal.pool, PRIVATE, "--quiet")
    assert run.code == 0, _bad(run)


def _entries(mal: Hostile, rows: list[tuple[str, list[tuple[str, Any]], str | None]]) -> None:
    """A ledger of (entryKind, postings, reference) rows, hashed and signed by the spec."""
    entries, previous = [], spec.ZEROS
    for sequence, (kind, postings, reference) in enumerate(rows, start=1):
        entry = {**mal.entry(sequence, previous), "entryKind": kind,
                 "postings": [{"account": a, "amount": n} for a, n in postings]}
        entry.pop("proof")
        if reference is not None:
            entry["reference"] = reference
        entry["entryHash"] = spec.entry_hash(entry)
        entries.append(spec.sign(entry, mal.key, mal.pool, "2025-03-01T12:00:00Z"))
        previous = entry["entryHash"]
    _collection(mal, list(reversed(entries)), len(entries), previous)
    mal.json(mal.pool + "/ledger/balances", {"fund": 0, "entries": len(entries), "headHash": previous,
                                             "balances": {}})


CONTRIBUTION = ("contribution", [("fund", 100), ("capital:https://x.example/users/x", -100)], "bank")


def test_an_overdraft_is_named(mal: Hostile) -> None:
    proposal = mal.pool + "/proposals/1"
    _entries(mal, [CONTRIBUTION, ("commitment", [("commitment:" + proposal, 10_000), ("fund", -10_000)], proposal)])
    run = run_verify(mal.pool, PRIVATE, "--quiet")
    assert run.code == 1 and "ledger.chain" in run.verdicts("fail"), _bad(run)


def test_postings_that_do_not_balance_are_named(mal: Hostile) -> None:
    _entries(mal, [("contribution", [("fund", 100), ("capital:https://x.example/users/x", -50)], "bank")])
    run = run_verify(mal.pool, PRIVATE, "--quiet")
    assert run.code in (1, 2) and "ledger.chain" not in run.verdicts("pass"), _bad(run)


def test_a_payment_beyond_its_commitment_is_named(mal: Hostile) -> None:
    proposal = mal.pool + "/proposals/1"
    _entries(mal, [CONTRIBUTION,
                   ("commitment", [("commitment:" + proposal, 50), ("fund", -50)], proposal),
                   ("payment", [("external:shop", 80), ("commitment:" + proposal, -80)], "invoice 1")])
    run = run_verify(mal.pool, PRIVATE, "--quiet")
    assert run.code == 1 and "ledger.chain" in run.verdicts("fail"), _bad(run)


def test_a_commitment_without_a_decision_is_named(mal: Hostile) -> None:
    proposal = mal.pool + "/proposals/never-decided"
    _entries(mal, [CONTRIBUTION, ("commitment", [("commitment:" + proposal, 100), ("fund", -100)], proposal)])
    mal.json(mal.pool + "/ledger/balances", {"fund": 0, "entries": 2, "headHash": _head_of(mal),
                                             "balances": {"fund": 0, "capital:https://x.example/users/x": -100,
                                                          "commitment:" + proposal: 100}})
    run = run_verify(mal.pool, PRIVATE, "--quiet")
    assert run.code == 1, run.report["checks"]


def _head_of(mal: Hostile) -> str:
    _, _, body = mal.routes[(mal.pool + "/ledger").removeprefix(mal.base)]()
    return str(json.loads(body)["headHash"])

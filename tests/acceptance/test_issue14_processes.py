"""Issue 14: several ``poolnode serve`` processes on one PostgreSQL database keep the guarantees
of one process. Payments and ballots are sent straight to different processes at once; the
ledger must stay one chain, each tally must equal a recount read from any process, a ballot
or a vote change made through one process must be seen by the others, and an Idempotency-Key
must be claimed once across processes (docs/OPERATIONS.md, "Several processes";
docs/PROTOCOL.md, "Ballot order", "Retrying a C2S request", "Verifying a result")."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.acceptance.issue14_env import (
    Provider,
    add_member,
    call,
    cli,
    collect,
    pg_url,
    provider,
    recount,
    replay_ledger,
    signed_tally,
    sql,
)

__all__ = ["pg_url", "provider"]

pytestmark = pytest.mark.multinode

MEMBERS = ("bea", "cai", "dov", "eli")
PAYMENTS = 18


def _propose(provider: Provider, process: int, name: str) -> str:
    status, body = call(provider.processes[process], provider.base_url, "POST",
                        provider.admin_id + "/outbox",
                        {"type": "Proposal", "pool": provider.pool_id, "name": name,
                         "content": name}, token=provider.init["admin"]["token"])
    assert status == 201, (status, body)
    listed = collect(provider.processes[process], provider.base_url, provider.pool_id + "/proposals")
    (found,) = [p["id"] for p in listed if p["name"] == name]
    return str(found)


def _vote(provider: Provider, process: int, voter: dict[str, Any], proposal: str,
          choice: str) -> tuple[int, dict[str, Any]]:
    return call(provider.processes[process], provider.base_url, "POST", voter["id"] + "/outbox",
                {"type": "Ballot", "pool": provider.pool_id, "proposal": proposal,
                 "choice": [choice]}, token=voter["token"])


def _pay(provider: Provider, process: int, person: str, n: int,
         key: str | None = None) -> tuple[int, dict[str, Any]]:
    return call(provider.processes[process], provider.base_url, "POST",
                provider.admin_id + "/outbox",
                {"type": "LedgerEntry", "pool": provider.pool_id, "entryKind": "contribution",
                 "person": person, "amount": 100 + n, "reference": f"transfer {n}"},
                token=provider.init["admin"]["token"], key=key)


def test_payments_and_ballots_through_three_processes_make_one_chain_and_true_tallies(
    provider: Provider, pg_url: str
) -> None:
    for process in provider.processes:
        process.start()
    voters = [add_member(provider, pg_url, name) for name in MEMBERS]
    proposals = [_propose(provider, n % 3, f"Question {n}") for n in range(2)]
    people = [v["id"] for v in voters] + [provider.admin_id]
    first_choice = {"bea": "agree", "cai": "agree", "dov": "disagree", "eli": "block"}
    last_choice = {"bea": "disagree", "cai": "agree", "dov": "agree", "eli": "agree"}

    start = threading.Barrier(len(voters) * len(proposals) + PAYMENTS)

    def pay(n: int) -> tuple[int, dict[str, Any]]:
        start.wait(60)
        return _pay(provider, n % 3, people[n % len(people)], n)

    def vote_twice(n: int, voter: dict[str, Any], proposal: str) -> list[int]:
        start.wait(60)
        first = _vote(provider, n % 3, voter, proposal, first_choice[voter["name"]])
        # The change goes through another process, after the first answer came back.
        second = _vote(provider, (n + 1) % 3, voter, proposal, last_choice[voter["name"]])
        return [first[0], second[0]]

    with ThreadPoolExecutor(max_workers=len(voters) * len(proposals) + PAYMENTS) as pool:
        payments = [pool.submit(pay, n) for n in range(PAYMENTS)]
        votes = [pool.submit(vote_twice, n, v, p) for n, (v, p) in
                 enumerate((v, p) for v in voters for p in proposals)]
        assert [f.result()[0] for f in payments] == [201] * PAYMENTS, [f.result() for f in payments]
        assert [f.result() for f in votes] == [[201, 201]] * len(votes)

    # One chain: sequences 1..N, each transfer booked once, every process serves the same head.
    rows = sql(pg_url, "SELECT sequence FROM ledger_entries ORDER BY sequence")
    assert [r["sequence"] for r in rows] == list(range(1, PAYMENTS + 1))
    heads = set()
    for process in provider.processes:
        ledger, head = replay_ledger(process, provider.base_url, provider.pool_id)
        assert len(ledger.entries) == PAYMENTS
        for n, person in enumerate(people):
            assert ledger.capital_of(person) == sum(
                100 + k for k in range(PAYMENTS) if k % len(people) == n)
        heads.add(head)
    assert len(heads) == 1
    checked = cli("ledger", "--data", str(provider.processes[0].data_dir), "commons", "--json",
                  env={"POOLNODE_DATABASE_URL": pg_url})
    assert checked.returncode == 0, checked.stdout + checked.stderr
    references = [e.get("reference") for e in json.loads(checked.stdout)["entries"]]
    assert sorted(references) == sorted(f"transfer {n}" for n in range(PAYMENTS))

    # Each voter's change counts (sequence 2 over 1), whichever process numbered either; every
    # process's running tally equals a recount of the signed ballots.
    expected = {"agree": 3, "abstain": 0, "disagree": 1, "block": 0}
    for proposal in proposals:
        counted = recount(provider.processes[2], provider.base_url, proposal)
        assert {k: v for k, v in counted.counts} == expected
        for process in provider.processes:
            tallied = signed_tally(process, provider.base_url, proposal)
            assert tallied["counts"] == expected, (process.name, tallied)
            assert tallied["participation"] == counted.participation == len(voters)
            assert tallied["outcome"] == counted.outcome.value
        ballots = collect(provider.processes[1], provider.base_url, proposal + "/ballots")
        sequences = sorted((b["attributedTo"], b["sequence"]) for b in ballots)
        assert sequences == sorted((v["id"], s) for v in voters for s in (1, 2))


def test_a_vote_through_one_process_is_in_the_tally_every_process_serves(
    provider: Provider, pg_url: str
) -> None:
    # Whichever process counted it, the running-tally clock (of any process) signs it within
    # its interval, and every process serves that one stored Tally.
    for process in provider.processes:
        process.start()
    bea = add_member(provider, pg_url, "bea")
    proposal = _propose(provider, 0, "Paint the door")
    for process in provider.processes:
        status, tallied = call(process, provider.base_url, "GET", proposal + "/tally")
        assert status == 200 and tallied["participation"] == 0, tallied
    steps = [(0, "agree"), (1, "block"), (2, "disagree"), (0, "agree"), (2, "abstain")]
    for n, (writer, choice) in enumerate(steps):
        status, body = _vote(provider, writer, bea, proposal, choice)
        assert status == 201, body
        for reader in provider.processes:
            tallied = signed_tally(reader, provider.base_url, proposal)
            assert tallied["participation"] == 1, (n, reader.name, tallied)
            assert tallied["counts"][choice] == 1, (n, writer, reader.name, tallied)
            assert sum(tallied["counts"].values()) == 1, (n, reader.name, tallied)


def test_an_idempotency_key_is_claimed_once_across_processes(
    provider: Provider, pg_url: str
) -> None:
    for process in provider.processes:
        process.start()
    key = "9c1f4a7e-0b7d-4f7e-8a35-8d0c2b6f1a11"
    start = threading.Barrier(6)

    def send(n: int) -> tuple[int, dict[str, Any]]:
        start.wait(60)
        return _pay(provider, n % 3, provider.admin_id, 7, key=key)

    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(send, range(6)))
    assert all(status in (201, 409) for status, _ in answers), answers
    assert all(body.get("code") == "idempotency_key_in_use" for status, body in answers
               if status == 409), answers
    booked = [status for status, _ in answers if status == 201]
    assert booked, answers
    # Once the first is done, the same key and body answer the first response from any process.
    ids = set()
    for n in range(3):
        status, body = _pay(provider, n, provider.admin_id, 7, key=key)
        assert status == 201, body
        ids.add(body["id"])
    ids |= {body["id"] for status, body in answers if status == 201}
    assert len(ids) == 1, ids
    rows = sql(pg_url, "SELECT sequence FROM ledger_entries")
    assert len(rows) == 1, rows
    # The same key with another body, on yet another process: 422, nothing booked.
    status, body = _pay(provider, 2, provider.admin_id, 8, key=key)
    assert status == 422 and body.get("code") == "idempotency_key_reused", (status, body)
    assert len(sql(pg_url, "SELECT sequence FROM ledger_entries")) == 1


def test_one_voters_ballots_sent_at_once_through_three_processes_get_distinct_sequences(
    provider: Provider, pg_url: str
) -> None:
    """docs/PROTOCOL.md, "Ballot order": two requests in the same instant still get 1 and 2;
    across processes the counter is the database's."""
    for process in provider.processes:
        process.start()
    bea = add_member(provider, pg_url, "bea")
    proposal = _propose(provider, 1, "Rounds")
    choices = ["agree", "disagree", "block"]
    for round_ in range(2):
        start = threading.Barrier(3)

        def cast(n: int, start: threading.Barrier = start) -> tuple[int, dict[str, Any]]:
            start.wait(60)
            return _vote(provider, n, bea, proposal, choices[n])

        with ThreadPoolExecutor(max_workers=3) as workers:
            answers = list(workers.map(cast, range(3)))
        assert [status for status, _ in answers] == [201] * 3, (round_, answers)
    ballots = collect(provider.processes[0], provider.base_url, proposal + "/ballots")
    sequences = sorted(b["sequence"] for b in ballots)
    assert sequences == list(range(1, 7)), sequences
    last = max(ballots, key=lambda b: b["sequence"])
    counted = recount(provider.processes[2], provider.base_url, proposal)
    for process in provider.processes:
        tallied = signed_tally(process, provider.base_url, proposal)
        assert tallied["counts"] == {k: v for k, v in counted.counts}
        assert tallied["counts"][last["choice"][0]] == 1, (process.name, tallied, last)

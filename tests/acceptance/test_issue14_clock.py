"""Issue 14: every process runs the clock; one wins, none repeats. Three ``poolnode serve``
processes share one PostgreSQL database; proposals of several kinds fall due together while
one process is killed with -9 at the closing time and later started again. Each proposal must
be closed once, announced once and carry out its effect once (docs/OPERATIONS.md, "Several
processes"; docs/PROTOCOL.md, "Tallies and closing", "Effects"); and a commitment must not be
overspent by payments racing through different processes ("Funds": `exceeds_approved`)."""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

import pytest

from tests.acceptance.issue14_env import (
    Provider,
    add_member,
    call,
    cli,
    collect,
    pg_url,
    poll,
    provider,
    recount,
    replay_ledger,
    set_voting_period,
    signed_tally,
    sql,
)
from tests.multinode.harness import Cluster

__all__ = ["pg_url", "provider"]

pytestmark = pytest.mark.multinode

VOTING_SECONDS = 25


def _post(provider: Provider, n: int, actor: dict[str, Any], body: dict[str, Any]
          ) -> tuple[int, dict[str, Any]]:
    return call(provider.processes[n], provider.base_url, "POST", actor["id"] + "/outbox", body,
                token=actor["token"])


def _final_updates(provider: Provider, url: str) -> dict[str, int]:
    """How many final Update(Tally) the pool queued for sending, per proposal."""
    found: dict[str, int] = {}
    for row in sql(url, "SELECT o.body FROM outgoing_activities o JOIN actors a"
                        " ON a.id = o.sender_id WHERE a.uri = $1", provider.pool_id):
        body = row["body"]
        activity = json.loads(bytes(body) if not isinstance(body, str) else body)
        obj = activity.get("object")
        if activity.get("type") == "Update" and isinstance(obj, dict) \
                and obj.get("type") == "Tally" and obj.get("final") is True:
            found[obj["proposal"]] = found.get(obj["proposal"], 0) + 1
    return found


def _stays(check: Any, seconds: float) -> None:
    """``check()`` holds throughout ``seconds`` (the clocks run every second)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert check()
        time.sleep(0.2)


def test_due_proposals_close_once_and_effects_happen_once_with_every_process_clocking(
    provider: Provider, pg_url: str, cluster: Cluster
) -> None:
    set_voting_period(pg_url, VOTING_SECONDS)
    for process in provider.processes:
        process.start()
    admin = {"id": provider.admin_id, "token": provider.init["admin"]["token"]}
    bea = add_member(provider, pg_url, "bea")
    remote = cluster.node("r")
    ana = remote.admin_id
    remote.post_outbox({"type": "Follow", "object": provider.pool_id, "to": [provider.pool_id]})
    join = remote.post_outbox({"type": "Join", "object": provider.pool_id})
    poll(lambda: sql(pg_url, "SELECT 1 FROM memberships WHERE person_uri = $1", ana), 60,
         "ana's Join, received by one of the processes")
    poll(lambda: sql(pg_url, "SELECT 1 FROM follows WHERE state = 'accepted'"), 60,
         "ana's Follow of the pool accepted")
    status, body = _post(provider, 0, admin, {
        "type": "LedgerEntry", "pool": provider.pool_id, "entryKind": "contribution",
        "person": admin["id"], "amount": 1000, "reference": "founding"})
    assert status == 201, body

    drafts = [
        {"name": "Decide", "proposalKind": "decision", "content": "Meet on Mondays"},
        {"name": "Drill", "proposalKind": "disbursement", "amount": 600, "currency": "EUR",
         "payee": "https://shop.example/drill", "purpose": "a shared drill"},
        {"name": "Admit ana", "proposalKind": "admission", "person": ana},
        {"name": "Bea keeps the books", "proposalKind": "role_change", "person": bea["id"],
         "role": "treasurer", "roleChange": "grant"},
    ]
    for n, draft in enumerate(drafts):
        status, body = _post(provider, n % 3, admin, {"type": "Proposal",
                                                      "pool": provider.pool_id, **draft})
        assert status == 201, (draft, body)
    listed = collect(provider.processes[1], provider.base_url, provider.pool_id + "/proposals")
    ids = {p["name"]: p["id"] for p in listed}
    closes = max(datetime.fromisoformat(p["closesAt"].replace("Z", "+00:00")) for p in listed)
    for n, proposal in enumerate(ids.values()):
        for k, voter in enumerate((admin, bea)):
            status, body = _post(provider, (n + k) % 3, voter, {
                "type": "Ballot", "pool": provider.pool_id, "proposal": proposal,
                "choice": ["agree"]})
            assert status == 201, body

    # Kill one process with -9 at the closing time, while the others' clocks close.
    poll(lambda: time.time() >= closes.timestamp() - 0.2, VOTING_SECONDS + 30, "closing time")
    provider.processes[1].kill9()

    def settled() -> bool:
        effects = [call(provider.processes[0], provider.base_url, "GET", p + "/effect")[1]
                   for p in ids.values()]
        return all(e.get("effect") in ("none", "done") for e in effects) and \
            len(_final_updates(provider, pg_url)) == len(ids)

    poll(settled, 90, "every proposal closed, announced and carried out")
    provider.processes[1].start()  # started again: its start-up round must repeat nothing

    def once() -> bool:
        assert _final_updates(provider, pg_url) == {p: 1 for p in ids.values()}
        entries = [r["kind"] for r in sql(pg_url, "SELECT kind FROM ledger_entries")]
        assert sorted(entries) == ["commitment", "contribution"], entries
        assert len(sql(pg_url, "SELECT 1 FROM tallies WHERE final = 1")) == len(ids)
        return True

    _stays(once, 4)
    for name, proposal in ids.items():
        for process in provider.processes:
            status, tallied = call(process, provider.base_url, "GET", proposal + "/tally")
            assert status == 200 and tallied["final"] is True, (name, tallied)
            counted = recount(process, provider.base_url, proposal)
            assert tallied["counts"] == {k: v for k, v in counted.counts}
            assert tallied["outcome"] == counted.outcome.value == "passed", (name, tallied)

    # The admission admitted ana once and its Accept reached her node once.
    members = collect(provider.processes[2], provider.base_url, provider.pool_id + "/members")
    member_ids = [m if isinstance(m, str) else m.get("id") for m in members]
    assert member_ids.count(ana) == 1, member_ids

    def accepts() -> list[str]:
        rows = remote.query("SELECT document FROM inbox_items WHERE activity_type = 'Accept'")
        found = []
        for row in rows:
            accept = json.loads(row["document"])
            obj = accept.get("object")
            if (obj if isinstance(obj, str) else (obj or {}).get("id")) == join["id"]:
                found.append(accept["id"])
        return found

    poll(lambda: accepts(), 60, "the Accept of ana's Join at her node")
    assert len(accepts()) == 1, accepts()
    (row,) = sql(pg_url, "SELECT roles FROM memberships WHERE person_uri = $1", bea["id"])
    assert "treasurer" in row["roles"], row

    # One commitment of 600; three payments of 400 race through three processes: one is booked.
    ledger, _ = replay_ledger(provider.processes[0], provider.base_url, provider.pool_id)
    assert ledger.fund == 400, ledger.balances
    start = threading.Barrier(3)

    def pay(n: int) -> tuple[int, dict[str, Any]]:
        start.wait(60)
        return _post(provider, n, admin, {
            "type": "LedgerEntry", "pool": provider.pool_id, "entryKind": "payment",
            "proposal": ids["Drill"], "amount": 400, "reference": f"invoice {n}"})

    with ThreadPoolExecutor(max_workers=3) as workers:
        answers = list(workers.map(pay, range(3)))
    assert sorted(status for status, _ in answers)[0] == 201, answers
    assert [status for status, _ in answers].count(201) == 1, answers
    refused = [body for status, body in answers if status != 201]
    assert all(400 <= status < 500 for status, _ in answers if status != 201), answers
    assert all(body.get("code") == "exceeds_approved" for body in refused), refused
    ledger, _ = replay_ledger(provider.processes[2], provider.base_url, provider.pool_id)
    assert len(ledger.entries) == 3
    checked = cli("ledger", "--data", str(provider.processes[0].data_dir), "commons",
                  env={"POOLNODE_DATABASE_URL": pg_url})
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_votes_changed_through_another_process_just_before_the_close_are_counted(
    provider: Provider, pg_url: str
) -> None:
    """Each process counted a voter's first ballot; the change goes through another process
    shortly before closesAt; whichever process closes, the final tally is the recount."""
    set_voting_period(pg_url, 15)
    for process in provider.processes:
        process.start()
    voters = [add_member(provider, pg_url, name) for name in ("bea", "cai", "dov")]
    admin = {"id": provider.admin_id, "token": provider.init["admin"]["token"]}
    status, body = _post(provider, 0, admin, {"type": "Proposal", "pool": provider.pool_id,
                                              "name": "Late", "content": "?"})
    assert status == 201, body
    (listed,) = collect(provider.processes[0], provider.base_url, provider.pool_id + "/proposals")
    proposal = listed["id"]
    closes = datetime.fromisoformat(listed["closesAt"].replace("Z", "+00:00")).timestamp()
    for n, voter in enumerate(voters):
        status, body = _post(provider, n, voter, {"type": "Ballot", "pool": provider.pool_id,
                                                  "proposal": proposal, "choice": ["agree"]})
        assert status == 201, body
    for process in provider.processes:  # every process serves the first ballots signed
        assert signed_tally(process, provider.base_url, proposal)["counts"]["agree"] == 3
    poll(lambda: time.time() >= closes - 3, 30, "three seconds before the close")
    for n, voter in enumerate(voters):
        status, body = _post(provider, (n + 1) % 3, voter, {
            "type": "Ballot", "pool": provider.pool_id, "proposal": proposal,
            "choice": ["disagree"]})
        assert status == 201, body
    poll(lambda: sql(pg_url, "SELECT 1 FROM tallies WHERE final = 1"), 60, "the final tally")
    counted = recount(provider.processes[1], provider.base_url, proposal)
    assert {k: v for k, v in counted.counts}["disagree"] == 3
    for process in provider.processes:
        status, tallied = call(process, provider.base_url, "GET", proposal + "/tally")
        assert tallied["final"] is True and tallied["counts"] == {k: v for k, v in counted.counts}
        assert tallied["outcome"] == counted.outcome.value == "rejected", tallied

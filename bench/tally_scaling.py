"""Benchmark 12: does a ballot cost more in a larger vote? The running tally's cost per ballot.

The same load, every member of the pool casting one signed ``Create(Ballot)`` into its inbox
(as in benchmark 2), with ``small`` members and with ``large`` (10x) members, each on a fresh
`poolnode serve` whose proposal's electorate is every member. Measured over the vote, from the
first POST until the pool's ``GET {proposal}/tally`` counts every ballot, the pool published
the Tally of all of them and its delivery queue is empty again:

* the node's CPU (user + system, /proc/<pid>/stat) per ballot: everything it does for the
  ballots, the inbox worker, the running tallies it signs and the ``Update(Tally)`` it
  delivers; the ratio large / small is the figure (a tally that costs O(1) per ballot, and a
  publication that does not grow with the pool, keep it near 1);
* the bytes the pool writes for what it publishes meanwhile, per ballot: each activity of its
  outbox (``objects``) and its serialised delivery body (``outgoing_activities``).

Each vote runs on a copy of one initialised node (on the same port) with its own members, all
served by one load generator per round. Opening the proposal records a direct message to every
remote member (the notifier), which the node sends at 50 a second: that is not the vote's
work, so once they are recorded they are marked sent before the vote starts (not in a smoke
run, whose few are sent during its vote). The rounds alternate small and large; each figure is
the median over rounds, with the range.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import shutil
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.poolsetup import (
    InitInfo,
    drained,
    get_json,
    init_node,
    open_proposal,
    seed_members,
    skip_opening_notices,
)
from bench.procs import (
    NodeProcess,
    ask_json,
    cpu_seconds,
    free_port,
    read_only_db,
    start_module,
    stop,
)
from bench.report import Row
from bench.sizes import Sizes

__all__ = ["run"]

LOADGEN = "ballot load generator"

NAME = "13 running tally"


@dataclass(frozen=True, slots=True)
class _Plan:
    small: int
    large: int
    hosts: int
    rounds: int
    time_limit: float
    quiet_notices: bool  # mark the opening's direct messages sent before the vote


def _plan(sizes: Sizes) -> _Plan:
    if sizes.smoke:
        return _Plan(small=10, large=100, hosts=2, rounds=1, time_limit=60.0, quiet_notices=False)
    return _Plan(small=1000, large=10_000, hosts=10, rounds=3, time_limit=900.0, quiet_notices=True)


@dataclass(frozen=True, slots=True)
class _Vote:
    members: int
    ballots: int
    cpu: float  # node CPU seconds over the vote
    seconds: float  # first POST until the tally counted every ballot
    outbox_bytes: int
    activities: int
    deliveries: int
    participation: int


def _written(node: NodeProcess) -> tuple[int, int, int, int, int]:
    """(last object row, last outgoing activity row, bytes of local objects, bytes of
    delivery bodies, delivery rows) of the node's database, read-only."""
    with read_only_db(node.database) as conn:
        objects, object_bytes = conn.execute(
            "SELECT coalesce(max(id), 0), coalesce(sum(length(document)), 0) FROM objects WHERE local = 1"
        ).fetchone()
        outgoing, body_bytes = conn.execute(
            "SELECT coalesce(max(id), 0), coalesce(sum(length(body)), 0) FROM outgoing_activities"
        ).fetchone()
        (deliveries,) = conn.execute("SELECT count(*) FROM deliveries").fetchone()
    return int(objects), int(outgoing), int(object_bytes), int(body_bytes), int(deliveries)


def _published(node: NodeProcess, participation: int) -> bool:
    """Whether the pool's latest published ``Update(Tally)`` counts ``participation`` ballots."""
    with read_only_db(node.database) as conn:
        rows = conn.execute("SELECT document FROM objects WHERE local = 1 AND type = 'Update'"
                            " ORDER BY id DESC LIMIT 10").fetchall()
    for (text,) in rows:
        obj = json.loads(text).get("object")
        if isinstance(obj, dict) and obj.get("type") == "Tally":
            return bool(obj.get("participation") == participation)
    return False


def _settled(node: NodeProcess, participation: int, deadline: float) -> None:
    """Wait until the pool published the tally of every ballot and delivered what it queued."""
    while not _published(node, participation) and time.monotonic() < deadline:
        time.sleep(0.05)
    drained(node, deadline)


def _vote(gen: Any, template: Path, port: int, uris: list[str], members: int, plan: _Plan,
          more: bool) -> _Vote:
    """One vote, a ballot from each member, on a copy of the initialised node whose pool has
    the first ``members`` of ``uris`` as members."""
    with tempfile.TemporaryDirectory(prefix="poolnode-bench-") as tmp:
        node = NodeProcess(Path(tmp) / "node", port)
        shutil.copytree(template, node.data_dir)
        info = json.loads((template.parent / "init.json").read_text())
        asyncio.run(seed_members(node.data_dir, info["pool"], uris[:members]))
        node.start()
        try:
            proposal = open_proposal(node, InitInfo(**info), "Benchmark: the running tally's cost")
            if plan.quiet_notices:
                skip_opening_notices(node, members, time.monotonic() + 120)
            assert node.proc is not None
            before = _written(node)
            cpu = cpu_seconds(node.proc.pid)
            answer = ask_json(gen, {
                "inbox": info["pool"] + "/inbox", "pool": info["pool"], "proposal": proposal,
                "tally": proposal + "/tally", "concurrency": 16, "time_limit": plan.time_limit,
                "voters": members, "more": more,
            }, timeout=plan.time_limit + 120, name=LOADGEN)
            _settled(node, members, time.monotonic() + 15)
            cpu = cpu_seconds(node.proc.pid) - cpu
            participation = int(get_json(proposal + "/tally").get("participation", -1))
        finally:
            node.stop()
        after = _written(node)
    if answer["counted_at"] is None:
        raise RuntimeError(f"the tally counted {answer['last_participation']} of {members} "
                           f"ballots within {plan.time_limit:.0f} s")
    return _Vote(members, members, cpu, float(answer["counted_at"]),
                 (after[2] - before[2]) + (after[3] - before[3]),
                 after[1] - before[1], after[4] - before[4], participation)


def _round(template: Path, port: int, plan: _Plan) -> list[_Vote]:
    """One vote with each electorate, on the same load generator."""
    gen = start_module("bench.ballot_loadgen")
    try:
        uris = ask_json(gen, {"members": plan.large, "hosts": plan.hosts}, timeout=300,
                        name=LOADGEN)["members"]
        return [_vote(gen, template, port, uris, members, plan, more=members != plan.large)
                for members in (plan.small, plan.large)]
    finally:
        if gen.stdin is not None:
            gen.stdin.close()
        stop(gen)


def _spread(values: list[float], scale: float = 1.0, digits: int = 2) -> str:
    if len(values) < 2:
        return "1 round"
    return (f"range {min(values) * scale:.{digits}f}-{max(values) * scale:.{digits}f} over "
            f"{len(values)} rounds")


def run(sizes: Sizes) -> list[Row]:
    """Per-ballot CPU and bytes with a small and a 10x electorate, and their ratio."""
    plan = _plan(sizes)
    votes: dict[int, list[_Vote]] = {plan.small: [], plan.large: []}
    with tempfile.TemporaryDirectory(prefix="poolnode-bench-") as tmp:
        port = free_port()
        template = NodeProcess(Path(tmp) / "template", port)
        info = init_node(template)
        (Path(tmp) / "init.json").write_text(json.dumps(dataclasses.asdict(info)))
        for _ in range(plan.rounds):
            for vote in _round(template.data_dir, port, plan):
                votes[vote.members].append(vote)
    rows: list[Row] = []
    per_ballot: dict[int, list[float]] = {}
    for members, done in votes.items():
        cpu = [v.cpu / v.ballots for v in done]
        per_ballot[members] = cpu
        byte_rates = [v.outbox_bytes / v.ballots for v in done]
        rows.append(Row(NAME, f"the node's CPU per ballot, {members:,} members", statistics.median(cpu) * 1000, "ms",
                        note=f"{members:,} ballots into the pool inbox; {_spread(cpu, 1000)} ms; "
                             f"first POST -> tally counts all "
                             f"{statistics.median([v.seconds for v in done]):.2f} s (median)"))
        rows.append(Row(NAME, f"outbox bytes per ballot, {members:,} members", statistics.median(byte_rates), "B",
                        note=f"{_spread(byte_rates, 1, 0)} B; per vote (median): "
                             f"{statistics.median([v.activities for v in done]):.0f} activities "
                             f"published, {statistics.median([v.deliveries for v in done]):.0f} "
                             f"deliveries"))
    small, large = per_ballot[plan.small], per_ballot[plan.large]
    ratios = [b / a for a, b in zip(small, large, strict=True) if a > 0]
    ratio = statistics.median(ratios) if ratios else None
    rows.append(Row(NAME, f"per-ballot CPU, {plan.large:,} / {plan.small:,} members", ratio, "x", "<= 1.3x",
                    None if ratio is None else ratio <= 1.3, note=_spread(ratios) + " (ratio of each round)"))
    bytes_small = statistics.median([v.outbox_bytes / v.ballots for v in votes[plan.small]])
    bytes_large = statistics.median([v.outbox_bytes / v.ballots for v in votes[plan.large]])
    byte_ratio = bytes_large / bytes_small if bytes_small else None
    rows.append(Row(NAME, f"outbox bytes per ballot, {plan.large:,} / {plan.small:,} members", byte_ratio, "x",
                    "constant (<= 1.3x)", None if byte_ratio is None else byte_ratio <= 1.3,
                    note=f"{bytes_large:,.0f} B and {bytes_small:,.0f} B per ballot"))
    complete = all(v.participation == v.ballots for done in votes.values() for v in done)
    rows.append(Row(NAME, "every ballot counted in each vote", float(complete), "", "= 1", complete,
                    "tally participation = ballots sent, in every round"))
    return rows

"""Benchmarks 8 and 9: the inbox (1) and the pool's ballots (2) on PostgreSQL, 1 and 3 processes.

Each runs, in one run and on one machine, three deployments (``bench.pgdeploy.CONFIGS``):
SQLite with one process, PostgreSQL with one, PostgreSQL with three behind a round-robin
proxy; each rate is also given as a ratio to the SQLite figure of the same run. The note of
each row says what limited it (CPU of the node processes, of PostgreSQL, lock waits) from
the CPU each spent during the load. Sizes are small enough for < 60 s per benchmark.
"""

from __future__ import annotations

import asyncio
import json
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import inbox
from bench.pgdeploy import CONFIGS, Meter, deployment, limit_note, query
from bench.poolsetup import InitInfo, get_json, open_proposal, seed_members
from bench.procs import ask_json, start_module, stop
from bench.report import Row
from bench.sizes import Sizes
from tests import pg_server

__all__ = ["run_ballots", "run_inbox"]

INBOX = "8 inbox on PostgreSQL"
BALLOTS = "9 ballots on PostgreSQL"


def _server(name: str, metric: str) -> pg_server.PostgresServer | Row:
    found = pg_server.start()
    if isinstance(found, str):
        return Row(name, metric, None, "/s", note=f"not available: {found}")
    return found


def _ratio_rows(name: str, metric: str, figures: list[tuple[str, float | None, str]]) -> list[Row]:
    """One row per deployment: its rate, and its ratio to SQLite's in the note."""
    base = figures[0][1]
    rows = []
    for label, value, note in figures:
        if value is None:
            rows.append(Row(name, f"{metric}, {label}", None, "/s", note=f"not available: {note}"))
            continue
        ratio = f"{value / base:.2f}x SQLite 1 process" if base else "no SQLite figure"
        rows.append(Row(name, f"{metric}, {label}", value, "/s", note=f"{ratio}; {note}"))
    return rows


def _ratios(name: str, metric: str, values: list[float | None]) -> list[Row]:
    base = values[0]
    return [Row(name, f"{metric}: {label} / SQLite 1 process", v / base, "x")
            for (label, _, _), v in zip(CONFIGS[1:], values[1:], strict=True)
            if v is not None and base]


# ---- 8: signed Creates into the shared inbox -------------------------------------------------


def _inbox_requests(sizes: Sizes) -> int:
    # Enough that the inbox's worker runs during the load (a short burst is only stored).
    return 20 if sizes.smoke else 2 * sizes.inbox_requests


def run_inbox(sizes: Sizes) -> list[Row]:
    """Accepted activities per second in the three deployments, stored once in each."""
    metric = "accepted/s"
    server = _server(INBOX, metric)
    if isinstance(server, Row):
        return [server]
    figures: list[tuple[str, float | None, str]] = []
    stored_ok = True
    try:
        for n, (label, on_pg, count) in enumerate(CONFIGS):
            with tempfile.TemporaryDirectory(prefix="poolnode-bench-pg-") as tmp, \
                    deployment(Path(tmp), server if on_pg else None, count) as d:
                meter = Meter(d)
                with meter.measure():
                    result = inbox._load(d.front.base_url + "/inbox", sizes, f"pg{n}",
                                         _inbox_requests(sizes))
                meter.elapsed = result.elapsed  # the measured phase (CPU: warm-ups too)
                meter.loadgen_cpu = result.loadgen_cpu or 0.0
                reason = inbox.unavailable_reason(result)
                if reason is not None:
                    figures.append((label, None, reason.removeprefix("not available: ")))
                    continue
                ids = list(set(result.accepted_ids))
                stored, distinct = query(
                    d.database,
                    "SELECT count(*), count(DISTINCT activity_id) FROM inbox_items"
                    " WHERE activity_id IN (SELECT value FROM json_each(?))",
                    "SELECT count(*), count(DISTINCT activity_id) FROM inbox_items"
                    " WHERE activity_id = ANY($1::text[])",
                    ids if on_pg else json.dumps(ids))
                once = stored == distinct == len(ids) == len(result.accepted_ids)
                stored_ok = stored_ok and once
                figures.append((label, result.per_second,
                                f"{result.accepted}/{_inbox_requests(sizes)} accepted, p99 "
                                f"{result.p99_ms:.0f} ms, stored once: {once}; "
                                + limit_note(meter)))
    finally:
        server.stop()
    rows = _ratio_rows(INBOX, metric, figures)
    rows += _ratios(INBOX, metric, [f[1] for f in figures])
    rows.append(Row(INBOX, "accepted activities stored exactly once (all deployments)",
                    float(stored_ok), "", "= 1", stored_ok))
    return rows


# ---- 9: ballots into the pool's inbox, verified and counted ----------------------------------


def _ballot_sizes(sizes: Sizes) -> tuple[int, int]:
    """(members, one ballot each; member hosts)."""
    return (20, 2) if sizes.smoke else (600, 6)


def _one_vote(gen: Any, d: Any, sizes: Sizes, members: int) -> tuple[dict[str, Any], Meter]:
    info: InitInfo = d.info
    proposal = open_proposal(d.front, info, "Benchmark: ballots on PostgreSQL")
    meter = Meter(d)
    with meter.measure():
        answer = ask_json(gen, {
            "inbox": info.pool + "/inbox", "pool": info.pool, "proposal": proposal,
            "tally": proposal + "/tally", "concurrency": sizes.inbox_concurrency,
            "time_limit": 40.0 if not sizes.smoke else 20.0,
        }, timeout=160, name="ballot load generator")
    tally = get_json(proposal + "/tally")
    stored, voters = query(
        d.database,
        "SELECT count(*), count(DISTINCT b.voter_uri) FROM ballots b"
        " JOIN proposals p ON p.id = b.proposal_id WHERE p.uri = ?",
        "SELECT count(*), count(DISTINCT b.voter_uri) FROM ballots b"
        " JOIN proposals p ON p.id = b.proposal_id WHERE p.uri = $1", proposal)
    answer.update(stored=int(stored), voters=int(voters),
                  complete=int(stored) == int(voters) == members == tally.get("participation"))
    return answer, meter


def _ballot_rows_read(d: Any) -> str:
    """How many rows of ``ballots`` the deployment read in all (PostgreSQL's table statistics,
    which each server process flushes when its connection closes: the node processes are
    stopped first). A work count that the machine's load does not blur, unlike the rates."""
    for process in d.processes:
        process.stop()
    time.sleep(1.0)  # the server processes of the closed connections flush their statistics
    (read,) = query(
        d.database, "", "SELECT COALESCE(seq_tup_read, 0) + COALESCE(idx_tup_fetch, 0)"
        " FROM pg_stat_user_tables WHERE relname = 'ballots' AND schemaname = current_schema()")
    return f"; ballot rows read {int(read):,}"


def run_ballots(sizes: Sizes) -> list[Row]:
    """Ballots accepted and counted per second in the three deployments."""
    members, hosts = _ballot_sizes(sizes)
    server = _server(BALLOTS, "counted/s")
    if isinstance(server, Row):
        return [server]
    accepted: list[tuple[str, float | None, str]] = []
    counted: list[tuple[str, float | None, str]] = []
    complete = True
    try:
        for label, on_pg, count in CONFIGS:
            # The load generator answers one vote: one per deployment, each with its members.
            gen = start_module("bench.ballot_loadgen")
            try:
                uris: list[str] = ask_json(gen, {"members": members, "hosts": hosts},
                                           timeout=120, name="ballot load generator")["members"]

                def prepare(data: Path, info: InitInfo, uris: list[str] = uris) -> None:
                    asyncio.run(seed_members(data, info.pool, uris))

                with tempfile.TemporaryDirectory(prefix="poolnode-bench-pg-") as tmp, \
                        deployment(Path(tmp), server if on_pg else None, count, prepare) as d:
                    answer, meter = _one_vote(gen, d, sizes, members)
                    rows_read = _ballot_rows_read(d) if on_pg else ""
            finally:
                stop(gen)
            got = answer["statuses"].get("202", 0)
            complete = complete and answer["complete"]
            at = answer["counted_at"]
            meter.loadgen_cpu = float(answer.get("cpu_seconds") or 0.0)
            if at:
                meter.elapsed = at  # first POST -> tally counts all (not the pre-signing)
            note = limit_note(meter)
            accepted.append((label, got / answer["last_accepted"] if got and
                             answer["last_accepted"] else None,
                             f"{got}/{members} accepted; {note}" if got else
                             f"the pool inbox answered {answer['statuses']}"))
            counted.append((label, members / at if at else None,
                            f"all {members} counted in {at:.2f} s{rows_read}; {note}" if at else
                            f"the tally counted {answer['last_participation']} of {members}"))
    finally:
        server.stop()
    setup = f"{members} remote members on {hosts} hosts, one ballot each"
    rows = [
        *_ratio_rows(BALLOTS, "Create(Ballot) accepted/s", accepted),
        *_ratio_rows(BALLOTS, "verified and counted ballots/s", counted),
        *_ratios(BALLOTS, "counted/s", [c[1] for c in counted]),
        Row(BALLOTS, "every ballot counted, one per voter (all deployments)", float(complete), "",
            "= 1", complete, setup),
    ]
    return rows

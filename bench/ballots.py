"""Benchmark 2: ballots with FEP-8b32 proofs into a pool's inbox, verified and counted.

A real `poolnode serve` (``POOLNODE_ALLOW_PRIVATE_ADDRESSES=true``) whose pool has N remote
members: the load generator (``bench.ballot_loadgen``, its own process) serves their actor
documents (RSA key for HTTP signatures, Ed25519 ``assertionMethod`` for proofs) on a few
loopback ports, and their memberships are written to the node's database before it starts
(as accepted Joins leave them). The admin opens a proposal through C2S (the pool fetches
every member's document to deliver it, as it would on a real node; the direct messages the
opening records for every member are marked sent before the clock, as in 13: the opening's
work, not the ballots'; a smoke run sends its few meanwhile). Then every member's
``Create(Ballot)`` (voter's proof + voter's HTTP signature, pre-signed before the clock
starts) is POSTed to the pool's inbox with bounded concurrency, and ``GET {proposal}/tally``
is polled until it counts every ballot. Reported: accepted (202) per second, and verified
and counted ballots per second: from the first POST until the pool has counted them all (the
signed running Tally's ``participation`` plus its ``Poolnode-Unsigned-Ballots`` header, the
ballots verified, stored and counted since it was signed). The pool signs its running Tally on
a clock (``tally_interval``, 1 s by default), never on a read, so the time until a signed Tally
counts every ballot is reported beside it: it measures that clock more than the counting.

Secondary row: the governance core alone (``verify_proof_with_key`` + ``TallyState.add``),
which is the lower bound of the pool's per-ballot work.

The ratio of the two (verified and counted ballots/s end to end over the core alone) is
measured in rounds, each a fresh node and load generator followed by the core alone on the
same signed ballots, and reported as the median of the per-round ratios with their spread,
beside the node's CPU per counted ballot against the core's (a figure the machine's other
load blurs less).
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ed25519

from bench import govdata
from bench.poolsetup import get_json, init_node, open_proposal, seed_members, skip_opening_notices
from bench.procs import (
    NodeProcess,
    ask_json,
    cpu_seconds,
    free_port,
    read_only_db,
    start_module,
    stop,
)
from bench.report import Row, percentile
from bench.sizes import Sizes
from federation.proofs import create_proof, verify_proof_with_key
from governance import Ballot, Change, TallyState
from governance.ballots import CONSENT_CHOICES
from governance.codec import datetime_from_str, datetime_to_str

__all__ = ["inbox_run", "run", "signed_ballots", "verify_and_count"]

NAME = "2 ballots"
LOADGEN = "ballot load generator"
RATIO_TARGET = 0.4
ROUNDS = 3
AS2 = "https://www.w3.org/ns/activitystreams"
DI = "https://w3id.org/security/data-integrity/v2"


def _inbox_sizes(sizes: Sizes) -> tuple[int, int, float]:
    """(members, one ballot each; member hosts; time limit in seconds)."""
    return (50, 2, 60.0) if sizes.smoke else (1000, 10, 600.0)


# ---- the node's pool inbox ------------------------------------------------------------------


def _stored(node: NodeProcess, proposal: str) -> tuple[int, int]:
    """(ballot rows of the proposal, distinct voters), read-only."""
    with read_only_db(node.database) as conn:
        rows, voters = conn.execute(
            "SELECT count(*), count(DISTINCT b.voter_uri) FROM ballots b"
            " JOIN proposals p ON p.id = b.proposal_id WHERE p.uri = ?", (proposal,),
        ).fetchone()
    return int(rows), int(voters)


def inbox_run(members: int, hosts: int, concurrency: int, time_limit: float, *,
              quiet_notices: bool = False) -> dict[str, Any]:
    """One full run against a fresh node; the load generator's answer plus what was stored.

    With ``quiet_notices`` the direct messages the opening records for every member are marked
    sent before the clock starts (``skip_opening_notices``): they are the opening's work, not
    the ballots'; without it (the smoke run's few members) the notifier sends them meanwhile."""
    gen = start_module("bench.ballot_loadgen")
    try:
        announced = ask_json(gen, {"members": members, "hosts": hosts}, timeout=120, name=LOADGEN)
        uris: list[str] = announced["members"]
        with tempfile.TemporaryDirectory(prefix="poolnode-bench-") as tmp:
            node = NodeProcess(Path(tmp) / "node", free_port())
            info = init_node(node)
            asyncio.run(seed_members(node.data_dir, info.pool, uris))
            node.start()
            try:
                t0 = time.perf_counter()
                proposal = open_proposal(node, info, "Benchmark: ballots into the pool's inbox")
                opening = time.perf_counter() - t0
                if quiet_notices:
                    skip_opening_notices(node, members, time.monotonic() + 120)
                cpu_before = cpu_seconds(node.proc.pid) if node.proc is not None else 0.0
                answer = ask_json(gen, {
                    "inbox": info.pool + "/inbox", "pool": info.pool, "proposal": proposal,
                    "tally": proposal + "/tally", "concurrency": concurrency,
                    "time_limit": time_limit,
                }, timeout=time_limit + 120, name=LOADGEN)
                node_cpu = (cpu_seconds(node.proc.pid) - cpu_before) if node.proc is not None else 0.0
                tally = get_json(proposal + "/tally")
            finally:
                log = node.stop()
            stored, voters = _stored(node, proposal)
    finally:
        stop(gen)
    answer.update(opening=opening, stored=stored, voters=voters, members=members, hosts=hosts,
                  node_cpu=node_cpu,
                  participation=tally.get("participation"), log_tail=log.strip().splitlines()[-1:])
    return answer


def _inbox_rows(sizes: Sizes, result: dict[str, Any] | None = None) -> list[Row]:
    members, hosts, limit = _inbox_sizes(sizes)
    if result is None:
        result = inbox_run(members, hosts, sizes.inbox_concurrency, limit)
    accepted = result["statuses"].get("202", 0)
    counted_at = result["pool_counted_at"]
    latencies = result["latencies"]
    setup = (f"{members:,} remote members on {hosts} hosts, one ballot each, concurrency "
             f"{sizes.inbox_concurrency}")
    if not accepted:
        tail = f" ({result['log_tail'][0][:120]})" if result["log_tail"] else ""
        return [Row(NAME, "Create(Ballot) accepted/s, pool inbox", None, "/s",
                    note=f"not available: the pool inbox answered {result['statuses']}{tail}")]
    complete = result["stored"] == result["voters"] == members == result["participation"]
    rows = [
        Row(NAME, "Create(Ballot) accepted/s, pool inbox (202)",
            accepted / result["last_accepted"] if result["last_accepted"] else 0.0, "/s",
            note=f"{accepted}/{members} accepted, p50 {percentile(latencies, 0.5) * 1000:.1f} ms, "
                 f"p99 {percentile(latencies, 0.99) * 1000:.1f} ms; {setup}"),
    ]
    if counted_at is None:
        rows.append(Row(NAME, "verified and counted ballots/s (first POST -> tally counts all)",
                        None, "/s", note=f"not available: the tally counted "
                        f"{result['last_participation']} of {members} within {limit:.0f} s"))
    else:
        rows += [
            Row(NAME, "verified and counted ballots/s (first POST -> tally counts all)",
                members / counted_at, "/s",
                note=f"all {members:,} counted {counted_at:.2f} s after the first POST (the "
                     f"running Tally's participation + Poolnode-Unsigned-Ballots); the "
                     f"pool sent {result['deliveries_received']:,} deliveries to the members' "
                     f"shared inboxes meanwhile"),
            Row(NAME, "last 202 -> tally counts every ballot", counted_at - result["last_accepted"],
                "s", note=f"proposal opened (C2S, {members:,} member documents fetched) in "
                          f"{result['opening']:.1f} s before the clock"),
            Row(NAME, "first POST -> a signed running Tally counts every ballot",
                result["counted_at"], "s",
                note="the pool signs its running Tally on its tally_interval clock (1 s), never "
                     "on a read: this is that clock's lag more than the counting's"
                     if result["counted_at"] is not None else
                     "not available: no signed running Tally counted every ballot in time"),
        ]
    rows.append(Row(NAME, "every ballot counted, one per voter in the result", float(complete), "",
                    "= 1", complete, f"{result['stored']} stored from {result['voters']} voters, "
                    f"tally participation {result['participation']}"))
    return rows


# ---- the governance core alone (secondary) --------------------------------------------------


def signed_ballots(
    voters: int, count: int, proposal_id: str
) -> tuple[list[dict[str, Any]], dict[str, ed25519.Ed25519PublicKey]]:
    """``count`` ballot documents cycling over ``voters``, each with an eddsa-jcs-2022 proof."""
    keys = [ed25519.Ed25519PrivateKey.generate() for _ in range(voters)]
    public = {f"{govdata.member(i)}#ed25519-key": k.public_key() for i, k in enumerate(keys)}
    documents = []
    for n in range(count):
        i = n % voters
        voter = govdata.member(i)
        cast_at = govdata.OPENS + timedelta(minutes=1 + n // voters)
        document = {
            "@context": [AS2, DI],
            "id": f"{voter}/ballots/{n}",
            "type": "Note",
            "attributedTo": voter,
            "inReplyTo": proposal_id,
            "name": CONSENT_CHOICES[(n * 7) % 4],
            "published": datetime_to_str(cast_at),
        }
        documents.append(create_proof(document, keys[i], f"{voter}#ed25519-key", cast_at))
    return documents, public


def verify_and_count(
    state: TallyState, documents: list[dict[str, Any]], keys: dict[str, ed25519.Ed25519PublicKey]
) -> int:
    """Verify each proof, then count the ballot; returns how many were counted or replaced."""
    counted = 0
    for document in documents:
        method = document["proof"]["verificationMethod"]
        verified = verify_proof_with_key(document, keys[method])
        voter = document["attributedTo"]
        if verified.controller != voter:
            raise ValueError("proof is not by the voter")
        ballot = Ballot(
            document["id"], document["inReplyTo"], voter,
            datetime_from_str(document["published"]), (document["name"],),
        )
        if state.add(ballot) in (Change.COUNTED, Change.REPLACED):
            counted += 1
    return counted


def _core_rows(sizes: Sizes) -> list[Row]:
    rule = govdata.rule()
    electorate = govdata.electorate(sizes.ballot_voters)
    documents, keys = signed_ballots(sizes.ballot_voters, sizes.ballots, rule.proposal_id)
    state = TallyState(rule, electorate)
    t0 = time.perf_counter()
    counted = verify_and_count(state, documents, keys)
    elapsed = time.perf_counter() - t0
    t0 = time.perf_counter()
    for document in documents:
        verify_proof_with_key(document, keys[document["proof"]["verificationMethod"]])
    proofs_only = time.perf_counter() - t0
    result = state.result()
    well_formed = counted == sizes.ballots and result.participation == sizes.ballot_voters
    return [
        Row(NAME, "governance core: verified and counted ballots/s", sizes.ballots / elapsed, "/s",
            note=f"verify_proof_with_key + TallyState.add in one process, no I/O "
                 f"(lower bound of the pool's work); {sizes.ballots:,} ballots from "
                 f"{sizes.ballot_voters:,} voters; proof verification "
                 f"{proofs_only / elapsed * 100:.0f}% of it"),
        Row(NAME, "governance core: every ballot counted, one per voter", float(well_formed), "",
            "= 1", well_formed, f"participation {result.participation}"),
    ]


# ---- end to end against the core alone, in rounds ------------------------------------------


def _core_rate(state: TallyState, documents: list[dict[str, Any]],
               keys: dict[str, ed25519.Ed25519PublicKey]) -> tuple[float, float]:
    """(ballots/s, CPU seconds per ballot) of the core alone on these documents."""
    wall, cpu = time.perf_counter(), time.process_time()
    verify_and_count(state, documents, keys)
    return (len(documents) / (time.perf_counter() - wall),
            (time.process_time() - cpu) / len(documents))


def _rounds(sizes: Sizes) -> list[tuple[dict[str, Any], float, float]]:
    """Each round: a fresh node's end-to-end run, then the core alone right after it."""
    members, hosts, limit = _inbox_sizes(sizes)
    rule = govdata.rule()
    documents, keys = signed_ballots(members, members, rule.proposal_id)
    rounds = []
    for _ in range(1 if sizes.smoke else ROUNDS):
        result = inbox_run(members, hosts, sizes.inbox_concurrency, limit,
                           quiet_notices=not sizes.smoke)
        rate, cpu = _core_rate(TallyState(rule, govdata.electorate(members)), documents, keys)
        rounds.append((result, rate, cpu))
    return rounds


def _ratio_rows(rounds: list[tuple[dict[str, Any], float, float]]) -> list[Row]:
    """End to end / core alone, per round; and the node's CPU per ballot against the core's."""
    done = [(r, rate, cpu) for r, rate, cpu in rounds if r.get("pool_counted_at")]
    if not done:
        return [Row(NAME, "counted ballots/s end to end / governance core alone", None, "x",
                    note="not available: no round counted every ballot")]
    ratios = sorted((r["members"] / r["pool_counted_at"]) / rate for r, rate, _ in done)
    cpu = sorted(r["node_cpu"] / r["members"] / core for r, _, core in done)
    ratio = ratios[len(ratios) // 2]
    per_round = ", ".join(
        f"{r['members'] / r['pool_counted_at']:,.0f}/{rate:,.0f}" for r, rate, _ in done)
    return [
        Row(NAME, "counted ballots/s end to end / governance core alone", ratio, "x",
            f">= {RATIO_TARGET:g}x", ratio >= RATIO_TARGET,
            f"median of {len(done)} rounds (spread {ratios[0]:.2f}-{ratios[-1]:.2f}; end to end/"
            f"core per round {per_round}), each a fresh node, then the core on the same ballots"),
        Row(NAME, "node CPU per counted ballot / core's CPU per ballot", cpu[len(cpu) // 2], "x",
            note=f"spread {cpu[0]:.2f}-{cpu[-1]:.2f}; node per ballot "
                 + ", ".join(f"{r['node_cpu'] / r['members'] * 1000:.2f}" for r, _, _ in done)
                 + " ms (the request, the proof, storing, the running tally and its readers), "
                 "core " + ", ".join(f"{c * 1000:.2f}" for _, _, c in done) + " ms"),
    ]


def run(sizes: Sizes) -> list[Row]:
    """The pool inbox on a real node, then the governance core alone, and their ratio."""
    rounds = _rounds(sizes)
    median = sorted(rounds, key=lambda r: r[0].get("pool_counted_at") or float("inf"))[
        len(rounds) // 2]
    return [*_inbox_rows(sizes, median[0]), *_core_rows(sizes), *_ratio_rows(rounds)]

"""``python -m bench.peers``: the signed-inbox load against poolnode and its peers, side by side.

The same load as benchmark 1 (bench/loadgen.py: pre-signed draft-cavage ``Create(Note)``s,
distinct ids, a fixed concurrency) against a bare aiohttp app answering 202, ``poolnode
serve``, and, when installed (scripts/peers-deps.sh, ``make peers-deps``), a minimal Fedify
inbox and a bovine-herd server. The servers run side by side on loopback ports; each round
loads every one in turn, the order rotating from round to round, and after each load waits
until that server is idle again (its CPU flat for a second) so that work it queued
(poolnode's inbox worker, bovine's background tasks) is counted as its own and does not
slow the next one. Printed: accepted/s and CPU per activity until idle for each, and the
per-round ratios to poolnode. Not part of ``make test`` or ``make bench``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.peers.servers import PEERS, Peer, Running
from bench.procs import cpu_seconds, run_module
from bench.report import RESULTS_DIR, Row, load_average, machine, render_table, write_results

__all__ = ["Measure", "compare", "main", "rows"]

NAME = "peers"
SETTLE_LIMIT = 60.0


@dataclass(frozen=True, slots=True)
class Measure:
    """One load against one server."""

    accepted: int
    elapsed: float
    cpu_until_idle: float
    statuses: dict[str, int]

    @property
    def per_second(self) -> float:
        return self.accepted / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def cpu_ms(self) -> float:
        return self.cpu_until_idle * 1000 / self.accepted if self.accepted else 0.0


def _wait_idle(pid: int, limit: float = SETTLE_LIMIT) -> None:
    """Until the process used under 2% of a core in two half seconds running, or ``limit``.

    Two windows, so that a worker pausing between batches (a poll, a deliberate wait for
    a quiet inbox) is not taken for the end of its work.
    """
    deadline = time.monotonic() + limit
    before, quiet = cpu_seconds(pid), 0
    while time.monotonic() < deadline and quiet < 2:
        time.sleep(0.5)
        now = cpu_seconds(pid)
        quiet = quiet + 1 if now - before < 0.01 else 0
        before = now


def load(server: Running, requests: int, concurrency: int, prefix: str) -> Measure:
    """The load generator against one running server, then its CPU until it is idle."""
    cpu_before = cpu_seconds(server.pid)
    answer: dict[str, Any] = run_module("bench.loadgen", {
        "target": server.inbox, "requests": requests, "concurrency": concurrency,
        "warmup": 3, "time_limit": 300, "id_prefix": prefix,
    }, timeout=420)
    _wait_idle(server.pid)
    return Measure(answer["statuses"].get("202", 0), answer["elapsed"],
                   cpu_seconds(server.pid) - cpu_before, answer["statuses"])


def compare(servers: Sequence[Running], rounds: int,
            measure: Callable[[Running, str], Measure]) -> dict[str, list[Measure]]:
    """Every server once per round, the order rotating by one each round."""
    got: dict[str, list[Measure]] = {s.name: [] for s in servers}
    for n in range(rounds):
        order = [*servers[n % len(servers):], *servers[:n % len(servers)]]
        for server in order:
            print(f"peers: round {n + 1}/{rounds}, {server.name} ...", file=sys.stderr, flush=True)
            got[server.name].append(measure(server, f"peers{n}-{len(got[server.name])}"))
    return got


def rows(got: dict[str, list[Measure]], skipped: dict[str, str], requests: int) -> list[Row]:
    """Accepted/s and CPU per activity for each server, and poolnode's ratio to each other."""
    out: list[Row] = []
    for name, measures in got.items():
        rates = tuple(m.per_second for m in measures)
        if not any(m.accepted for m in measures):
            out.append(Row(NAME, f"{name}: accepted/s", None, "/s",
                           note=f"not available: no 202 (statuses {measures[-1].statuses})"))
            continue
        out.append(Row(NAME, f"{name}: accepted/s", statistics.median(rates), "/s",
                       note=f"{sum(m.accepted for m in measures):,} of "
                            f"{requests * len(measures):,} accepted", rounds=rates))
        cpu = tuple(m.cpu_ms for m in measures)
        out.append(Row(NAME, f"{name}: server CPU per activity until idle",
                       statistics.median(cpu), "ms", rounds=cpu,
                       note="from the first request until its work queue is drained"))
    for name, reason in skipped.items():
        out.append(Row(NAME, f"{name}: accepted/s", None, "/s", note=f"not available: {reason}"))
    ours = got.get("poolnode")
    for name, measures in got.items():
        if name == "poolnode" or ours is None or not all(m.accepted for m in measures + ours):
            continue
        ratios = tuple(a.per_second / b.per_second for a, b in zip(ours, measures, strict=True))
        cpu = tuple(b.cpu_ms / a.cpu_ms for a, b in zip(ours, measures, strict=True) if a.cpu_ms)
        out.append(Row(NAME, f"poolnode / {name}, accepted/s", statistics.median(ratios), "x",
                       rounds=ratios, note=f"per-round ratios; {name} spends "
                       f"{statistics.median(cpu):.2f}x poolnode's CPU per activity" if cpu else ""))
    return out


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m bench.peers``."""
    parser = argparse.ArgumentParser(prog="python -m bench.peers", description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--requests", type=int, default=2000, help="per server and round")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--only", nargs="+", choices=[p.name for p in PEERS])
    parser.add_argument("--markdown", action="store_true")
    parser.add_argument("--out", type=Path, default=RESULTS_DIR / "peers")
    args = parser.parse_args(argv)
    chosen: list[Peer] = [p for p in PEERS if args.only is None or p.name in args.only]
    started = datetime.now(UTC)
    info = machine()
    skipped: dict[str, str] = {}
    servers: list[Running] = []
    try:
        for peer in chosen:
            reason = peer.missing()
            if reason is None:
                try:
                    servers.append(peer.start())
                    continue
                except RuntimeError as exc:
                    reason = f"did not start: {exc}"
            skipped[peer.name] = reason
            print(f"peers: {peer.name} skipped: {reason}", file=sys.stderr, flush=True)
        got = compare(servers, args.rounds,
                      lambda s, prefix: load(s, args.requests, args.concurrency, prefix))
    finally:
        for server in servers:
            server.stop()
    info["load_average_end"] = load_average()
    table = rows(got, skipped, args.requests)
    print(render_table(table, info, markdown=args.markdown))
    path = write_results(table, info, "python -m bench.peers " + " ".join(
        argv if argv is not None else sys.argv[1:]), started, args.out)
    print(f"\nResults: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""``python -m bench [--smoke] [--only NAME ...]``: run the benchmarks and print one table.

Results go to bench/results/<timestamp>.json and bench/results/latest.json (a smoke run
writes them only with ``--out``, so it never replaces the figures of a full run).
"""

from __future__ import annotations

import argparse
import sys
import time
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from bench import (
    ballots,
    comment_fanout,
    fanout,
    flood,
    growth,
    inbox,
    memory,
    pg_scaling,
    proof_paths,
    tally,
    tally_scaling,
    thread,
)
from bench.report import RESULTS_DIR, Row, load_average, machine, render_table, write_results
from bench.sizes import FULL, SMOKE, Sizes

BENCHMARKS: dict[str, Callable[[Sizes], list[Row]]] = {
    "inbox": inbox.run,
    "ballots": ballots.run,
    "tally": tally.run,
    "fanout": fanout.run,
    "flood": flood.run,
    "memory": memory.run,
    "growth": growth.run,
    "pg-inbox": pg_scaling.run_inbox,
    "pg-ballots": pg_scaling.run_ballots,
    "thread": thread.run,
    "comment-fanout": comment_fanout.run,
    "proof-paths": proof_paths.run,
    "tally-scaling": tally_scaling.run,
}


def run_all(sizes: Sizes, names: list[str], *, progress: bool = True) -> list[Row]:
    """Run the named benchmarks in order; a benchmark that crashes becomes a failed row."""
    rows: list[Row] = []
    for name in names:
        started = time.perf_counter()
        if progress:
            print(f"bench: {name} ...", file=sys.stderr, flush=True)
        try:
            rows.extend(BENCHMARKS[name](sizes))
        except Exception as exc:  # one broken benchmark must not hide the others' figures
            traceback.print_exc()
            rows.append(Row(name, "crashed", None, "", "", False, f"{type(exc).__name__}: {exc}"))
        if progress:
            took = time.perf_counter() - started
            print(f"bench: {name} done in {took:.1f} s", file=sys.stderr, flush=True)
    return rows


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m bench``."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="tiny sizes: checks every path runs")
    parser.add_argument("--only", nargs="+", choices=sorted(BENCHMARKS), help="run only these")
    parser.add_argument("--out", type=Path, help="results directory (default: bench/results)")
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    args = parser.parse_args(argv)
    sizes = SMOKE if args.smoke else FULL
    names = args.only or list(BENCHMARKS)
    started = datetime.now(UTC)
    info = machine()  # the load and the speed the benchmarks meet, before the first one
    rows = run_all(sizes, names)
    info["load_average_end"] = load_average()
    print(render_table(rows, info, markdown=args.markdown))
    out = args.out if args.out is not None else (None if args.smoke else RESULTS_DIR)
    if out is not None:
        command = "python -m bench " + " ".join(argv if argv is not None else sys.argv[1:])
        path = write_results(rows, info, command.strip(), started, out)
        print(f"\nResults: {path}")
    crashed = [r for r in rows if r.metric == "crashed"]
    return 1 if crashed else 0


if __name__ == "__main__":
    sys.exit(main())

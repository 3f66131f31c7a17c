"""Run as ``python -m bench.memory_state``: resident size of in-memory governance state.

Request (stdin JSON): members, ballots. Imports the node's application modules first, so
the process starts from what a serving node has loaded, then builds the electorate and a
``TallyState`` holding every ballot. Answers VmRSS before and after, in bytes.
"""

from __future__ import annotations

import gc
import json
import os
import sys

import node.app  # noqa: F401  (the baseline is a process with the node's code loaded)
from bench import govdata
from bench.procs import rss_bytes
from governance import TallyState


def main() -> None:
    """Build the state, report the resident sizes."""
    request = json.loads(sys.stdin.read())
    members, count = int(request["members"]), int(request["ballots"])
    gc.collect()
    before = rss_bytes(os.getpid())
    rule = govdata.rule()
    state = TallyState(rule, govdata.electorate(members))
    for ballot in govdata.ballots(rule, members, count):
        state.add(ballot)
    gc.collect()
    after = rss_bytes(os.getpid())
    result = state.result()
    print(json.dumps({"before": before, "after": after, "participation": result.participation}))


if __name__ == "__main__":
    main()

"""The ``poolnode`` command line: one parser, one module per command group (as tootctl does).

``main`` is the console script's entry point; ``python -m node.cli`` runs it too.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Sequence

from governance import GovernanceError
from node import __version__
from node.cli import (
    backups,
    database,
    deliveries,
    ledger,
    members,
    pools,
    proposals,
    registrations,
    server,
    tokens,
    verify,
    worker,
)
from node.cli.common import Output, poolnode_command
from node.errors import NodeError

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--data", default=os.environ.get("POOLNODE_DATA", "./data"),
        help="the node's data directory (default: $POOLNODE_DATA or ./data)",
    )
    common.add_argument("--json", action="store_true", help="print machine-readable JSON")

    parser = argparse.ArgumentParser(
        prog="poolnode",
        description="Run a node that hosts pools: small co-ops deciding one person, one vote.",
    )
    parser.add_argument("--version", action="version", version=f"poolnode {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    server.add_init(commands, common)
    server.add_serve(commands, common)
    worker.add_worker(commands, common)
    deliveries.add_deliveries(commands, common)
    server.add_migrate(commands, common)
    database.add_migrate_db(commands, common)
    proposals.add_proposal(commands, common)
    ledger.add_ledger(commands, common)
    backups.add_backup(commands, common)
    pools.add_pool(commands, common)
    members.add_member(commands, common)
    registrations.add_registrations(commands, common)
    tokens.add_token(commands, common)
    verify.add_verify(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``poolnode`` console script."""
    args = _parser().parse_args(argv)
    out = Output(getattr(args, "json", False))
    try:
        if hasattr(args, "sync"):
            return int(args.sync(args, out))
        return int(asyncio.run(args.run(args, out)))
    except (NodeError, GovernanceError) as exc:
        # Hints in messages name commands as 'poolnode ...'; say it the way it runs here.
        reason = exc.reason.replace("'poolnode ", f"'{poolnode_command()} ")
        if out.as_json:
            print(json.dumps({"error": reason}))
        else:
            print(f"poolnode: error: {reason}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130

"""What every command shares: the output (lines or --json) and the stores of a data directory."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

from node.config import Config, load_config
from node.storage import ActorStore, Database, GovernanceStore, InvitationStore, TokenStore

__all__ = ["Output", "Stores", "acct_uri", "data_config", "poolnode_command", "with_stores"]


class Output:
    """Prints either human-readable lines or one JSON document (--json)."""

    def __init__(self, as_json: bool) -> None:
        self.as_json = as_json

    def emit(self, data: dict[str, Any], lines: Sequence[str]) -> None:
        if self.as_json:
            print(json.dumps(data, indent=2, ensure_ascii=False))
        else:
            for line in lines:
                print(line)

    def progress(self, message: str) -> None:
        if not self.as_json:
            print(message, file=sys.stderr, flush=True)


class Stores:
    """The database of a data directory, opened (and migrated) for one command."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.actors = ActorStore(db)
        self.tokens = TokenStore(db)
        self.governance = GovernanceStore(db)
        self.invitations = InvitationStore(db)


async def with_stores(config: Config, work: Callable[[Stores], Awaitable[int]]) -> int:
    """Open the data directory's database, run ``work`` on its stores, close it."""
    db = Database.for_config(config)
    await db.open()
    try:
        return await work(Stores(db))
    finally:
        await db.close()


def data_config(args: argparse.Namespace) -> Config:
    """The config of the data directory named by ``--data``."""
    return load_config(Path(args.data))


def acct_uri(config: Config, username: str) -> str:
    """The ``acct:`` URI of a local account (RFC 7565)."""
    return f"acct:{username}@{config.domain}"


def poolnode_command(argv0: str | None = None) -> str:
    """How to run this very command again from the current directory, for printed hints.

    ``poolnode`` only when that name on PATH is this program; otherwise the path it was
    started by (``.venv/bin/poolnode`` after ``make run``), or ``python -m node.cli``.
    """
    started = argv0 if argv0 is not None else sys.argv[0]
    if Path(started).name == "poolnode":
        on_path = shutil.which("poolnode")
        if on_path is not None and os.path.realpath(on_path) == os.path.realpath(started):
            return "poolnode"
        relative = os.path.relpath(started)
        return relative if not relative.startswith("..") else os.path.abspath(started)
    return f"{sys.executable} -m node.cli"

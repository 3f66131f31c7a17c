"""``poolnode registrations open|close|status``: whether anyone may create an account.

The setting is ``open_registrations`` in ``poolnode.toml`` (docs/OPERATIONS.md, "Web app");
a running node reads its configuration when it starts, so a change takes effect at the next
``serve``. Invite links (node/web/invitations.py) make accounts whatever this says.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from pathlib import Path

from node.cli.common import Output, poolnode_command
from node.config import CONFIG_FILENAME, load_config, set_setting

__all__ = ["add_registrations"]

_ENV = "POOLNODE_OPEN_REGISTRATIONS"


def _lines(open_now: bool, args: argparse.Namespace, changed: bool) -> list[str]:
    state = "open: anyone may create an account at /signup" if open_now else (
        "closed: accounts come from invite links, the operator, or another fediverse server")
    lines = [f"Registrations are {state}."]
    if changed:
        lines.append(f"Written to {args.data}/{CONFIG_FILENAME}; restart the node for it to take "
                     f"effect ({poolnode_command()} serve --data {args.data}).")
    if os.environ.get(_ENV) is not None:
        lines.append(f"Note: {_ENV}={os.environ[_ENV]} is set here and overrides the file "
                     "for any node started with it.")
    return lines


def _set(open_now: bool) -> Callable[[argparse.Namespace, Output], int]:
    def run(args: argparse.Namespace, out: Output) -> int:
        config = set_setting(Path(args.data), "open_registrations", open_now)
        out.emit({"open_registrations": config.open_registrations, "restart_needed": True},
                 _lines(config.open_registrations, args, True))
        return 0
    return run


def _status(args: argparse.Namespace, out: Output) -> int:
    in_file = load_config(Path(args.data), {}).open_registrations
    effective = load_config(Path(args.data)).open_registrations
    out.emit({"open_registrations": effective, "in_file": in_file}, _lines(effective, args, False))
    return 0


def add_registrations(commands: argparse._SubParsersAction[argparse.ArgumentParser],
                      common: argparse.ArgumentParser) -> None:
    """The ``registrations`` command group."""
    group = commands.add_parser(
        "registrations", help="open or close sign-up to anyone (invite links work either way)"
    ).add_subparsers(dest="registrations_command", metavar="ACTION", required=True)
    for name, help_text, run in (
        ("open", "let anyone create an account at /signup", _set(True)),
        ("close", "stop sign-up (invite links still make accounts)", _set(False)),
        ("status", "say whether sign-up is open", _status),
    ):
        command = group.add_parser(name, parents=[common], help=help_text)
        command.set_defaults(sync=run)

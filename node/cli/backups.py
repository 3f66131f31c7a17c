"""``poolnode backup`` and ``restore``: a consistent copy of the data directory, and back."""

from __future__ import annotations

import argparse
from pathlib import Path

from node.backup import backup, restore
from node.cli.common import Output, poolnode_command

__all__ = ["add_backup"]


async def _backup(args: argparse.Namespace, out: Output) -> int:
    info = await backup(Path(args.data), Path(args.out))
    out.emit(
        {"backup": str(info.path), "schema_version": info.schema_version, "bytes": info.size_bytes},
        [f"Backed up {args.data} to {info.path} ({info.size_bytes} bytes, schema {info.schema_version})."],
    )
    return 0


async def _restore(args: argparse.Namespace, out: Output) -> int:
    info = await restore(Path(args.backup), Path(args.data))
    out.emit(
        {"data_dir": str(info.path), "schema_version": info.schema_version},
        [
            f"Restored {args.backup} into {info.path} (schema {info.schema_version}).",
            f"Start it with: {poolnode_command()} serve --data {info.path}",
        ],
    )
    return 0


def add_backup(commands: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser) -> None:
    """The ``backup`` and ``restore`` commands."""
    backup_cmd = commands.add_parser(
        "backup", parents=[common], help="copy the node's data consistently, even while serving"
    )
    backup_cmd.add_argument("out", help="a new directory to write the backup to")
    backup_cmd.set_defaults(run=_backup)
    restore_cmd = commands.add_parser(
        "restore", parents=[common], help="restore a backup into a new data directory"
    )
    restore_cmd.add_argument("backup", help="a directory written by 'poolnode backup'")
    restore_cmd.set_defaults(run=_restore)

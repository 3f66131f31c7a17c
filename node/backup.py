"""Backups of a data directory: a consistent online copy of the database plus the config."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import aiosqlite

from node.config import CONFIG_FILENAME, ConfigError, load_config
from node.storage import Database
from node.storage.database import DB_FILENAME
from node.storage.sqlite import SqliteDatabase

__all__ = ["BackupInfo", "backup", "restore"]


@dataclass(frozen=True, slots=True)
class BackupInfo:
    """What a backup or restore produced."""

    path: Path
    schema_version: int
    size_bytes: int


def _private_dir(path: Path) -> None:
    old = os.umask(0o077)
    try:
        path.mkdir(parents=True, exist_ok=False)
    finally:
        os.umask(old)
    os.chmod(path, 0o700)


async def _check(db_path: Path) -> int:
    async with aiosqlite.connect(db_path) as conn:
        row = await (await conn.execute("PRAGMA integrity_check")).fetchone()
        if row is None or row[0] != "ok":
            raise ConfigError(f"{db_path} failed its integrity check: {row[0] if row else '?'}")
        row = await (await conn.execute("SELECT MAX(version) FROM schema_migrations")).fetchone()
        return int(row[0] or 0) if row else 0


async def backup(data_dir: Path, out: Path) -> BackupInfo:
    """Copy the node's database with SQLite's online backup (safe while serving) and its config."""
    if not (data_dir / CONFIG_FILENAME).exists():
        raise ConfigError(f"{data_dir} is not a poolnode data directory")
    if out.exists():
        raise ConfigError(f"{out} already exists; choose a new backup directory")
    db = Database.for_config(load_config(data_dir))
    if not isinstance(db, SqliteDatabase):
        raise ConfigError(
            f"the node's database is PostgreSQL ({db.location}): back it up with pg_dump or the "
            "server's point-in-time recovery (docs/OPERATIONS.md, \"Backups on PostgreSQL\")"
        )
    _private_dir(out)
    await db.open(migrate=False)
    try:
        await db.backup_to(out / DB_FILENAME)
    finally:
        await db.close()
    shutil.copy2(data_dir / CONFIG_FILENAME, out / CONFIG_FILENAME)
    os.chmod(out / CONFIG_FILENAME, 0o600)
    version = await _check(out / DB_FILENAME)
    size = sum(p.stat().st_size for p in out.iterdir())
    return BackupInfo(out, version, size)


async def restore(backup_dir: Path, data_dir: Path) -> BackupInfo:
    """Restore a backup into a new data directory (never over an existing node)."""
    for name in (DB_FILENAME, CONFIG_FILENAME):
        if not (backup_dir / name).exists():
            raise ConfigError(f"{backup_dir} is not a poolnode backup (no {name})")
    if data_dir.exists() and any(data_dir.iterdir()):
        raise ConfigError(f"{data_dir} is not empty; restore into a new directory")
    version = await _check(backup_dir / DB_FILENAME)
    if data_dir.exists():
        data_dir.rmdir()
    _private_dir(data_dir)
    for name in (DB_FILENAME, CONFIG_FILENAME):
        shutil.copy2(backup_dir / name, data_dir / name)
        os.chmod(data_dir / name, 0o600)
    size = sum(p.stat().st_size for p in data_dir.iterdir())
    return BackupInfo(data_dir, version, size)

"""The database: pragmas, file modes, forward-only migrations, refusing a newer schema."""

from __future__ import annotations

import stat

import pytest

from node.accounts import create_pool
from node.config import Config
from node.storage import ActorStore, Database, SchemaTooNew
from node.storage.database import migrations


async def test_pragmas_and_private_files(tmp_path):
    db = Database.in_data_dir(tmp_path)
    await db.open()
    try:
        assert (await db.fetchone("PRAGMA journal_mode"))[0] == "wal"
        assert (await db.fetchone("PRAGMA foreign_keys"))[0] == 1
        await db.execute("INSERT INTO schema_migrations (version, name) VALUES (?, ?)", (10_000, "x"))
        await db.execute("DELETE FROM schema_migrations WHERE version = 10000")
    finally:
        await db.close()
    files = [p for p in tmp_path.iterdir() if p.name.startswith("poolnode.sqlite3")]
    assert files
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


async def test_foreign_keys_are_enforced(tmp_path):
    db = Database.in_data_dir(tmp_path)
    await db.open()
    try:
        with pytest.raises(Exception, match="FOREIGN KEY"):
            await db.execute(
                "INSERT INTO tokens (actor_id, token_hash, created_at) VALUES (999, 'h', 'now')"
            )
    finally:
        await db.close()


async def test_migrations_are_numbered_and_recorded(tmp_path):
    known = migrations()
    assert [m.version for m in known] == list(range(1, len(known) + 1))
    db = Database.in_data_dir(tmp_path)
    await db.open()
    try:
        assert await db.schema_version() == known[-1].version
        assert await db.migrate() == []  # re-running applies nothing
    finally:
        await db.close()


async def test_existing_database_keeps_its_data_through_later_migrations(tmp_path):
    config = Config(data_dir=tmp_path, base_url="http://node.test")
    db = Database.in_data_dir(tmp_path)
    await db.open(migrate=False)
    await db.migrate(target=1)
    pool = await create_pool(config, ActorStore(db), "oldpool")
    await db.close()

    db = Database.in_data_dir(tmp_path)
    await db.open()
    try:
        assert await db.schema_version() == migrations()[-1].version
        again = await ActorStore(db).by_username("oldpool")
        assert again is not None and again.rsa_private_pem == pool.rsa_private_pem
    finally:
        await db.close()


async def test_a_newer_database_is_refused_with_a_clear_message(tmp_path):
    db = Database.in_data_dir(tmp_path)
    await db.open()
    await db.execute("INSERT INTO schema_migrations (version, name) VALUES (?, ?)", (9999, "future"))
    await db.close()
    db = Database.in_data_dir(tmp_path)
    with pytest.raises(SchemaTooNew, match="schema version 9999, newer than"):
        await db.open()
    await db.close()


async def test_failed_transaction_rolls_back(tmp_path):
    db = Database.in_data_dir(tmp_path)
    await db.open()
    try:
        with pytest.raises(RuntimeError):
            async with db.transaction() as conn:
                await conn.execute(
                    "INSERT INTO schema_migrations (version, name) VALUES (5000, 'x')"
                )
                raise RuntimeError("boom")
        assert await db.fetchone("SELECT * FROM schema_migrations WHERE version = 5000") is None
    finally:
        await db.close()

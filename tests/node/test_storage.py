"""The database: pragmas, file modes, forward-only migrations, refusing a newer schema."""

from __future__ import annotations

import asyncio
import contextlib
import stat

import pytest

from node.accounts import create_pool
from node.config import Config
from node.storage import ActorStore, Database, InboxRow, InboxStore, SchemaTooNew
from node.storage.database import migrations
from node.storage.inbox import MAX_BATCH_ROWS


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
    # A pool made today, its actor row copied into a database at schema 1 (the columns schema 1
    # has): creating a pool now writes tables schema 1 does not have.
    (tmp_path / "today").mkdir()
    today = Database.in_data_dir(tmp_path / "today")
    await today.open()
    pool = await create_pool(config, ActorStore(today), "oldpool")
    row = await today.fetchone("SELECT * FROM actors WHERE username = ?", ("oldpool",))
    await today.close()
    db = Database.in_data_dir(tmp_path)
    await db.open(migrate=False)
    await db.migrate(target=1)
    columns = [c["name"] for c in await db.fetchall("PRAGMA table_info(actors)")]
    assert "rsa_private_pem" in columns
    await db.execute(f"INSERT INTO actors ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
                     tuple(row[c] for c in columns))
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


def _inbox_row(n: int, recipient_id: int | None = None) -> InboxRow:
    activity_id = f"https://remote.example/activities/{n}"
    return InboxRow(activity_id, "Create", "https://remote.example/users/bob", recipient_id,
                    f'{{"id": "{activity_id}"}}', 1_000 + n)


async def test_inbox_batches_store_each_activity_once_of_any_size(tmp_path):
    db = Database.in_data_dir(tmp_path)
    await db.open()
    try:
        store = InboxStore(db)
        # One statement: a duplicate inside the batch and one already stored are skipped.
        await store.insert_batch([_inbox_row(0)])
        await store.insert_batch([_inbox_row(0), _inbox_row(1), _inbox_row(1), _inbox_row(2)])
        assert await store.count() == 3
        # Larger than one statement takes: several statements, one transaction.
        await store.insert_batch([_inbox_row(n) for n in range(2 * MAX_BATCH_ROWS + 7)])
        assert await store.count() == 2 * MAX_BATCH_ROWS + 7
        await store.insert_batch([])
        assert await store.count() == 2 * MAX_BATCH_ROWS + 7
    finally:
        await db.close()


@pytest.mark.parametrize("size", [3, MAX_BATCH_ROWS + 3])
async def test_a_failing_inbox_batch_stores_none_of_its_rows(tmp_path, size):
    db = Database.in_data_dir(tmp_path)
    await db.open()
    try:
        store = InboxStore(db)
        rows = [_inbox_row(n) for n in range(size - 1)] + [_inbox_row(size, recipient_id=999)]
        with pytest.raises(Exception, match="FOREIGN KEY"):
            await store.insert_batch(rows)  # the last row names no actor
        assert await store.count() == 0
        await store.insert_batch(rows[:-1])  # the connection is usable afterwards
        assert await store.count() == size - 1
    finally:
        await db.close()


async def test_a_writer_cancelled_as_it_begins_leaves_no_transaction_open(tmp_path):
    """A task cancelled while its BEGIN is on the database thread (a worker stopped at shutdown)
    rolls back before it gives the writers' lock up: the next transaction begins."""
    db = Database.in_data_dir(tmp_path)
    await db.open()
    try:
        await db.execute("CREATE TABLE t (n INTEGER)")

        async def write(n: int) -> None:
            async with db.transaction() as conn:
                await conn.execute("INSERT INTO t (n) VALUES (?)", (n,))

        for turns in range(8):
            task = asyncio.create_task(write(turns))
            for _ in range(turns):
                await asyncio.sleep(0)
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            await write(100 + turns)  # "cannot start a transaction within a transaction" before
        rows = await db.fetchall("SELECT n FROM t WHERE n >= 100 ORDER BY n")
        assert [r["n"] for r in rows] == list(range(100, 108))
    finally:
        await db.close()

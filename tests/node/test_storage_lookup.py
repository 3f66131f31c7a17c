"""``Database.lookup``: small indexed reads that see what was committed before them, on either
backend (on SQLite from a read-only connection on the caller's thread), and the set reads the
inbox worker makes for a batch."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest

from node.storage import ActorStore, BlockStore, Database, InboxRow, InboxStore
from node.storage.sqlite import SqliteDatabase

pytestmark = pytest.mark.both_backends


@pytest.fixture
async def db(tmp_path, database_url):  # type: ignore[no-untyped-def]
    database = Database.from_url(database_url, tmp_path)
    await database.open()
    yield database
    await database.close()


async def _actor(db: Database, name: str) -> int:
    actor = await ActorStore(db).create(
        username=name, kind="pool", uri=f"http://node.test/users/{name}", display_name=name,
        summary="", is_admin=False, rsa_private_pem="k", rsa_public_pem="k",
        ed25519_private_pem="k", ed25519_public_multibase="z", created_at="2025-01-01T00:00:00Z",
        bylaws_json="{}",
    )
    return actor.id


async def test_a_lookup_sees_every_committed_write_and_no_open_transaction(db) -> None:  # type: ignore[no-untyped-def]
    sql = "SELECT uri FROM actors WHERE username = ?"
    assert await db.lookup(sql, ("ana",)) is None
    await _actor(db, "ana")
    assert (await db.lookup(sql, ("ana",)))["uri"] == "http://node.test/users/ana"
    async with db.transaction() as conn:
        await conn.execute("UPDATE actors SET uri = ? WHERE username = ?", ("http://x.test/ana", "ana"))
        # Not committed: a lookup reads the last committed state, never waiting for the writer.
        assert (await db.lookup(sql, ("ana",)))["uri"] == "http://node.test/users/ana"
    assert (await db.lookup(sql, ("ana",)))["uri"] == "http://x.test/ana"
    assert [r["uri"] for r in await db.lookup_all(sql, ("ana",))] == ["http://x.test/ana"]


async def test_sqlite_lookups_need_no_thread_hop_and_fall_back_off_their_thread(db) -> None:  # type: ignore[no-untyped-def]
    if not isinstance(db, SqliteDatabase):
        pytest.skip("SQLite's read-only connection")
    await _actor(db, "ana")
    sql = "SELECT username FROM actors WHERE username = ?"

    async def refuse(*_args: object) -> None:
        raise AssertionError("a lookup went through aiosqlite's thread")

    reader = db._reader
    assert reader is not None
    used: list[str] = []

    class Spy:
        def execute(self, *args: object) -> sqlite3.Cursor:
            used.append(args[0])  # type: ignore[arg-type]
            return reader.execute(*args)  # type: ignore[arg-type]

    real = db.fetchone
    db.fetchone = refuse  # type: ignore[method-assign]
    db._reader = Spy()  # type: ignore[assignment]
    try:
        assert (await db.lookup(sql, ("ana",)))["username"] == "ana"
        assert used == [sql]
    finally:
        db.fetchone = real  # type: ignore[method-assign]

    # From another thread (with its own event loop) the writer's connection answers instead:
    # the read-only connection belongs to the thread that opened it.
    def elsewhere() -> str:
        async def read() -> str:
            row = await db.lookup(sql, ("ana",))
            return str(row["username"])
        return asyncio.run(read())

    try:
        assert await asyncio.to_thread(elsewhere) == "ana"
        assert used == [sql]
    finally:
        db._reader = reader
    with pytest.raises(sqlite3.OperationalError):  # and it cannot write
        reader.execute("DELETE FROM actors")


async def test_set_reads_for_a_batch(db) -> None:  # type: ignore[no-untyped-def]
    ids = [await _actor(db, name) for name in ("ana", "bo", "cy")]
    actors = ActorStore(db)
    by_uri = await actors.by_uris(["http://node.test/users/bo", "http://elsewhere.test/x",
                                   "http://node.test/users/ana", "http://node.test/users/bo"])
    assert sorted(a.username for a in by_uri.values()) == ["ana", "bo"]
    assert sorted((await actors.by_ids([ids[2], 999, ids[0]])).keys()) == sorted([ids[0], ids[2]])
    blocks = BlockStore(db)
    await blocks.add(ids[0], "http://elsewhere.test/troll", "http://node.test/b/1", "2025-01-01T00:00:00Z")
    await blocks.add(ids[1], "http://elsewhere.test/troll", "http://node.test/b/2", "2025-01-01T00:00:00Z")
    assert await blocks.blockers_of_each(["http://elsewhere.test/troll", "http://elsewhere.test/ok"]) == {
        "http://elsewhere.test/troll": {ids[0], ids[1]}}


async def test_claim_leases_due_items_in_queue_order_once(db) -> None:  # type: ignore[no-untyped-def]
    store = InboxStore(db)
    await store.insert_batch([
        InboxRow(f"http://e.test/a/{n}", "Create", "http://e.test/u", None, "{}", 1000 + n)
        for n in range(5)
    ])
    first = await store.claim_due(10_000, 60_000, 3)
    assert [i.activity_id for i in first] == [f"http://e.test/a/{n}" for n in range(3)]
    assert {i.attempts for i in first} == {1}
    second = await store.claim_due(10_000, 60_000, 3)  # leased ones are not claimed again
    assert [i.activity_id for i in second] == [f"http://e.test/a/{n}" for n in (3, 4)]
    await store.mark_done_many([i.id for i in first], 11_000)
    assert await store.count("done") == 3 and await store.count("queued") == 2

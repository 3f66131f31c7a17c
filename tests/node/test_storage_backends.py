"""Both storage backends behind one interface: the same migrations, schema and query results."""

from __future__ import annotations

import pytest

from node.config import Config, ConfigError, load_config
from node.storage import (
    ActorStore,
    BallotSequences,
    Database,
    DeliveryStore,
    DeliveryTarget,
    FloodStore,
    InboxRow,
    InboxStore,
    ObjectStore,
    TokenStore,
)
from node.storage.database import migrations
from node.storage.postgres import PostgresDatabase, placeholders, safe_url
from node.storage.sqlite import SqliteDatabase

pytestmark = pytest.mark.both_backends
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"


@pytest.fixture
async def db(tmp_path, database_url):  # type: ignore[no-untyped-def]
    database = Database.from_url(database_url, tmp_path)
    await database.open()
    yield database
    await database.close()


async def _pool(db: Database, name: str = "commons") -> int:
    actor = await ActorStore(db).create(
        username=name, kind="pool", uri=f"http://node.test/pools/{name}", display_name=name,
        summary="", is_admin=False, rsa_private_pem="k", rsa_public_pem="k",
        ed25519_private_pem="k", ed25519_public_multibase="z", created_at="2025-01-01T00:00:00Z",
        bylaws_json="{}",
    )
    return actor.id


async def test_the_url_chooses_the_backend(db, database_url) -> None:  # type: ignore[no-untyped-def]
    expected = PostgresDatabase if database_url else SqliteDatabase
    assert isinstance(db, expected) and db.dialect == ("postgresql" if database_url else "sqlite")
    assert await db.schema_version() == migrations(db.dialect)[-1].version
    assert await db.migrate() == []


async def test_new_rows_get_ids_and_a_taken_name_is_a_conflict(db) -> None:  # type: ignore[no-untyped-def]
    first, second = await _pool(db, "one"), await _pool(db, "two")
    assert second == first + 1
    with pytest.raises(Exception, match="already taken"):
        await _pool(db, "one")
    membership = await ActorStore(db).add_membership(first, "http://x/p", ("member",), "t")
    token = await TokenStore(db).add(first, "secret", "label", "t")
    assert membership.id >= 1 and token.id >= 1
    assert await TokenStore(db).actor_for("secret") == first


async def test_a_failed_transaction_leaves_nothing(db) -> None:  # type: ignore[no-untyped-def]
    pool = await _pool(db)
    with pytest.raises(RuntimeError):
        async with db.transaction(lock=f"pool:{pool}") as conn:
            await conn.execute("UPDATE pools SET bylaws_json = ? WHERE actor_id = ?", ("{\"x\":1}", pool))
            raise RuntimeError("boom")
    assert await ActorStore(db).bylaws_json(pool) == "{}"
    async with db.transaction(lock=f"pool:{pool}") as conn:
        cursor = await conn.execute("UPDATE pools SET bylaws_json = ? WHERE actor_id = ?", ("{}", pool))
        assert cursor.rowcount == 1


async def test_inbox_queue_dedups_and_leases(db) -> None:  # type: ignore[no-untyped-def]
    store = InboxStore(db)
    rows = [InboxRow(f"https://r/a/{i % 3}", "Create", "https://r/u", None, "{}", 1_700_000_000_000)
            for i in range(5)]
    await store.insert_batch(rows)
    assert await store.count() == 3
    claimed = await store.claim_due(1_700_000_000_000, 60_000, 2)
    assert [c.activity_id for c in claimed] == ["https://r/a/0", "https://r/a/1"]
    assert [c.attempts for c in claimed] == [1, 1]
    again = await store.claim_due(1_700_000_000_000, 60_000, 5)
    assert [c.activity_id for c in again] == ["https://r/a/2"]  # the leased two are not offered
    await store.mark_done(claimed[0].id, 1_700_000_000_001)
    assert await store.count("done") == 1
    assert await store.delete_processed_before(1_800_000_000_000, 10) == 1


async def test_delivery_queue_bytes_claims_and_hosts(db) -> None:  # type: ignore[no-untyped-def]
    pool = await _pool(db)
    store = DeliveryStore(db)
    targets = [DeliveryTarget("https://a.test/inbox", "a.test"), DeliveryTarget("https://b.test/inbox", "b.test")]
    assert await store.enqueue(sender_id=pool, activity_uri="https://n/act/1", body=b"\x00bytes",
                               targets=targets, local_owner_ids=[pool], now=10.0, now_iso="t") == 2
    claimed = await store.claim(now=11.0, lock_until=71.0, limit=10, per_host=1)
    assert sorted(c.host for c in claimed) == ["a.test", "b.test"]
    assert await store.claim(now=11.0, lock_until=71.0, limit=10, per_host=1) == []
    bodies = await store.bodies([c.activity_id for c in claimed])
    assert bodies[claimed[0].activity_id] == (pool, b"\x00bytes")
    assert (await store.counts())["queued"] == 2


async def test_ballot_sequences_count_up_and_never_down(db) -> None:  # type: ignore[no-untyped-def]
    seq = BallotSequences(db)
    assert [await seq.next("v", "p"), await seq.next("v", "p")] == [1, 2]
    await seq.at_least("v", "p", 7)
    await seq.at_least("v", "p", 3)
    assert await seq.last("v", "p") == 7 and await seq.next("v", "p") == 8


async def test_flood_queries_read_json_fields(db) -> None:  # type: ignore[no-untyped-def]
    floods = FloodStore(db)
    await floods.add_proposal(uri="https://o/p/1", flood_uri="https://o/f", origin_pool="https://o/a",
                              pools=["https://o/a", "https://t/b"], document={"id": "x"},
                              closes_at="2030", now="t")
    assert await floods.share_a_flood("https://o/a", "https://t/b")
    assert not await floods.share_a_flood("https://o/a", "https://else/c")
    ballot = {"id": "https://o/b/1", "voter": "https://o/v", "sequence": 2}
    kept = await floods.add_member_ballot("https://o/p/1", uri=ballot["id"], voter_uri="https://o/v",
                                          via_pool="https://o/a", ballot=ballot, document={}, now="t")
    reuse = {**ballot, "id": "https://o/b/2"}
    refused = await floods.add_member_ballot("https://o/p/1", uri=reuse["id"], voter_uri="https://o/v",
                                             via_pool="https://o/a", ballot=reuse, document={}, now="t")
    assert kept and not refused
    assert await floods.voter_sequence_holder("https://o/p/1", "https://o/v", 2) == ballot["id"]
    assert await floods.voter_highest_sequence("https://o/p/1", "https://o/v", excluding="z") == 2


async def test_public_only_collections_read_the_addressing(db) -> None:  # type: ignore[no-untyped-def]
    pool = await _pool(db)
    objects = ObjectStore(db)
    documents = [
        {"id": "https://n/1", "type": "Note", "to": PUBLIC},
        {"id": "https://n/2", "type": "Note", "to": ["https://x/p"], "cc": [{"id": PUBLIC}]},
        {"id": "https://n/3", "type": "Note", "to": ["https://x/p"]},
    ]
    for doc in documents:
        await objects.put_local_activity(pool, doc, None, "t")
    assert await objects.collection_size(pool, "outbox") == 3
    assert await objects.collection_size(pool, "outbox", public_only=True) == 2
    page = await objects.collection_page(pool, "outbox", before=None, limit=5, public_only=True)
    assert page.items == ["https://n/2", "https://n/1"]


def test_placeholders_skip_string_literals() -> None:
    assert placeholders("SELECT ? , '?', x = ?") == "SELECT $1 , '?', x = $2"
    assert safe_url("postgresql://u:pw@h/db") == "postgresql://u:***@h/db"


def test_database_url_setting(tmp_path) -> None:  # type: ignore[no-untyped-def]
    Config(data_dir=tmp_path, base_url="http://n.test", database_url="postgresql://u@db.example/pool")
    for bad in ("mysql://h/db", "postgresql://u@h", "postgresql:///db"):
        with pytest.raises(ConfigError, match="database_url"):
            Config(data_dir=tmp_path, base_url="http://n.test", database_url=bad)
    (tmp_path / "poolnode.toml").write_text('base_url = "http://n.test"\n')
    config = load_config(tmp_path, {"POOLNODE_DATABASE_URL": "postgresql://u@h/d",
                                    "POOLNODE_DATABASE_POOL_SIZE": "4"})
    assert config.database_url == "postgresql://u@h/d" and config.database_pool_size == 4
    assert isinstance(Database.for_config(config), PostgresDatabase)
    assert Database.from_url("other.sqlite3", tmp_path).location == str(tmp_path / "other.sqlite3")


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_both_dialects_have_the_same_migrations_and_schema(tmp_path, database_url) -> None:  # type: ignore[no-untyped-def]
    assert [m.version for m in migrations("sqlite")] == [m.version for m in migrations("postgresql")]
    assert [m.name for m in migrations("sqlite")] == [m.name for m in migrations("postgresql")]
    lite, pg = Database.in_data_dir(tmp_path), Database.from_url(database_url, tmp_path)
    await lite.open()
    await pg.open()
    try:
        tables = await lite.tables()
        assert "ledger_entries" in tables and "sequence" in tables["ballots"]
        assert tables == await pg.tables()
    finally:
        await lite.close()
        await pg.close()

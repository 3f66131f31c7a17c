"""The discussion tables on both backends: threads in conversation order, one outcome, logs."""

from __future__ import annotations

import pytest

from node.storage import ActorStore, BlockStore, Database, DiscussionStore, NewComment

pytestmark = pytest.mark.both_backends

POOL = "http://node.test/pools/commons"
THREAD = POOL + "/proposals/7d1f5a9e-3c2b-4e8f-9a61-0b2c4d6e8f10"


@pytest.fixture
async def db(tmp_path, database_url):  # type: ignore[no-untyped-def]
    database = Database.from_url(database_url, tmp_path)
    await database.open()
    yield database
    await database.close()


async def _pool(db: Database) -> int:
    actor = await ActorStore(db).create(
        username="commons", kind="pool", uri=POOL, display_name="commons", summary="",
        is_admin=False, rsa_private_pem="k", rsa_public_pem="k", ed25519_private_pem="k",
        ed25519_public_multibase="z", created_at="2025-01-01T00:00:00Z", bylaws_json="{}")
    return actor.id


def _new(pool_id: int, n: int, parent: int | None = None, **extra: object) -> NewComment:
    fields: dict[str, object] = {
        "pool_id": pool_id, "thread_uri": THREAD, "uri": f"http://a.example/notes/{n}",
        "parent_id": parent, "author_uri": "http://a.example/users/ana", "kind": "comment",
        "standing": "member", "content": f"<p>{n}</p>", "document": {"id": n},
        "created_at": f"2025-03-01T12:00:{n:02d}Z", **extra}
    return NewComment(**fields)  # type: ignore[arg-type]


async def test_a_thread_pages_in_conversation_order(db) -> None:  # type: ignore[no-untyped-def]
    store = DiscussionStore(db)
    pool = await _pool(db)
    first = await store.add_comment(_new(pool, 1))
    second = await store.add_comment(_new(pool, 2))
    assert first is not None and second is not None
    await store.add_comment(_new(pool, 3, parent=first.id))  # a late reply to the first
    await store.add_comment(_new(pool, 4, kind="outcome"))
    assert await store.add_comment(_new(pool, 1)) is None  # the same Note again
    order = [c.uri[-1] for c in await store.thread(THREAD, limit=10)]
    assert order == ["1", "3", "2"]  # the reply under its comment; the outcome apart
    page = await store.thread(THREAD, limit=2)
    rest = await store.thread(THREAD, limit=2, after=(page[-1].top, page[-1].id))
    assert [c.uri[-1] for c in page + rest] == order
    assert [c.uri[-1] for c in await store.replies_page(THREAD, limit=10)] == ["4", "3", "2", "1"]
    assert await store.count_thread(THREAD) == 4
    outcome = await store.outcome_of(THREAD)
    assert outcome is not None and outcome.uri.endswith("/4")


async def test_one_outcome_statement_until_it_is_deleted(db) -> None:  # type: ignore[no-untyped-def]
    store = DiscussionStore(db)
    pool = await _pool(db)
    assert await store.add_comment(_new(pool, 1, kind="outcome")) is not None
    assert await store.add_comment(_new(pool, 2, kind="outcome")) is None
    await store.change_comment("http://a.example/notes/1", "", {"type": "Tombstone"},
                               "2025-03-02T00:00:00Z", deleted=True)
    assert await store.add_comment(_new(pool, 2, kind="outcome")) is not None


async def test_mentions_moderation_and_rate(db) -> None:  # type: ignore[no-untyped-def]
    store = DiscussionStore(db)
    pool = await _pool(db)
    bo = "http://b.example/users/bo"
    comment = await store.add_comment(_new(pool, 5, mentions=(bo,)))
    assert comment is not None
    assert await store.mentioned(comment.uri) == [bo]
    assert [m[1] for m in await store.mentions_of(bo)] == [comment.uri]
    await store.moderate(comment, POOL + "/steward", "off topic", "2025-03-01T13:00:00Z", hide=True)
    hidden = await store.comment(comment.uri)
    assert hidden is not None and hidden.hidden_reason == "off topic"
    await store.moderate(comment, POOL + "/steward", "fair point", "2025-03-01T14:00:00Z", hide=False)
    shown = await store.comment(comment.uri)
    assert shown is not None and shown.hidden_at is None
    assert [(e.action, e.reason) for e in await store.moderation_log(pool)] == [
        ("show", "fair point"), ("hide", "off topic")]
    assert await store.recent_posts("http://a.example/users/ana", "2025-03-01T12:00:05Z") == 1
    assert await store.recent_posts("http://a.example/users/ana", "2025-03-01T12:00:06Z") == 0


async def test_discussions_open_once_per_draft_and_link_proposals(db) -> None:  # type: ignore[no-untyped-def]
    store = DiscussionStore(db)
    pool = await _pool(db)
    args = (pool, POOL + "/discussions/1", "http://a.example/drafts/1", "http://a.example/users/ana",
            "Tools", "<p>Which?</p>", {"type": "Page"}, "2025-03-01T12:00:00Z")
    opened = await store.add_discussion(*args)
    again = await store.add_discussion(args[0], POOL + "/discussions/2", *args[2:])
    assert again.uri == opened.uri and await store.count_discussions(pool) == 1
    await store.link_proposal(opened.id, THREAD, "2025-03-02T00:00:00Z")
    await store.link_proposal(opened.id, THREAD, "2025-03-02T00:00:00Z")
    assert await store.proposals_of(opened.id) == [THREAD]
    linked = await store.discussion_of_proposal(THREAD)
    assert linked is not None and linked.uri == opened.uri
    await store.change_discussion(opened.uri, "Tools", "", {"type": "Tombstone"},
                                  "2025-03-03T00:00:00Z", deleted=True)
    assert await store.discussions_of_pool(pool, limit=10) == []


async def test_blocks(db) -> None:  # type: ignore[no-untyped-def]
    blocks = BlockStore(db)
    pool = await _pool(db)
    mallory = "http://m.example/users/mallory"
    await blocks.add(pool, mallory, "http://node.test/activities/1", "2025-03-01T12:00:00Z")
    await blocks.add(pool, mallory, "http://node.test/activities/2", "2025-03-01T12:00:00Z")
    assert await blocks.blockers_of(mallory) == {pool}
    assert await blocks.any_blocks([pool], mallory) and not await blocks.any_blocks([], mallory)
    assert not await blocks.remove(pool, activity_uri="http://node.test/activities/2")
    assert await blocks.remove(pool, activity_uri="http://node.test/activities/1")
    assert await blocks.blockers_of(mallory) == set()


async def test_a_thread_page_is_read_in_order_from_an_index_not_sorted(db) -> None:  # type: ignore[no-untyped-def]
    """A page of 50 does not sort the whole thread: the conversation order is an index."""
    store = DiscussionStore(db)
    pool = await _pool(db)
    first = await store.add_comment(_new(pool, 1))
    assert first is not None
    await store.add_comment(_new(pool, 2, parent=first.id))
    asked: list[tuple[str, list[object]]] = []
    fetchall = db.fetchall

    async def spy(sql, params=()):  # type: ignore[no-untyped-def]
        asked.append((sql, list(params)))
        return await fetchall(sql, params)

    db.fetchall = spy
    try:
        await store.thread(THREAD, limit=10, after=(1, 1))
    finally:
        db.fetchall = fetchall
    (sql, params), = asked
    if db.dialect == "sqlite":
        plan = " ".join(str(row[3]) for row in await db.fetchall("EXPLAIN QUERY PLAN " + sql, params))
        assert "comments_conversation" in plan and "TEMP B-TREE" not in plan, plan
    else:
        rows = await db.fetchall("SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema()"
                                 " AND indexname = ?", ["comments_conversation"])
        assert rows and "COALESCE(parent_id, id)" in rows[0][0]

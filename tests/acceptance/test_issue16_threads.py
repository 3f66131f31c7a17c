"""Issue 16: a long thread read page by page, as a federated reader (the paged ``replies``
collection) and as a person without JavaScript (the proposal page's "Later comments").

docs/PROTOCOL.md, "Threads and their replies": a paged ``OrderedCollection`` (newest first,
``?page=true&before=N``) listing every comment, replies too (each names its ``inReplyTo``), a
deleted comment as a ``Tombstone`` with ``deleted``, a hidden one with the reason as ``summary``.
docs/OPERATIONS.md: ``thread_page_size`` comments before "Later comments"; collections use
``page_size``.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest

from node.app import create_app
from node.appkeys import ACTORS
from node.discussion import moderate
from tests.conftest import make_node
from tests.node.discussion.helpers import comment, stored
from tests.node.pools.helpers import get, post, propose
from tests.web.helpers import HTML, page

pytestmark = pytest.mark.both_backends


@pytest.fixture
async def small(database_url, tmp_path, aiohttp_client):  # type: ignore[no-untyped-def]
    setup = await make_node(tmp_path / "data", page_size=3, thread_page_size=4)
    client = await aiohttp_client(create_app(setup.config))
    client.setup = setup
    return client


async def _thread(client: Any) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A proposal with 7 comments (one a reply, one deleted, one hidden), oldest first."""
    setup = client.setup
    proposal = await propose(client, "admin", setup.admin_token)
    notes = []
    for n in range(6):
        user, token = (("alice", setup.alice_token), ("admin", setup.admin_token))[n % 2]
        notes.append((await comment(client, user, token, proposal["id"], f"<p>Comment {n}</p>"))["object"])
    notes.append((await comment(client, "admin", setup.admin_token, notes[0]["id"], "<p>Reply to 0</p>"))["object"])
    resp = await post(client, "alice", setup.alice_token, {"type": "Delete", "object": notes[2]["id"]})
    assert resp.status == 201
    row = await stored(client, notes[4]["id"])
    assert row is not None
    pool = await client.app[ACTORS].get("commons", "pool")
    await moderate(client.app, pool, setup.admin.uri, row.id, "off topic", datetime.now(UTC), hide=True)
    return proposal, notes


async def test_the_replies_collection_pages_through_every_comment_newest_first(small) -> None:
    proposal, notes = await _thread(small)
    collection = await get(small, proposal["id"] + "/replies")
    assert collection["type"] == "OrderedCollection" and collection["totalItems"] == 7
    seen: list[dict[str, Any]] = []
    url: str | None = collection["first"]
    pages = 0
    while url:
        body = await get(small, url)
        assert body["type"] == "OrderedCollectionPage" and len(body["orderedItems"]) <= 3
        assert body["partOf"] == proposal["id"] + "/replies"
        seen += body["orderedItems"]
        url = body.get("next")
        pages += 1
    assert pages == 3
    assert [i["id"] for i in seen] == [n["id"] for n in reversed(notes)]
    by_id = {i["id"]: i for i in seen}
    assert by_id[notes[6]["id"]]["inReplyTo"] == notes[0]["id"]
    assert by_id[notes[2]["id"]]["type"] == "Tombstone" and by_id[notes[2]["id"]]["deleted"]
    hidden = by_id[notes[4]["id"]]
    assert hidden["type"] == "Tombstone" and hidden["summary"] == "Hidden by a steward: off topic"
    assert "Comment 4" not in str(seen)


async def test_a_thread_page_without_javascript_shows_every_comment_once(small) -> None:
    proposal, _notes = await _thread(small)
    path = proposal["id"].removeprefix("http://node.test")
    shown: list[str] = []
    pages: list[str] = []
    url: str | None = path
    for _ in range(5):
        html = await page(small, url)
        pages.append(html)
        shown += re.findall(r"<p>(Comment \d|Reply to 0)</p>", html)
        later = re.search(r'href="([^"]*after=[^"#]*)', html)
        url = path + later[1].replace("&amp;", "&") if later else None
        if url is None:
            break
    assert url is None, "the pages never end"
    expected = ["Comment 0", "Reply to 0", "Comment 1", "Comment 3", "Comment 5"]
    assert shown == expected  # deleted and hidden ones show their notes instead, nothing twice
    assert len(pages) == 2 and "Hidden by a steward: off topic" in pages[1]
    resp = await small.get(path + "?after=junk", headers=HTML)
    assert resp.status in (200, 400)

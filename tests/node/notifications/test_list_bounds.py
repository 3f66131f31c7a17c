"""The list is paged and bounded; bad requests get a 4xx and change nothing; old notifications
go after the retention; a flood proposal reaches the members of every local pool in it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from node.appkeys import ACTORS, CONFIG, DB
from node.notifications import notify_round, retain
from node.storage import FloodStore, MailStore, NewNotification, NotificationStore
from node.web.notifications import PAGE_SIZE
from tests.web.helpers import HTML, page, post_form, set_password, sign_in

AT = "2026-12-01T10:00:00Z"


async def _fill(client: Any, username: str, count: int, at: str = AT) -> list[int]:
    actor = await client.app[ACTORS].get(username, "member")
    return await NotificationStore(client.app[DB]).add([
        NewNotification(actor.id, "proposal_opened", f"http://node.test/p/{n}", "http://node.test/pools/commons",
                        f"http://node.test/p/{n}", f"Idea {n}", "", at) for n in range(count)])


@pytest.mark.both_backends
async def test_the_list_pages_newest_first(client) -> None:
    ids = await _fill(client, "alice", PAGE_SIZE + 5)
    await set_password(client, "alice")
    await sign_in(client, "alice")
    first = await page(client, "/notifications")
    assert f"Idea {PAGE_SIZE + 4}" in first and "Idea 4<" not in first
    assert f'href="/notifications?before={ids[5]}"' in first
    assert '<span class="badge count">35</span>' in await page(client, "/")
    older = await page(client, f"/notifications?before={ids[5]}")
    assert all(f"Idea {n}<" in older for n in range(5)) and "Older notifications" not in older
    await post_form(client, "/notifications/read", {"id": "all"}, from_page="/notifications")
    assert 'class="badge count"' not in await page(client, "/")


async def test_the_header_count_stops_at_99_plus(client) -> None:
    await _fill(client, "alice", 120)
    await set_password(client, "alice")
    await sign_in(client, "alice")
    assert '<span class="badge count">99+</span>' in await page(client, "/")


async def test_bad_requests_are_refused_and_change_nothing(client) -> None:
    (theirs,) = await _fill(client, "admin", 1)
    await set_password(client, "alice")
    await sign_in(client, "alice")
    await page(client, "/notifications?before=abc", status=400)
    await post_form(client, "/notifications/read", {"id": "x"}, from_page="/notifications",
                    status=400)
    await post_form(client, "/notifications/read", {}, from_page="/notifications", status=400)
    await post_form(client, "/notifications/read", {"id": str(theirs)}, from_page="/notifications")
    assert (await NotificationStore(client.app[DB]).get(theirs)).read_at is None  # not hers
    await post_form(client, "/signout", {}, from_page="/")
    response = await client.get("/notifications", headers=HTML, allow_redirects=False)
    assert response.status in (302, 303, 401) and "signin" in response.headers.get("Location", "/signin")


@pytest.mark.both_backends
async def test_retention_deletes_old_notifications_only(client) -> None:
    # Times around the real clock: the node's own retention clock runs beside the test.
    now = datetime.now(UTC).replace(microsecond=0)
    old = now - timedelta(days=client.app[CONFIG].notification_retention_days + 30)

    def iso(moment: datetime) -> str:
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")

    await _fill(client, "alice", 3, at=iso(old))
    await _fill(client, "admin", 2, at=iso(now - timedelta(days=2)))
    alice = await client.app[ACTORS].get("alice", "member")
    mail = MailStore(client.app[DB])
    await mail.add_reset("expired", alice.id, iso(old), iso(old + timedelta(hours=1)))
    await mail.add_reset("live", alice.id, iso(now - timedelta(minutes=10)),
                         iso(now + timedelta(hours=1)))
    # The node's own retention clock may take some of the four first; together they take them all.
    assert await retain(client.app, now) <= 4
    assert await mail.reset_actor("expired", iso(old + timedelta(minutes=30))) is None
    admin = await client.app[ACTORS].get("admin", "member")
    store = NotificationStore(client.app[DB])
    assert await store.page(alice.id, before=None, limit=9) == []
    assert await mail.reset_actor("live", iso(now + timedelta(minutes=5))) == alice.id
    assert len(await store.page(admin.id, before=None, limit=9)) == 2


@pytest.mark.both_backends
async def test_a_flood_proposal_tells_the_members_of_each_local_pool_in_it(client) -> None:
    pool = await client.app[ACTORS].get("commons", "pool")
    await FloodStore(client.app[DB]).add_proposal(
        uri="https://c.example/pools/river/floods/proposals/1", flood_uri="https://c.example/pools/river/floods/delta",
        origin_pool="https://c.example/pools/river", pools=[pool.uri, "https://c.example/pools/river"],
        document={"name": "Shared tool shed"},
        closes_at=(datetime.now(UTC) + timedelta(days=7)).isoformat(), now=AT)
    await notify_round(client.app, datetime.now(UTC))
    for name in ("alice", "admin"):
        actor = await client.app[ACTORS].get(name, "member")
        (told,) = await NotificationStore(client.app[DB]).page(actor.id, before=None, limit=9)
        assert (told.kind, told.title, told.link) == ("flood", "Shared tool shed", pool.uri + "/floods")

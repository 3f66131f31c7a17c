"""The notifier: what happened becomes notifications for the members concerned, once each."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from node.appkeys import ACTORS, CONFIG, DB
from node.notifications import notify_round
from node.storage import NotificationStore
from tests.web.helpers import page, post_form, set_password, sign_in
from tests.web.money_helpers import voting_lasts


async def _propose(client, title: str = "Paint the shed") -> str:
    await set_password(client, "admin")
    await sign_in(client, "admin")
    response = await post_form(client, "/pools/commons/propose",
                               {"title": title, "kind": "decision", "text": "Blue."},
                               from_page="/pools/commons/proposals")
    return client.app[CONFIG].url(str(response.headers["Location"]))


@pytest.mark.both_backends
async def test_an_opened_proposal_tells_the_other_members_once(client) -> None:
    url = await _propose(client)
    await notify_round(client.app, datetime.now(UTC))
    await notify_round(client.app, datetime.now(UTC))  # found again: nothing added
    store = NotificationStore(client.app[DB])
    alice = await client.app[ACTORS].get("alice", "member")
    admin = await client.app[ACTORS].get("admin", "member")
    items = await store.page(alice.id, before=None, limit=10)
    assert [(n.kind, n.subject_uri, n.link, n.title) for n in items] == [
        ("proposal_opened", url, url, "Paint the shed")]
    assert await store.page(admin.id, before=None, limit=10) == []  # the author is not told


@pytest.mark.both_backends
async def test_a_reminder_goes_to_who_has_not_voted_when_a_day_is_left(client) -> None:
    await voting_lasts(client, timedelta(hours=30))
    url = await _propose(client)
    path = url.removeprefix(client.app[CONFIG].base_url)
    await post_form(client, path + "/vote", {"choice": "agree"}, from_page=path)  # admin votes
    store = NotificationStore(client.app[DB])
    alice = await client.app[ACTORS].get("alice", "member")
    admin = await client.app[ACTORS].get("admin", "member")
    await notify_round(client.app, datetime.now(UTC))
    assert [n.kind for n in await store.page(alice.id, before=None, limit=10)] == ["proposal_opened"]
    later = datetime.now(UTC) + timedelta(hours=7)  # 23 hours left
    await notify_round(client.app, later)
    await notify_round(client.app, later)
    kinds = [n.kind for n in await store.page(alice.id, before=None, limit=10)]
    assert kinds == ["closing_soon", "proposal_opened"]
    assert [n.kind for n in await store.page(admin.id, before=None, limit=10)] == []


async def test_the_list_shows_the_unread_count_and_marks_read_without_javascript(client) -> None:
    url = await _propose(client)
    await notify_round(client.app, datetime.now(UTC))
    await set_password(client, "alice")
    await sign_in(client, "alice")
    home = await page(client, "/")
    assert '<span class="badge count">1</span>' in home
    listing = await page(client, "/notifications")
    assert f'<a href="{url}">A proposal opened: Paint the shed</a>' in listing
    alice = await client.app[ACTORS].get("alice", "member")
    item = (await NotificationStore(client.app[DB]).page(alice.id, before=None, limit=1))[0]
    response = await post_form(client, "/notifications/read", {"id": str(item.id)},
                               from_page="/notifications")
    assert response.headers["Location"] == "/notifications"
    assert 'class="badge count"' not in await page(client, "/notifications")
    assert (await NotificationStore(client.app[DB]).get(item.id)).read_at is not None

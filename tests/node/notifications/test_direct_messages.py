"""A member whose account is on Mastodon gets a direct message: a private Note mentioning them,
with the link, delivered through the delivery queue and signed as every delivery is."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest

from node.accounts import join_pool
from node.appkeys import ACTORS, CONFIG
from node.notifications import notify_round, send_direct_round
from tests.node.discussion.mastodon import PUBLIC, MastodonActor
from tests.node.notifications.protocol_examples import notification_examples
from tests.web.helpers import post_form, set_password, sign_in


def _shape(document: Any) -> Any:
    """Keys and value types, recursively (ids, times and hosts differ from the example's)."""
    if isinstance(document, dict):
        return {key: _shape(value) for key, value in document.items()}
    if isinstance(document, list):
        return [_shape(item) for item in document]
    return type(document).__name__


async def _delivered(remote: Any, within: float = 10.0) -> list[dict[str, Any]]:
    for _ in range(int(within / 0.05)):
        notes = [p for p in remote.posts if p.get("type") == "Create"
                 and isinstance(p.get("object"), dict) and p["object"].get("type") == "Note"
                 and "tag" in p["object"]]
        if notes:
            return notes
        await asyncio.sleep(0.05)
    raise AssertionError(f"no direct message delivered: {remote.posts}")


async def _mastodon_member_and_a_proposal(client: Any, remote: Any) -> tuple[Any, Any, str]:
    """Mo, a Mastodon account, joins the pool; the admin proposes (from the web): mo, the pool
    and the proposal's URL."""
    mo = MastodonActor(f"{remote.base}/users/mo", "Person")
    remote.actors[mo.uri] = mo
    pool = await client.app[ACTORS].get("commons", "pool")
    await join_pool(client.app[ACTORS], pool, mo.uri)
    await set_password(client, "admin")
    await sign_in(client, "admin")
    response = await post_form(client, "/pools/commons/propose",
                               {"title": "Paint the shed", "kind": "decision", "text": "Blue."},
                               from_page="/pools/commons/proposals")
    return mo, pool, client.app[CONFIG].url(str(response.headers["Location"]))


@pytest.mark.both_backends
async def test_a_mastodon_member_gets_a_private_note_with_the_link(fed_client, remote) -> None:
    client = fed_client
    mo, pool, url = await _mastodon_member_and_a_proposal(client, remote)
    now = datetime.now(UTC)
    await notify_round(client.app, now)
    await send_direct_round(client.app, now)
    assert await send_direct_round(client.app, now) == 0  # queued once
    (create,) = [n for n in await _delivered(remote) if url in n["object"]["content"]]
    note = create["object"]
    assert create["actor"] == pool.uri and note["attributedTo"] == pool.uri
    assert create["to"] == [mo.uri] and note["to"] == [mo.uri] and note["cc"] == []
    assert PUBLIC not in str(create) and "followers" not in str(create)
    host = remote.base.split("//")[1]  # with its port: the handle WebFinger finds
    assert note["tag"] == [{"type": "Mention", "href": mo.uri, "name": f"@mo@{host}"}]
    assert f'href="{mo.uri}" class="u-url mention"' in note["content"]
    assert "Paint the shed" in note["content"] and note["url"] == url
    # docs/PROTOCOL.md's example (tests/node/notifications/protocol_examples.py) is what is sent.
    assert _shape(create) == _shape(notification_examples()["direct-message"])
    # The stored Note is the member's to read, nobody else's.
    client.session.cookie_jar.clear()
    path = note["id"].removeprefix(client.app[CONFIG].base_url)
    resp = await client.get(path, headers={"Accept": "application/activity+json"})
    assert resp.status in (401, 403, 404)
    outbox = await client.get("/pools/commons/outbox?page=true",
                              headers={"Accept": "application/activity+json"})
    assert note["id"] not in await outbox.text()


@pytest.mark.both_backends
async def test_a_spanish_pool_writes_its_direct_messages_in_spanish(fed_client, remote) -> None:
    """The pool's language (a steward sets it on the moderation page) is the DM's; a member with
    an account here keeps their own."""
    from node.appkeys import WEB
    from node.notifications.direct import language_of

    client = fed_client
    mo = MastodonActor(f"{remote.base}/users/mo", "Person")
    remote.actors[mo.uri] = mo
    pool = await client.app[ACTORS].get("commons", "pool")
    await join_pool(client.app[ACTORS], pool, mo.uri)
    await set_password(client, "admin")
    await sign_in(client, "admin")
    await post_form(client, "/pools/commons/moderation/language", {"locale": "es"},
                    from_page="/pools/commons/moderation")
    await post_form(client, "/pools/commons/propose",
                    {"title": "Pintar el cobertizo", "kind": "decision", "text": "Azul."},
                    from_page="/pools/commons/proposals")
    now = datetime.now(UTC)
    await notify_round(client.app, now)
    await send_direct_round(client.app, now)
    (create,) = [n for n in await _delivered(remote) if "Pintar el cobertizo" in n["object"]["content"]]
    assert "Se abrió una propuesta: Pintar el cobertizo" in create["object"]["content"]
    # A member with a language of their own here is written to in it, whatever the pool's.
    admin = await client.app[ACTORS].get("admin", "member")
    assert (await language_of(client.app, pool, admin.uri)).code == "es"
    await client.app[WEB].set_locale(admin.id, "en", "2025-03-01T12:00:00Z")
    assert (await language_of(client.app, pool, admin.uri)).code == "en"
    assert (await language_of(client.app, pool, mo.uri)).code == "es"


class _Died(Exception):
    """The process dying between two steps of a round."""


@pytest.mark.both_backends
@pytest.mark.parametrize("dies_at", ["after storing", "after queueing"])
async def test_a_round_cut_short_is_finished_once_by_the_next(fed_client, remote, monkeypatch,
                                                              dies_at) -> None:  # type: ignore[no-untyped-def]
    """A direct message is stored, queued, then its notice marked: a process that died between
    two of those left the stored message (its id is fixed); the next round neither fails on it
    forever nor queues it twice."""
    import node.delivery
    from node.appkeys import DB
    from node.storage import NotificationStore

    client = fed_client
    await _mastodon_member_and_a_proposal(client, remote)
    now = datetime.now(UTC)
    await notify_round(client.app, now)

    def dying(*_args: Any, **_kwargs: Any) -> Any:
        raise _Died

    if dies_at == "after storing":
        monkeypatch.setattr(node.delivery, "enqueue_activity", dying)
    else:
        monkeypatch.setattr(NotificationStore, "mark_remote_queued", dying)
    with pytest.raises(_Died):
        await send_direct_round(client.app, now)
    monkeypatch.undo()
    assert await send_direct_round(client.app, now) == 1
    assert await send_direct_round(client.app, now) == 0
    (create,) = await _delivered(remote)
    rows = await client.app[DB].fetchall(
        "SELECT activity_uri FROM outgoing_activities WHERE activity_uri = ?", (create["id"],))
    assert len(rows) == 1

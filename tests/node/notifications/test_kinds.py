"""Each kind of notification reaches the member it concerns: a reply, a mention, a result,
money recorded for them, an application turned down with the steward's reason, admitted."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from node.accounts import create_member
from node.appkeys import ACTORS, CONFIG, DB
from node.discussion import discussions
from node.notifications import notify_round
from node.storage import NotificationStore, StoredNotification
from tests.web.helpers import page, post_form, set_password, sign_in
from tests.web.money_helpers import treasurer_books

BASE = "http://node.test"


async def _list(client: Any, username: str) -> list[StoredNotification]:
    actor = await client.app[ACTORS].get(username, "member")
    return await NotificationStore(client.app[DB]).page(actor.id, before=None, limit=50)


async def _as(client: Any, user: str) -> None:
    await post_form(client, "/signout", {}, from_page="/")
    await sign_in(client, user)


@pytest.mark.both_backends
async def test_a_reply_and_a_mention_tell_the_author_and_the_mentioned(client) -> None:
    for user in ("alice", "admin"):
        await set_password(client, user)
    await sign_in(client, "alice")
    response = await post_form(client, "/pools/commons/propose", {
        "title": "Buy a lawnmower", "kind": "decision", "text": "A mower."},
        from_page="/pools/commons/proposals")
    url = str(response.headers["Location"])
    await post_form(client, "/pools/commons/comments",
                    {"in_reply_to": BASE + url, "text": "Petrol or electric?"}, from_page=url)
    await notify_round(client.app, datetime.now(UTC))
    await _as(client, "admin")
    first = [n for n in await _list(client, "admin") if n.kind == "proposal_opened"]
    assert first  # admin heard of alice's proposal
    (comment,) = await discussions(client.app).thread(BASE + url, limit=10)
    await post_form(client, "/pools/commons/comments",
                    {"in_reply_to": comment.uri, "text": "Electric, @alice"}, from_page=url)
    await notify_round(client.app, datetime.now(UTC))
    told = {n.kind: n for n in await _list(client, "alice")}
    assert set(told) == {"reply", "mention"}
    assert told["reply"].link == BASE + url and told["mention"].link == BASE + url
    assert [n.kind for n in await _list(client, "admin")] == ["proposal_opened"]  # not self


@pytest.mark.both_backends
async def test_a_result_and_money_recorded_reach_the_members(client) -> None:
    url = await treasurer_books(client)
    await notify_round(client.app, datetime.now(UTC))
    alice = {n.kind: n for n in await _list(client, "alice")}
    assert {"proposal_opened", "result", "money"} <= set(alice)
    assert alice["result"].detail == "passed" and alice["result"].link == BASE + url
    assert alice["money"].link == BASE + "/pools/commons/ledger"
    await sign_in(client, "alice")
    html = await page(client, "/notifications")
    assert "The vote on Buy a drill has closed: passed." in html
    assert "The pool&#39;s ledger records EUR 50.00 for you" in html


@pytest.mark.both_backends
async def test_an_applicant_turned_down_reads_the_stewards_reason(client) -> None:
    await create_member(client.app[CONFIG], client.app[ACTORS], "zed")
    for user in ("zed", "admin"):
        await set_password(client, user)
    await sign_in(client, "zed")
    await post_form(client, "/pools/commons/join", {}, from_page="/pools/commons/join")
    await _as(client, "admin")
    pool = await client.app[ACTORS].get("commons", "pool")
    (application,) = [m.id for m in await client.app[ACTORS].memberships_of_pool(
        pool.id, state="applicant")]
    await post_form(client, f"/pools/commons/applicants/{application}/reject",
                    {"reason": "We only take neighbours."}, from_page="/pools/commons")
    await notify_round(client.app, datetime.now(UTC))
    (told,) = await _list(client, "zed")
    assert (told.kind, told.detail) == ("turned_down", "We only take neighbours.")
    assert told.link == pool.uri
    await _as(client, "zed")
    assert ("Your application to" in (html := await page(client, "/notifications"))
            and "The steward&#39;s reason: We only take neighbours." in html)


async def test_an_admitted_applicant_is_told(client) -> None:
    await create_member(client.app[CONFIG], client.app[ACTORS], "zed")
    for user in ("zed", "admin"):
        await set_password(client, user)
    await sign_in(client, "zed")
    await post_form(client, "/pools/commons/join", {}, from_page="/pools/commons/join")
    await _as(client, "admin")
    pool = await client.app[ACTORS].get("commons", "pool")
    (application,) = [m.id for m in await client.app[ACTORS].memberships_of_pool(
        pool.id, state="applicant")]
    await post_form(client, f"/pools/commons/applicants/{application}/admit", {},
                    from_page="/pools/commons")
    await notify_round(client.app, datetime.now(UTC))
    assert [n.kind for n in await _list(client, "zed")] == ["admitted"]

"""Issue 16: every input a stranger (or a careless client) controls is bounded and refused with a
clear 4xx and a reason, nothing stored, never a 500.

docs/PROTOCOL.md, "Threads": "at most 5,000 characters of visible text (50,000 of HTML before
sanitising), at most 10 people mentioned"; "invalid_request (no text, too long, too many
mentions)"; collections page with ``?page=true&before=N``. docs/OPERATIONS.md, "Discussion":
"a title 200, a steward's reason 500; a comment mentions at most 10 people". COMMON: "Bad
input: a clear 4xx with a reason, nothing stored, never a 500/traceback".
"""

from __future__ import annotations

from typing import Any

import pytest

from node.appkeys import ACTORS, DB, OBJECTS
from node.discussion import discussions
from tests.node.discussion.helpers import comment, discussion_list, start_discussion, stored
from tests.node.pools.helpers import POOL, post, propose
from tests.web.helpers import HTML, csrf_of, page, set_password, sign_in

pytestmark = pytest.mark.both_backends

HUGE = "9" * 30  # larger than any database integer
AP = {"Accept": "application/activity+json"}


def _path(uri: str) -> str:
    return uri.removeprefix("http://node.test")


async def _outbox_size(client: Any, user: str) -> int:
    actor = await client.app[ACTORS].get(user, "member")
    return len((await client.app[OBJECTS].collection_page(actor.id, "outbox", before=None, limit=500)).items)


async def test_a_c2s_comment_mentioning_too_many_is_refused(client, node) -> None:
    proposal = await propose(client, "alice", node.alice_token)
    before = await _outbox_size(client, "alice")
    tags = [{"type": "Mention", "href": f"https://m{i}.example/users/p", "name": f"@p@m{i}.example"}
            for i in range(30)]
    resp = await post(client, "alice", node.alice_token, {"type": "Note", "content": "<p>all of you</p>",
                                                          "inReplyTo": proposal["id"], "tag": tags})
    body = await resp.json(content_type=None)
    assert resp.status == 400 and body["code"] == "invalid_request", body
    assert await _outbox_size(client, "alice") == before
    assert await discussions(client.app).count_thread(proposal["id"]) == 0


async def test_text_titles_and_html_are_bounded_over_c2s(client, node) -> None:
    proposal = await propose(client, "alice", node.alice_token)
    before = await _outbox_size(client, "alice")
    cases = [
        ({"type": "Note", "inReplyTo": proposal["id"], "content": "<b></b>" * 7200 + "<p>x</p>"}, "50000"),
        ({"type": "Note", "inReplyTo": proposal["id"], "content": "<p>" + "x" * 5001 + "</p>"}, "5000"),
        ({"type": "Note", "inReplyTo": proposal["id"], "content": "<p> </p>"}, "text"),
        ({"type": "Page", "audience": POOL, "name": "t" * 201, "content": "<p>x</p>"}, "200"),
        ({"type": "Page", "audience": POOL, "content": "<p>x</p>"}, "title"),
    ]
    for document, said in cases:
        resp = await post(client, "alice", node.alice_token, document)
        body = await resp.json(content_type=None)
        assert resp.status == 400 and body["code"] == "invalid_request" and said in body["error"], body
    assert await _outbox_size(client, "alice") == before
    assert await discussion_list(client) == []
    assert await discussions(client.app).count_thread(proposal["id"]) == 0


async def test_collection_cursors_are_checked(client, node) -> None:
    proposal = await propose(client, "alice", node.alice_token)
    await start_discussion(client, "alice", node.alice_token)
    (opened,) = await discussion_list(client)
    for base in (proposal["id"] + "/replies", opened["id"] + "/replies", POOL + "/discussions"):
        for query in (f"?page=true&before={HUGE}", "?page=true&before=-1", "?page=true&before=x",
                      "?page=maybe", "?before=3"):
            resp = await client.get(_path(base) + query, headers=AP)
            assert resp.status == 400, (base, query, resp.status)
            assert (await resp.json(content_type=None))["code"] == "invalid_request"


@pytest.fixture
async def steward(client, node):  # type: ignore[no-untyped-def]
    """The admin signed in on the web, a proposal with alice's comment, and the page's CSRF."""
    proposal = await propose(client, "admin", node.admin_token)
    await comment(client, "alice", node.alice_token, proposal["id"])
    await set_password(client, "admin")
    await sign_in(client, "admin")
    path = _path(proposal["id"])
    return path, csrf_of(await page(client, path))


@pytest.mark.parametrize("action", ["edit", "delete", "hide", "show"])
async def test_a_huge_comment_number_is_not_a_server_error(client, steward, action) -> None:
    _page_path, csrf = steward
    resp = await client.post(f"/pools/commons/comments/{HUGE}/{action}",
                             data={"csrf": csrf, "text": "x", "reason": "spam"}, headers=HTML,
                             allow_redirects=False)
    assert 400 <= resp.status < 500, resp.status


async def test_a_huge_comment_number_in_the_edit_form_is_not_a_server_error(client, steward) -> None:
    resp = await client.get(f"/pools/commons/comments/{HUGE}/edit", headers=HTML)
    assert 400 <= resp.status < 500, resp.status


@pytest.mark.parametrize("after", [f"{HUGE}-1", f"1-{HUGE}"])
async def test_a_huge_thread_cursor_is_not_a_server_error(client, steward, after) -> None:
    path, _csrf = steward
    resp = await client.get(f"{path}?after={after}", headers=HTML)
    assert resp.status < 500, resp.status


async def test_web_forms_refuse_with_the_reason_and_keep_the_text(client, node, steward) -> None:
    path, csrf = steward
    (row,) = await discussions(client.app).thread("http://node.test" + path, limit=5)
    many = "Hello " + " ".join(f"@person{i}" for i in range(11))
    resp = await client.post("/pools/commons/comments", headers=HTML, allow_redirects=False,
                             data={"csrf": csrf, "in_reply_to": "http://node.test" + path, "text": many})
    text = await resp.text()
    assert resp.status == 400 and "at most 10" in text and many in text
    for reason, status in (("", 422), ("   ", 422), ("r" * 501, 422)):
        resp = await client.post(f"/pools/commons/comments/{row.id}/hide", headers=HTML,
                                 allow_redirects=False, data={"csrf": csrf, "reason": reason})
        assert resp.status == status, (reason[:5], resp.status)
    resp = await client.post("/pools/commons/discussions", headers=HTML, allow_redirects=False,
                             data={"csrf": csrf, "title": "t" * 201, "text": "fine"})
    assert resp.status == 400 and "at most 200" in await resp.text()
    # Without the CSRF token nothing is posted.
    resp = await client.post("/pools/commons/comments", headers=HTML, allow_redirects=False,
                             data={"in_reply_to": "http://node.test" + path, "text": "sneaky"})
    assert resp.status == 403
    assert await discussions(client.app).count_thread("http://node.test" + path) == 1
    assert await discussion_list(client) == []
    assert (await stored(client, row.uri)).hidden_at is None  # type: ignore[union-attr]


async def test_only_my_own_notifications_are_marked_read(client, node) -> None:
    from datetime import UTC, datetime

    from node.notifications import notify_round
    from node.storage import NotificationStore
    from tests.node.notifications.conftest import no_commit_lag

    no_commit_lag(client)
    await propose(client, "admin", node.admin_token)
    await notify_round(client.app, datetime.now(UTC))
    alice = await client.app[ACTORS].get("alice", "member")
    store = NotificationStore(client.app[DB])
    (theirs,) = await store.page(alice.id, before=None, limit=5)
    await set_password(client, "admin")
    await sign_in(client, "admin")
    csrf = csrf_of(await page(client, "/notifications"))
    for data in ({"id": str(theirs.id)}, {"id": "all"}):
        resp = await client.post("/notifications/read", data={"csrf": csrf, **data}, headers=HTML,
                                 allow_redirects=False)
        assert resp.status == 303
    for bad in (HUGE, "-1", "", "1 OR 1=1"):
        resp = await client.post("/notifications/read", data={"csrf": csrf, "id": bad}, headers=HTML,
                                 allow_redirects=False)
        assert resp.status == 400, (bad, resp.status)
    assert await store.unread_count(alice.id) == 1

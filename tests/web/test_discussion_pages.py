"""Threads in the browser without JavaScript: comment, reply, edit, delete, a steward hides with a
reason, outsiders folded away, mentions linked, discussions, a proposal from one, the outcome."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from governance import OutsideReplies
from node.accounts import create_member
from node.appkeys import ACTORS, CONFIG
from node.discussion import discussions
from node.pool_engine import close_due
from tests.node.discussion.helpers import set_outside_replies
from tests.web.helpers import page, post_form, set_password, sign_in

pytestmark = pytest.mark.both_backends
BASE = "http://node.test"


async def _as(client, user: str) -> None:  # type: ignore[no-untyped-def]
    await post_form(client, "/signout", {}, from_page="/")
    await sign_in(client, user)


async def _proposal(client) -> str:  # type: ignore[no-untyped-def]
    for user in ("alice", "admin"):
        await set_password(client, user)
    await sign_in(client, "alice")
    response = await post_form(client, "/pools/commons/propose", {
        "title": "Buy a lawnmower", "kind": "decision", "text": "We buy a shared lawnmower."},
        from_page="/pools/commons/proposals")
    return str(response.headers["Location"])


async def _comment(client, url: str, text: str, in_reply_to: str | None = None, status: int = 303):  # type: ignore[no-untyped-def]
    return await post_form(client, "/pools/commons/comments",
                           {"in_reply_to": in_reply_to or BASE + url, "text": text},
                           from_page=url, status=status)


async def test_comment_reply_edit_and_delete_without_javascript(client) -> None:  # type: ignore[no-untyped-def]
    url = await _proposal(client)
    html = await page(client, url)
    assert 'id="discussion-heading"' in html and "No comments yet." in html
    response = await _comment(client, url, "Is a <b>petrol</b> one fine?\n\nSee https://mower.example/x.")
    assert response.headers["Location"].startswith(url + "#comment-")
    (first,) = await discussions(client.app).thread(BASE + url, limit=10)
    assert first.content == ('<p>Is a &lt;b&gt;petrol&lt;/b&gt; one fine?</p><p>See <a href="https://'
                             'mower.example/x" rel="nofollow noopener noreferrer ugc">https://mower.example'
                             '/x</a>.</p>')
    await _as(client, "admin")
    await _comment(client, url, "Electric, please, @alice", in_reply_to=first.uri)
    html = await page(client, url)
    reply = (await discussions(client.app).thread(BASE + url, limit=10))[1]
    assert reply.parent_id == first.id
    assert f'href="{BASE}/users/alice" class="u-url mention"' in html  # the mention links
    assert await discussions(client.app).mentioned(reply.uri) == [BASE + "/users/alice"]
    # The author edits their reply from a form showing what they typed.
    edit = f"/pools/commons/comments/{reply.id}/edit"
    assert "Electric, please, @alice</textarea>" in await page(client, edit)
    await post_form(client, edit, {"text": "Electric, please."}, from_page=edit)
    changed = await discussions(client.app).comment(reply.uri)
    assert changed is not None and changed.content == "<p>Electric, please.</p>" and changed.updated_at
    assert "edited" in await page(client, url)
    # Someone else's comment has no edit link and refuses the edit.
    assert f"/comments/{first.id}/edit" not in await page(client, url)
    await page(client, f"/pools/commons/comments/{first.id}/edit", status=403)
    await post_form(client, f"/pools/commons/comments/{reply.id}/delete", {}, from_page=url)
    html = await page(client, url)
    assert "This comment was deleted by its author." in html and "Electric" not in html


async def test_refused_comments_come_back_with_the_reason_and_the_text(client) -> None:  # type: ignore[no-untyped-def]
    url = await _proposal(client)
    response = await _comment(client, url, "x" * 5001, status=400)
    html = await response.text()
    assert "at most 5000 characters" in html and "x" * 5001 in html
    response = await _comment(client, url, "   ", status=400)
    assert "Write something first." in await response.text()
    assert await discussions(client.app).count_thread(BASE + url) == 0


async def test_a_line_break_counts_once_as_the_form_counts_it(client) -> None:  # type: ignore[no-untyped-def]
    """A browser sends a textarea's line breaks as CRLF but lets maxlength count each as one."""
    url = await _proposal(client)
    typed = "\r\n".join(["y" * 99] * 50)  # 4999 characters in the form, 5048 bytes sent
    await _comment(client, url, typed)
    (kept,) = await discussions(client.app).thread(BASE + url, limit=10)
    assert kept.document["source"]["content"] == typed.replace("\r\n", "\n")
    await _comment(client, url, "\r\n".join(["y" * 99] * 51), status=400)


async def test_refused_forms_show_the_reason_beside_the_field(client) -> None:  # type: ignore[no-untyped-def]
    await set_password(client, "alice")
    await sign_in(client, "alice")
    response = await post_form(client, "/pools/commons/discussions", {"title": " ", "text": "z" * 5001},
                               status=400)
    html = await response.text()
    assert 'aria-describedby="title-error" aria-invalid="true"' in html
    assert 'id="title-error">Give the discussion a title.<' in html
    assert 'aria-describedby="text-hint text-error" aria-invalid="true">' + "z" * 5001 + "</textarea>" in html
    assert 'id="text-error">A comment is at most 5000 characters.<' in html
    assert "No discussions yet." in html  # nothing was opened
    url = await _proposal(client)
    await _comment(client, url, "Fine by me")
    (mine,) = await discussions(client.app).thread(BASE + url, limit=10)
    edit = f"/pools/commons/comments/{mine.id}/edit"
    response = await post_form(client, edit, {"text": "\n "}, from_page=edit, status=400)
    html = await response.text()
    assert 'required aria-describedby="text-error" aria-invalid="true">' in html
    assert 'id="text-error">Write something first.<' in html
    assert (await discussions(client.app).comment(mine.uri)).content == "<p>Fine by me</p>"


async def test_a_steward_hides_a_comment_with_a_reason(client) -> None:  # type: ignore[no-untyped-def]
    url = await _proposal(client)
    await _comment(client, url, "Buy it from my cousin, cheap!")
    (spam,) = await discussions(client.app).thread(BASE + url, limit=10)
    # Alice is no steward: no hide form, and the request is refused.
    assert f"/comments/{spam.id}/hide" not in await page(client, url)
    await post_form(client, f"/pools/commons/comments/{spam.id}/hide", {"reason": "advert"},
                    from_page=url, status=403)
    await _as(client, "admin")
    response = await post_form(client, f"/pools/commons/comments/{spam.id}/hide", {"reason": " "},
                               from_page=url, status=422)
    assert "say why the comment is hidden" in (await response.text()).lower()
    await post_form(client, f"/pools/commons/comments/{spam.id}/hide",
                    {"reason": "Advertising is not allowed here"}, from_page=url)
    html = await page(client, url)
    assert "Hidden by a steward: Advertising is not allowed here" in html
    assert "Show the hidden comment" in html  # the steward may still read it
    pool = await client.app[ACTORS].get("commons", "pool")
    (entry,) = await discussions(client.app).moderation_log(pool.id)
    assert entry.action == "hide" and entry.steward_uri == BASE + "/users/admin"
    await post_form(client, "/signout", {}, from_page="/")
    html = await page(client, url)
    assert "Hidden by a steward: Advertising is not allowed here" in html
    assert "cousin" not in html  # a reader sees the reason, not the comment


async def test_outsiders_are_folded_away_or_refused(client) -> None:  # type: ignore[no-untyped-def]
    url = await _proposal(client)
    await create_member(client.app[CONFIG], client.app[ACTORS], "zed")
    await set_password(client, "zed")
    await _as(client, "zed")
    await _comment(client, url, "Nice pool!")
    html = await page(client, url)
    assert "A reply from someone who is not a member of the pool" in html
    await set_outside_replies(client, OutsideReplies.REFUSED)
    html = await page(client, url)
    assert "Only members of this pool take part in its discussions." in html
    response = await _comment(client, url, "Again", status=403)
    assert "only members of the pool may take part" in (await response.text()).lower()


async def test_discussion_then_a_proposal_from_it_then_the_outcome(client) -> None:  # type: ignore[no-untyped-def]
    await set_password(client, "alice")
    await sign_in(client, "alice")
    assert "No discussions yet." in await page(client, "/pools/commons/discussions")
    response = await post_form(client, "/pools/commons/discussions",
                               {"title": "Garden tools", "text": "What should we share first?"})
    discussion = str(response.headers["Location"])
    html = await page(client, discussion)
    assert "<h1>Garden tools</h1>" in html and "What should we share first?" in html
    assert "Garden tools" in await page(client, "/pools/commons/discussions")
    await _comment(client, discussion, "A wheelbarrow")
    assert "A wheelbarrow" in await page(client, discussion)
    start = re.search(r'href="(/pools/commons/proposals\?discussion=[^"]+)"', html)
    assert start is not None
    form_page = start[1].replace("&amp;", "&").split("#")[0]
    assert 'name="discussion"' in await page(client, form_page)
    response = await post_form(client, "/pools/commons/propose", {
        "title": "Buy a wheelbarrow", "kind": "decision", "text": "We buy one.",
        "discussion": BASE + discussion}, from_page=form_page)
    proposal = str(response.headers["Location"])
    html = await page(client, proposal)
    assert "Started from the discussion" in html and f'href="{discussion}"' in html
    assert "Buy a wheelbarrow" in await page(client, discussion)
    assert "Publish the outcome" not in html  # still open
    await close_due(client.app, datetime.now(UTC) + timedelta(days=8))
    assert "Publish the outcome" in await page(client, proposal)
    await post_form(client, "/pools/commons/comments", {
        "outcome_of": BASE + proposal, "text": "We buy it on Saturday; Ben collects it."},
        from_page=proposal)
    html = await page(client, proposal)
    assert 'id="outcome-heading">Outcome' in html and "Ben collects it" in html
    assert "Publish the outcome" not in html
    await page(client, "/pools/commons/discussions/00000000-0000-0000-0000-000000000000", status=404)


async def test_a_remote_authors_name_and_address_cannot_inject_anything(client) -> None:  # type: ignore[no-untyped-def]
    from node.appkeys import REMOTE_ACTORS
    from node.storage import NewComment, RemoteActor

    url = await _proposal(client)
    evil = "https://evil.example/users/eve"
    await client.app[REMOTE_ACTORS].put(RemoteActor(
        evil, "Person", evil + "/inbox", None, None, None,
        document={"name": "<script>alert(1)</script>Eve", "url": "javascript:alert(2)",
                  "preferredUsername": "eve"}))
    pool = await client.app[ACTORS].get("commons", "pool")
    await discussions(client.app).add_comment(NewComment(
        pool.id, BASE + url, evil + "/notes/1", None, evil, "comment", "member", "<p>hi</p>",
        {"id": evil + "/notes/1"}, "2025-03-01T12:00:00Z"))
    html = await page(client, url)
    assert "javascript:" not in html and "<script>alert(1)" not in html
    assert f'<a href="{evil}">&lt;script&gt;alert(1)&lt;/script&gt;Eve</a>' in html
    assert "@eve@evil.example" in html


async def test_a_long_thread_pages_on(database_url, tmp_path, aiohttp_client) -> None:  # type: ignore[no-untyped-def]
    from node.app import create_app
    from tests.conftest import make_node

    setup = await make_node(tmp_path / "data", thread_page_size=2)
    client = await aiohttp_client(create_app(setup.config))
    url = await _proposal(client)
    for n in range(3):
        await _comment(client, url, f"Comment number {n}")
    first = await page(client, url)
    assert "Comment number 0" in first and "Comment number 1" in first and "number 2" not in first
    later = re.search(r'href="\?after=([0-9]+-[0-9]+)#discussion"', first)
    assert later is not None
    second = await page(client, f"{url}?after={later[1]}")
    assert "Comment number 2" in second and "Comment number 0" not in second
    assert "Later comments" not in second
    for bad in ("nonsense", "1-", "9" * 30 + "-1", "1-" + "9" * 30, "²-1"):  # not a cursor: said why
        refused = await page(client, f"{url}?after={bad}", status=400)
        assert "This link to later comments is not valid" in refused

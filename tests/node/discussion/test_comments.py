"""Comments through a member's outbox (C2S): threads, nesting, the pool's Announce, sizes, rate,
replies from outside the pool, and outcome statements."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from governance import OutsideReplies
from node.accounts import create_member, issue_token
from node.app import create_app
from node.appkeys import ACTORS, CONFIG, OBJECTS, TOKENS
from node.discussion import discussions
from node.discussion.content import MAX_COMMENT_CHARS
from node.pool_engine import close_due
from tests.conftest import make_node
from tests.node.discussion.helpers import (
    PUBLIC,
    announced,
    comment,
    replies,
    set_outside_replies,
    stored,
)
from tests.node.pools.helpers import POOL, get, propose

pytestmark = pytest.mark.both_backends


async def _outsider(client):  # type: ignore[no-untyped-def]
    """A member of this node who is not a member of the pool, and their token."""
    carl = await create_member(client.app[CONFIG], client.app[ACTORS], "carl")
    return carl, (await issue_token(client.app[TOKENS], carl)).secret


async def test_members_comment_and_reply_one_level_deep(client, node) -> None:  # type: ignore[no-untyped-def]
    proposal = await propose(client, "admin", node.admin_token)
    assert proposal["replies"] == proposal["id"] + "/replies"
    first = (await comment(client, "alice", node.alice_token, proposal["id"]))["object"]
    assert first["to"] == [PUBLIC] and POOL in first["cc"]  # the thread's readers, the pool
    reply = (await comment(client, "admin", node.admin_token, first["id"], "<p>Why?</p>"))["object"]
    deeper = (await comment(client, "alice", node.alice_token, reply["id"], "<p>Because</p>"))["object"]
    rows = [await stored(client, n["id"]) for n in (first, reply, deeper)]
    assert [r.parent_id if r else "missing" for r in rows] == [None, rows[0].id, rows[0].id]  # type: ignore[union-attr]
    assert {r.thread_uri for r in rows if r} == {proposal["id"]}
    items = await replies(client, proposal["id"])
    assert [i["id"] for i in items] == [deeper["id"], reply["id"], first["id"]]
    assert items[1]["inReplyTo"] == first["id"]
    # The Question a Mastodon user sees carries the same thread.
    question = await get(client, proposal["id"] + "/question")
    assert question["replies"] == proposal["id"] + "/replies"
    via_question = (await comment(client, "alice", node.alice_token, proposal["id"] + "/question"))
    assert (await stored(client, via_question["object"]["id"])).thread_uri == proposal["id"]  # type: ignore[union-attr]


async def test_the_pool_announces_members_comments_to_followers_and_members(client, node) -> None:  # type: ignore[no-untyped-def]
    proposal = await propose(client, "admin", node.admin_token)
    note = (await comment(client, "alice", node.alice_token, proposal["id"]))["object"]
    (announce,) = await announced(client, note["id"])
    assert announce["actor"] == POOL and announce["object"]["content"] == "<p>I agree</p>"
    assert PUBLIC in announce["to"] and node.alice.uri in announce["to"]
    assert announce["cc"] == [POOL + "/followers"]


async def test_content_is_sanitised_and_bounded(client, node) -> None:  # type: ignore[no-untyped-def]
    proposal = await propose(client, "admin", node.admin_token)
    evil = ('<p onclick="steal()">Look <script>alert(1)</script><a href="javascript:alert(2)">here'
            '</a><img src=x onerror="alert(3)"><a href="https://ok.example/">ok</a></p>')
    note = (await comment(client, "alice", node.alice_token, proposal["id"], evil))["object"]
    kept = (await stored(client, note["id"])).content  # type: ignore[union-attr]
    for bad in ("script", "onclick", "javascript", "onerror", "<img", "alert"):
        assert bad not in kept and bad not in note["content"]
    assert 'href="https://ok.example/"' in kept and 'rel="nofollow' in kept
    before = await discussions(client.app).count_thread(proposal["id"])
    for text, reason in [("", "needs some text"), ("<script>x</script>", "needs some text"),
                         ("x" * (MAX_COMMENT_CHARS + 1), f"at most {MAX_COMMENT_CHARS} characters")]:
        refused = await comment(client, "alice", node.alice_token, proposal["id"], text, status=400)
        assert reason in refused["error"]
    assert await discussions(client.app).count_thread(proposal["id"]) == before


async def test_rate_per_actor_is_bounded(database_url, tmp_path, aiohttp_client) -> None:  # type: ignore[no-untyped-def]
    setup = await make_node(tmp_path / "data", comments_per_hour=3)
    client = await aiohttp_client(create_app(setup.config))
    proposal = await propose(client, "admin", setup.admin_token)
    for _ in range(3):
        await comment(client, "alice", setup.alice_token, proposal["id"])
    refused = await comment(client, "alice", setup.alice_token, proposal["id"], status=429)
    assert "at most 3 comments and discussions an hour" in refused["error"]
    await comment(client, "admin", setup.admin_token, proposal["id"])  # another actor's own count
    assert await discussions(client.app).count_thread(proposal["id"]) == 4


async def test_replies_from_outside_the_pool_follow_the_bylaws(client, node) -> None:  # type: ignore[no-untyped-def]
    carl, token = await _outsider(client)
    proposal = await propose(client, "admin", node.admin_token)
    collapsed = (await comment(client, "carl", token, proposal["id"]))["object"]
    row = await stored(client, collapsed["id"])
    assert row is not None and row.standing == "outside"
    assert await announced(client, collapsed["id"]) == []  # only members' comments are relayed
    await set_outside_replies(client, OutsideReplies.REFUSED)
    refused = await comment(client, "carl", token, proposal["id"], "<p>again</p>", status=403)
    assert "only members of the pool may take part" in refused["error"]
    assert refused["code"] == "outside_replies_refused"
    page = await client.app[OBJECTS].collection_page(carl.id, "outbox", before=None, limit=10)
    assert len(page.items) == 1  # the refused Create was not stored
    await comment(client, "alice", node.alice_token, proposal["id"])  # members always may


async def test_outcome_statement_after_the_close_by_author_or_steward_once(client, node) -> None:  # type: ignore[no-untyped-def]
    proposal = await propose(client, "alice", node.alice_token)
    statement = {"outcomeOf": proposal["id"]}
    refused = await comment(client, "alice", node.alice_token, proposal["id"], "<p>We buy it</p>",
                            status=409, **statement)
    assert refused["code"] == "proposal_open"
    closes = datetime.fromisoformat(proposal["closesAt"].replace("Z", "+00:00"))
    await close_due(client.app, closes + timedelta(seconds=1))
    _, carl_token = await _outsider(client)
    refused = await comment(client, "carl", carl_token, proposal["id"], "<p>mine</p>", status=403,
                            **statement)
    assert "author or a steward" in refused["error"]
    note = (await comment(client, "alice", node.alice_token, proposal["id"], "<p>We buy it</p>",
                          **{"outcomeOf": proposal["id"], "inReplyTo": None}))["object"]
    assert note["inReplyTo"] == proposal["id"]
    outcome = await discussions(client.app).outcome_of(proposal["id"])
    assert outcome is not None and outcome.uri == note["id"] and outcome.kind == "outcome"
    assert await announced(client, note["id"])  # delivered like a comment
    again = await comment(client, "admin", node.admin_token, proposal["id"], "<p>No</p>", status=409,
                          **statement)
    assert again["code"] == "outcome_published"
    missing = await comment(client, "admin", node.admin_token, proposal["id"], "<p>?</p>", status=404,
                            outcomeOf=POOL + "/proposals/00000000-0000-0000-0000-000000000000")
    assert "names no proposal" in missing["error"]


async def test_a_members_only_pools_threads_are_its_members(client, node) -> None:  # type: ignore[no-untyped-def]
    import dataclasses
    import json

    from governance import Visibility
    from node.pools import load_bylaws

    proposal = await propose(client, "admin", node.admin_token)
    actors = client.app[ACTORS]
    pool = await actors.get("commons", "pool")
    bylaws = dataclasses.replace(await load_bylaws(actors, pool), visibility=Visibility.MEMBERS)
    await actors.set_bylaws_json(pool.id, json.dumps(bylaws.to_dict()))
    note = (await comment(client, "alice", node.alice_token, proposal["id"]))["object"]
    assert note["to"] == [POOL + "/members"]  # not as:Public
    (relay,) = await announced(client, note["id"])
    assert PUBLIC not in relay["to"] and relay["cc"] == []  # members only, no followers
    path = proposal["id"].removeprefix("http://node.test") + "/replies?page=true"
    assert (await client.get(path, headers={"Accept": "application/activity+json"})).status == 401
    resp = await client.get(path, headers={"Accept": "application/activity+json",
                                           "Authorization": f"Bearer {node.alice_token}"})
    assert resp.status == 200 and (await resp.json(content_type=None))["orderedItems"][0]["id"] == note["id"]
    # The Note itself, on alice's account, is for the pool's members too.
    note_path = note["id"].removeprefix("http://node.test")
    assert (await client.get(note_path, headers={"Accept": "application/activity+json"})).status == 404
    resp = await client.get(note_path, headers={"Accept": "application/activity+json",
                                                "Authorization": f"Bearer {node.admin_token}"})
    assert resp.status == 200

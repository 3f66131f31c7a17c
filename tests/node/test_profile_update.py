"""An account's Update of itself changes its profile (node/profiles.py), and an Update of what
the pool owns says why it is refused (node/changes.py)."""

from __future__ import annotations

import pytest

from tests.node.discussion.helpers import discussion_list, start_discussion
from tests.node.pools.helpers import POOL, get, post, propose

pytestmark = pytest.mark.both_backends


async def test_an_account_updates_its_name_and_summary_and_nothing_else(client, node) -> None:  # type: ignore[no-untyped-def]
    alice = node.alice.uri
    resp = await post(client, "alice", node.alice_token, {"type": "Update", "to": [], "object": {
        "id": alice, "type": "Person", "name": " Alice Liddell ", "summary": "Keeps the drill.",
        "preferredUsername": "alice"}})
    update = await resp.json(content_type=None)
    assert resp.status == 201, update
    served = await get(client, "/users/alice")
    assert (served["name"], served["summary"]) == ("Alice Liddell", "Keeps the drill.")
    assert update["object"] == served and alice + "/followers" in update["cc"]  # delivered whole
    for change, said in (({"preferredUsername": "queen"}, "not 'preferredUsername'"),
                         ({"inbox": "https://evil.example/inbox"}, "not 'inbox'"),
                         ({"name": "x" * 81}, "at most 80"), ({"summary": "x" * 501}, "at most 500"),
                         ({"name": ["Alice"]}, "is text")):
        resp = await post(client, "alice", node.alice_token, {"type": "Update", "object": {"id": alice, **change}})
        body = await resp.json(content_type=None)
        assert resp.status == 400 and said in body["error"], body
    resp = await post(client, "alice", node.alice_token, {"type": "Update", "object": {"id": alice, "name": None}})
    assert resp.status == 201 and (await get(client, "/users/alice"))["name"] == ""
    resp = await post(client, "admin", node.admin_token, {"type": "Update", "object": {"id": alice, "name": "A"}})
    assert resp.status == 403


async def test_what_the_pool_owns_is_refused_with_a_reason_not_as_missing(client, node) -> None:  # type: ignore[no-untyped-def]
    proposal = await propose(client, "admin", node.admin_token)
    await start_discussion(client, "alice", node.alice_token)
    (page,) = await discussion_list(client)
    for uri, said in ((proposal["id"], "this proposal is the pool's"),
                      (proposal["id"] + "/question", "this proposal is the pool's"),
                      (page["id"], "updating their draft"),
                      (POOL, "only an account itself")):
        for change in ({"type": "Update", "object": {"id": uri, "name": "Mine now"}},
                       {"type": "Delete", "object": uri}):
            resp = await post(client, "alice", node.alice_token, change)
            body = await resp.json(content_type=None)
            assert resp.status == 403 and said in body["error"], (uri, body)
    resp = await post(client, "alice", node.alice_token, {"type": "Delete", "object": POOL + "/proposals/nope"})
    assert resp.status == 404

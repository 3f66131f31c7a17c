"""A comment a steward hid is kept, not served (node/discussion/hidden.py): its id, the Create
that posted it and the outbox listing it show the thread's Tombstone with the reason, to all
but its author and the pool's stewards, who read it on the thread's page too."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from node.appkeys import ACTORS
from node.discussion import moderate
from tests.node.discussion.helpers import comment, replies, stored
from tests.node.pools.helpers import propose

pytestmark = pytest.mark.both_backends

AP = {"Accept": "application/activity+json"}


async def _read(client: Any, uri: str, token: str | None = None) -> dict[str, Any]:
    headers = {**AP, **({"Authorization": f"Bearer {token}"} if token else {})}
    resp = await client.get(uri.removeprefix("http://node.test"), headers=headers)
    assert resp.status == 200, await resp.text()
    return dict(await resp.json(content_type=None))


async def test_a_hidden_comment_is_its_tombstone_to_all_but_its_author_and_the_stewards(client, node) -> None:  # type: ignore[no-untyped-def]
    proposal = await propose(client, "admin", node.admin_token)
    create = await comment(client, "alice", node.alice_token, proposal["id"], "<p>Cheap pills</p>")
    note = create["object"]
    row = await stored(client, note["id"])
    assert row is not None
    pool = await client.app[ACTORS].get("commons", "pool")
    await moderate(client.app, pool, node.admin.uri, row.id, "advertising", datetime.now(UTC), hide=True)
    (listed,) = await replies(client, proposal["id"])
    for served in (await _read(client, note["id"]), (await _read(client, create["id"]))["object"]):
        assert served == listed  # the same Tombstone, with the reason
        assert served["summary"] == "Hidden by a steward: advertising" and "pills" not in str(served)
    outbox = await _read(client, "/users/alice/outbox?page=true")
    assert "pills" not in str(outbox) and "Hidden by a steward: advertising" in str(outbox)
    for token in (node.alice_token, node.admin_token):  # the author, a steward
        assert (await _read(client, note["id"], token))["content"] == "<p>Cheap pills</p>"
    await moderate(client.app, pool, node.admin.uri, row.id, "", datetime.now(UTC), hide=False)
    assert (await _read(client, note["id"]))["content"] == "<p>Cheap pills</p>"

"""Roles by proposal over C2S: the draft of docs/PROTOCOL.md opens, passes and changes a role."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from node.appkeys import ACTORS
from node.pool_engine import close_due
from tests.node.pools.helpers import POOL, post, propose, vote

pytestmark = pytest.mark.both_backends

DOC = Path(__file__).resolve().parents[3] / "docs" / "PROTOCOL.md"


def _documented_draft() -> dict[str, object]:
    """The role-change draft shown in docs/PROTOCOL.md §Proposals."""
    text = DOC.read_text(encoding="utf-8")
    block = re.search(r"A role change is decided.*?```json\n(.*?)```", text, re.S)
    assert block, "PROTOCOL.md shows a role_change draft"
    draft: dict[str, object] = json.loads(block[1])
    assert draft["proposalKind"] == "role_change" and draft["roleChange"] in ("grant", "revoke")
    return draft


async def _roles(client, name: str) -> tuple[str, ...]:  # type: ignore[no-untyped-def]
    pool = await client.app[ACTORS].get("commons", "pool")
    for m in await client.app[ACTORS].memberships_of_pool(pool.id, state=None):
        if m.person_uri.endswith("/users/" + name):
            return tuple(m.roles)
    raise AssertionError(name)


async def test_a_role_change_passes_and_grants_the_role(client, node) -> None:  # type: ignore[no-untyped-def]
    draft = _documented_draft()
    fields = {k: v for k, v in draft.items() if k not in ("type", "pool", "name")}
    fields["person"] = node.alice.uri
    proposal = await propose(client, "admin", node.admin_token, **fields)
    assert proposal["proposalKind"] == "role_change" and proposal["role"] == "treasurer"
    assert proposal["ballotType"] == "consent"
    for user, token in (("admin", node.admin_token), ("alice", node.alice_token)):
        assert (await vote(client, user, token, proposal["id"], "agree")).status == 201
    await close_due(client.app, datetime.fromisoformat(proposal["closesAt"]) + timedelta(seconds=1))
    assert await _roles(client, "alice") == ("member", "treasurer")


async def test_role_change_drafts_that_cannot_open_are_refused(client, node) -> None:  # type: ignore[no-untyped-def]
    base = {"type": "Proposal", "pool": POOL, "to": [POOL], "name": "x",
            "proposalKind": "role_change", "person": node.alice.uri}
    for extra in ({"role": "king", "roleChange": "grant"}, {"role": "steward"},
                  {"role": "steward", "roleChange": "grant", "person": "https://x.example/u/z"},
                  {"role": "steward", "roleChange": "grant", "ballotType": "approval",
                   "options": ["a", "b"]}):
        response = await post(client, "admin", node.admin_token, {**base, **extra})
        assert 400 <= response.status < 500, (extra, response.status)
    assert await _roles(client, "alice") == ("member",)

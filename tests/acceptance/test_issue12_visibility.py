"""Issue 12 items 11 and 12: private objects served only to those addressed, and the
bylaws' visibility changed by a bylaws-change proposal (apps built by the factory).

Tried from outside as an attacker would; each test names the doc sentence it holds to.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from tests.acceptance.conftest import PUBLIC
from tests.multinode.harness import AP

# --- Item 11: private objects are served only to those addressed ---------------------------


def _signed_get(actor: Any, path: str) -> dict[str, str]:
    from datetime import UTC, datetime

    from federation.httpsig import sign_request
    from tests.node.inbox_helpers import NODE

    headers = sign_request("GET", NODE + path, None, actor.key_id, actor.key, datetime.now(UTC))
    headers["Accept"] = AP
    return headers


async def _note(client: Any, setup: Any, **addressing: Any) -> tuple[str, str]:
    """The admin posts a Note over C2S; (activity path, object path)."""
    body = {"type": "Note", "content": "secret " + str(uuid.uuid4()), **addressing}
    resp = await client.post("/users/admin/outbox", json=body,
                             headers={"Authorization": f"Bearer {setup.admin_token}"})
    assert resp.status == 201, await resp.text()
    activity = await resp.json(content_type=None)
    base = setup.config.base_url
    return activity["id"].removeprefix(base), activity["object"]["id"].removeprefix(base)


async def _outbox_items(client: Any, headers: dict[str, str] | None = None) -> tuple[int, list[str]]:
    """(totalItems, object ids of every page) of the admin's outbox as this reader sees it."""
    headers = {"Accept": AP, **(headers or {})}
    total = (await (await client.get("/users/admin/outbox", headers=headers)).json(content_type=None))["totalItems"]
    seen: list[str] = []
    url: str | None = "/users/admin/outbox?page=true"
    while url:
        page = await (await client.get(url, headers=headers)).json(content_type=None)
        for item in page["orderedItems"]:
            seen.append(json.dumps(item))
        url = page.get("next")
        if url:
            url = url.split("://", 1)[1].split("/", 1)[1]
            url = "/" + url
    return total, seen


async def test_private_notes_reach_only_their_readers(fed_client: Any, fed: Any, remote: Any) -> None:
    # FEDERATION.md "Who may read what": not public -> only owner / addressed / followers;
    # everyone else 404 as for no object; outbox lists and counts only public items.
    client = fed_client
    bob, stranger = remote.add("bob"), remote.add("stranger")
    notes = {
        "to alice": await _note(client, fed, to=[fed.alice.uri]),
        "followers only": await _note(client, fed, to=[fed.admin.uri + "/followers"]),
        "no addressing": await _note(client, fed),
        "bcc bob": await _note(client, fed, bcc=[bob.uri]),
        "bto alice": await _note(client, fed, bto=[fed.alice.uri]),
        "cc bob": await _note(client, fed, cc=[bob.uri]),
    }
    public = await _note(client, fed, to=[PUBLIC])
    for _ in range(25):  # more than a page of public items after the private ones
        await _note(client, fed, cc=[PUBLIC])
    for name, (activity, obj) in notes.items():
        for path in (activity, obj):
            for headers in ({}, {"Accept": "text/html"}, _signed_get(stranger, path),
                            {"Authorization": f"Bearer {fed.alice_token}"} if "alice" not in name else {}):
                resp = await client.get(path, headers=headers)
                assert resp.status == 404, (name, path, headers.get("Accept"), resp.status)
        owner = await client.get(obj, headers={"Authorization": f"Bearer {fed.admin_token}"})
        assert owner.status == 200, name
        assert "bcc" not in await owner.json(content_type=None) and "bto" not in await owner.json(content_type=None)
    alice = {"Authorization": f"Bearer {fed.alice_token}"}
    for path in notes["to alice"] + notes["bto alice"]:
        assert (await client.get(path, headers=alice)).status == 200, path
    for path in notes["bcc bob"] + notes["cc bob"]:
        assert (await client.get(path, headers=_signed_get(bob, path))).status == 200, path
    for path in public:
        assert (await client.get(path)).status == 200
    total, items = await _outbox_items(client)
    assert total == 26 and len(items) == 26, (total, len(items))
    hidden = [obj for _, obj in notes.values()]
    assert not any(obj in item for obj in hidden for item in items)
    for headers in (alice, _signed_get(bob, "/users/admin/outbox")):
        total, _ = await _outbox_items(client, headers) if "Authorization" in headers else (
            (await (await client.get("/users/admin/outbox", headers=headers)).json(content_type=None))["totalItems"], [])
        assert total == 26
    total, items = await _outbox_items(client, {"Authorization": f"Bearer {fed.admin_token}"})
    assert total == 26 + len(notes) and len(items) == total
    # The inboxes are their owners' only.
    for path in ("/users/alice/inbox", "/users/alice/inbox?page=true"):
        assert (await client.get(path)).status == 401
        assert (await client.get(path, headers={"Authorization": f"Bearer {fed.admin_token}"})).status == 403
        assert (await client.get(path, headers=_signed_get(stranger, path))).status in (401, 403)
    # No web page shows a private note to a stranger.
    for path in ("/", "/users/admin", "/users/alice", "/pools/commons"):
        text = await (await client.get(path, headers={"Accept": "text/html"})).text()
        assert "secret " not in text or all(obj not in text for obj in hidden), path


# --- Item 12: the bylaws' visibility, changed by a bylaws-change proposal --------------------


async def _to_members_only(client: Any, setup: Any) -> dict[str, Any]:
    """Admin and alice pass a bylaws change to ``visibility: members``; the proposal document."""
    from datetime import datetime

    from node.appkeys import ACTORS
    from node.pool_engine import close_due
    from node.pools import load_bylaws
    from tests.node.pools.helpers import propose, vote

    actors = client.server.app[ACTORS]
    current = (await load_bylaws(actors, setup.pool)).to_dict()
    proposal = await propose(client, "admin", setup.admin_token, name="Members only",
                             proposalKind="bylaws_change",
                             proposedBylaws={**current, "visibility": "members"})
    for user, token in (("admin", setup.admin_token), ("alice", setup.alice_token)):
        assert (await vote(client, user, token, proposal["id"], "agree")).status == 201
    closes = datetime.fromisoformat(proposal["closesAt"].replace("Z", "+00:00"))
    assert await close_due(client.server.app, closes) == [proposal["id"]]
    return proposal


def _record_paths(proposal: str) -> list[str]:
    return [
        "/pools/commons/proposals", "/pools/commons/proposals?page=true",
        "/pools/commons/proposals?page=true&before=999999",
        proposal, proposal + "/electorate", proposal + "/question", proposal + "/tally",
        proposal + "/effect", proposal + "/ballots", proposal + "/ballots?page=true",
        proposal + "/ballots?page=true&before=999999",
        "/pools/commons/ledger", "/pools/commons/ledger?page=true",
        "/pools/commons/ledger?page=true&before=5", "/pools/commons/ledger/balances",
        "/pools/commons/ledger/1", "/pools/commons/ledger/999",
        "/pools/commons/members", "/pools/commons/members?page=true",
        "/pools/commons/members?page=true&before=999999", "/pools/commons/applications",
        "/pools/commons/floods/tally",
    ]


async def test_members_only_visibility_end_to_end(fed_client: Any, fed: Any, remote: Any) -> None:
    client = fed_client
    text = await (await client.get("/pools/commons/bylaws?format=md")).text()
    assert "The record is public: anyone may read it." in text
    proposal = await _to_members_only(client, fed)
    path = proposal["id"].removeprefix(fed.config.base_url)
    bylaws = await (await client.get("/pools/commons/bylaws", headers={"Accept": AP})).json(content_type=None)
    assert bylaws["visibility"] == "members"
    text = await (await client.get("/pools/commons/bylaws?format=md")).text()
    assert "The record is visible to members only" in text and "anyone may read it" not in text
    stranger, peer = remote.add("stranger"), remote.add("peerpool", "Group")
    from node.floods import floods

    await floods(client.server.app).set_link(fed.pool.id, fed.pool.uri + "/floods/f", "f", peer.uri,
                                             "approved", fed.pool.uri + "/proposals/x", "2026-01-01T00:00:00Z")
    alice = {"Authorization": f"Bearer {fed.alice_token}", "Accept": AP}
    for route in _record_paths(path):
        anonymous = await client.get(route, headers={"Accept": AP})
        assert anonymous.status == 401, (route, anonymous.status)
        assert "members only" in (await anonymous.json(content_type=None))["error"]
        assert (await client.get(route, headers=_signed_get(stranger, route))).status == 403, route
        if route.endswith("/applications"):  # stewards' list: another rule on top
            continue
        member = await client.get(route, headers=alice)
        assert member.status in (200, 400, 404), (route, member.status)
        flood_peer = await client.get(route, headers=_signed_get(peer, route))
        assert flood_peer.status == member.status, (route, flood_peer.status)
    # The web pages of the record: none shows it to an anonymous visitor.
    key = path.rsplit("/", 1)[1]
    for route in ("/pools/commons/proposals", f"/pools/commons/proposals/{key}",
                  f"/pools/commons/proposals/{key}/live", "/pools/commons/ledger",
                  "/pools/commons/members"):
        resp = await client.get(route, headers={"Accept": "text/html"}, allow_redirects=False)
        body = await resp.text()
        assert resp.status in (302, 303, 401, 403), (route, resp.status, body[:300])
        assert "Members only" not in body and "alice" not in body, route
    page = await (await client.get("/pools/commons", headers={"Accept": "text/html"})).text()
    assert "alice" not in page and "Members only" not in page
    # GOVERNANCE.md: the floods it is in stay public (names, linked pools, proposal ids).
    floods_list = await client.get("/pools/commons/floods", headers={"Accept": AP})
    assert floods_list.status == 200
    # Nor the outboxes, nor the objects and activities of the record, even those published
    # while the record was public.
    for actor in ("/pools/commons/outbox", "/users/admin/outbox", "/users/alice/outbox"):
        collection = await (await client.get(actor + "?page=true", headers={"Accept": AP})).text()
        assert "Members only" not in collection and '"Ballot"' not in collection, (actor, collection[:500])
        assert "Tally" not in collection and '"Proposal"' not in collection, (actor, collection[:500])

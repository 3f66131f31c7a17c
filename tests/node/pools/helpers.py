"""Posting governance activities through a member's outbox, and reading what the pool publishes."""

from __future__ import annotations

from typing import Any

from tests.conftest import BASE_URL

POOL = BASE_URL + "/pools/commons"
AP = "application/activity+json"


async def post(client: Any, user: str, token: str, body: dict[str, Any]) -> Any:
    return await client.post(f"/users/{user}/outbox", json=body,
                             headers={"Authorization": f"Bearer {token}"})


async def get(client: Any, path: str) -> dict[str, Any]:
    resp = await client.get(path.removeprefix(BASE_URL), headers={"Accept": AP})
    assert resp.status == 200, await resp.text()
    data: dict[str, Any] = await resp.json(content_type=None)
    return data


async def proposals(client: Any) -> list[dict[str, Any]]:
    return (await get(client, "/pools/commons/proposals?page=true"))["orderedItems"]


async def propose(client: Any, user: str, token: str, **fields: Any) -> dict[str, Any]:
    draft = {"type": "Proposal", "pool": POOL, "name": "Buy a drill", **fields}
    resp = await post(client, user, token, draft)
    assert resp.status == 201, await resp.text()
    return (await proposals(client))[0]


async def vote(client: Any, user: str, token: str, proposal: str, *choice: str) -> Any:
    return await post(client, user, token, {"type": "Ballot", "pool": POOL, "proposal": proposal,
                                            "choice": list(choice)})

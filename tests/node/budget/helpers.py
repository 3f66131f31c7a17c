"""A pool with money in its fund, a budget round, buckets and allocations, all through C2S."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from node.pool_engine import close_due
from tests.node.pools.helpers import POOL, get, post

__all__ = ["POOL", "allocate", "bucket", "close", "contribute", "open_round", "result"]


async def contribute(client: Any, node: Any, amount: int, person: str | None = None) -> None:
    """The admin (a treasurer) records a contribution into the fund."""
    resp = await post(client, "admin", node.admin_token, {
        "type": "LedgerEntry", "pool": POOL, "entryKind": "contribution",
        "person": person or node.admin.uri, "amount": amount, "reference": "bank 1"})
    assert resp.status == 201, await resp.text()


async def open_round(client: Any, node: Any, pot: int = 6000, **fields: Any) -> dict[str, Any]:
    """Admin opens a round of ``pot`` (the fund must hold it); the opened Proposal document."""
    resp = await post(client, "admin", node.admin_token, {
        "type": "Proposal", "pool": POOL, "name": "Spring round", "proposalKind": "budget_round",
        "pot": pot, "currency": "EUR", "purpose": "What the club does this spring", **fields})
    assert resp.status == 201, await resp.text()
    items = (await get(client, "/pools/commons/proposals?page=true"))["orderedItems"]
    return dict(items[0])


async def bucket(client: Any, user: str, token: str, round_id: str, name: str, low: int, high: int,
                 **fields: Any) -> Any:
    """``user`` proposes a bucket; the response."""
    return await post(client, user, token, {
        "type": "Bucket", "pool": POOL, "proposal": round_id, "name": name,
        "content": f"Why {name}", "minGoal": low, "maxGoal": high, **fields})


async def allocate(client: Any, user: str, token: str, round_id: str, **amounts: Any) -> Any:
    """``user`` allocates ``{bucket id: amount}`` (keyword names are the bucket numbers)."""
    return await post(client, user, token, {
        "type": "Allocation", "pool": POOL, "proposal": round_id,
        "amounts": [{"bucket": f"{round_id}/buckets/{n.removeprefix('b')}", "amount": a}
                    for n, a in amounts.items()]})


async def result(client: Any, round_id: str) -> dict[str, Any]:
    """The round's BudgetResult."""
    return await get(client, round_id + "/result")


async def close(client: Any, round_doc: dict[str, Any]) -> list[str]:
    """Run the closing worker's round at the round's end time."""
    closes = datetime.fromisoformat(round_doc["closesAt"].replace("Z", "+00:00"))
    return await close_due(client.app, closes)

"""A pool with a passed disbursement's commitment to pay an asset from, and an asset bought."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from governance.assets import Depreciation, DepreciationPeriod
from node.assets import AssetRequest, register_asset
from node.pool_engine import close_due
from node.pool_engine.common import store
from node.storage import StoredAsset
from tests.node.pools.helpers import post

ACQUIRED = datetime(2025, 1, 10, tzinfo=UTC)


async def funded_commitment(client: Any, node: Any, amount: int = 1_200_000) -> str:
    """Alice pays ``amount`` in, a disbursement of ``amount`` passes: its commitment's id.
    ``client`` posts to paths of the node (a test client, or a session with a base URL)."""
    pool = node.pool.uri
    contribution = {"type": "LedgerEntry", "pool": pool, "entryKind": "contribution",
                    "person": node.alice.uri, "amount": amount, "reference": "bank 1"}
    resp = await post(client, "admin", node.admin_token, contribution)
    assert resp.status == 201, await resp.text()
    resp = await post(client, "alice", node.alice_token, {
        "type": "Proposal", "pool": pool, "name": "Buy a cargo van", "proposalKind": "disbursement",
        "amount": amount, "currency": "EUR", "payee": "Van dealer", "purpose": "a cargo van"})
    assert resp.status == 201, await resp.text()
    [proposal] = await store(client.app).proposals_of_pool(node.pool.id, limit=1)
    for user, token in (("alice", node.alice_token), ("admin", node.admin_token)):
        resp = await post(client, user, token, {"type": "Ballot", "pool": pool,
                                                "proposal": proposal.uri, "choice": ["agree"]})
        assert resp.status == 201, await resp.text()
    closes = datetime.fromisoformat(proposal.closes_at.replace("Z", "+00:00"))
    assert await close_due(client.app, closes + timedelta(seconds=1)) == [proposal.uri]
    return proposal.uri


def van(node: Any, commitment: str, **changes: Any) -> AssetRequest:
    """The cargo van of docs/GOVERNANCE.md's worked example, kept by Alice."""
    fields: dict[str, Any] = {
        "name": "Cargo van", "kind": "vehicle", "tenure": "owned", "purchase": 1_200_000,
        "acquired_at": ACQUIRED, "keeper": node.alice.uri, "commitment": commitment,
        "reference": "invoice 7",
        "depreciation": Depreciation(25_000, DepreciationPeriod.MONTH)}
    return AssetRequest(**{**fields, **changes})


async def bought_van(client: Any, node: Any, **changes: Any) -> StoredAsset:
    """The van, registered by the admin (a treasurer) from a passed disbursement."""
    commitment = await funded_commitment(client, node)
    return await register_asset(client.app, node.pool, van(node, commitment, **changes),
                                by=node.admin.uri, at=datetime.now(UTC))

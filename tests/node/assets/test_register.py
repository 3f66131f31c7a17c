"""The asset register: an asset is registered with its purchase booked, in one transaction."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from governance import GovernanceError
from governance.assets import Asset
from node.appkeys import DB
from node.assets import assets, hand_over, register_asset
from node.pool_engine.common import roster_of, store
from node.storage import AssetStore
from node.wire import check_document
from tests.node.assets.helpers import bought_van, funded_commitment, van

pytestmark = pytest.mark.both_backends


async def test_registering_books_the_purchase_on_the_asset_account(client, node) -> None:  # type: ignore[no-untyped-def]
    asset = await bought_van(client, node)
    _, _, ledger = await roster_of(client.app, node.pool)
    assert ledger.balance(f"asset:{asset.uri}") == 1_200_000
    last = ledger.entries[-1]
    assert last.transaction.kind.value == "asset_purchase" and last.id == asset.entry_uri
    assert last.transaction.recorded_by == node.admin.uri
    stored = await store(client.app).entry(asset.entry_uri)
    assert stored is not None
    check_document("ledger-entry", stored.document)
    check_document("asset", asset.document)
    assert Asset.from_dict(asset.asset).book_value(datetime(2025, 6, 10, tzinfo=UTC)) == 1_075_000


async def test_a_purchase_is_paid_from_a_commitment_that_holds_it(client, node) -> None:  # type: ignore[no-untyped-def]
    commitment = await funded_commitment(client, node, 1000)
    entries = len(await store(client.app).ledger(node.pool.id))
    with pytest.raises(GovernanceError) as refused:
        await register_asset(client.app, node.pool, van(node, commitment), by=node.admin.uri,
                             at=datetime.now(UTC))
    assert refused.value.code == "exceeds_approved"
    with pytest.raises(GovernanceError) as not_treasurer:
        await register_asset(client.app, node.pool, van(node, commitment, purchase=500, depreciation=None),
                             by=node.alice.uri, at=datetime.now(UTC))
    assert not_treasurer.value.code == "not_permitted"
    assert await assets(client.app).of_pool(node.pool.id) == []
    assert len(await store(client.app).ledger(node.pool.id)) == entries


async def test_the_register_row_and_its_entry_are_written_together_or_not_at_all(client, node) -> None:  # type: ignore[no-untyped-def]
    asset = await bought_van(client, node)
    entries = await store(client.app).ledger(node.pool.id)
    last = entries[-1]
    # The same entry sequence again (a ledger that moved on meanwhile): nothing is written,
    # not even the asset row that came second in the transaction.
    from node.storage import NewAsset, PurchaseEntry

    again = await AssetStore(client.app[DB]).register(
        node.pool.id,
        NewAsset(asset.uri + "x", "Other", "tool", "owned", asset.asset, asset.keeper_uri,
                 asset.commitment, node.admin.uri, asset.document),
        PurchaseEntry(last.sequence, last.uri + "x", "asset_purchase", last.entry, last.document),
        "2026-01-01T00:00:00Z")
    assert again is None
    assert [a.uri for a in await assets(client.app).of_pool(node.pool.id)] == [asset.uri]
    assert len(await store(client.app).ledger(node.pool.id)) == len(entries)


async def test_registering_twice_for_one_source_registers_once(client, node) -> None:  # type: ignore[no-untyped-def]
    commitment = await funded_commitment(client, node)
    request = van(node, commitment, purchase=600_000, depreciation=None)
    first = await register_asset(client.app, node.pool, request, by=node.admin.uri,
                                 at=datetime.now(UTC), source="https://x.test/paid/1")
    second = await register_asset(client.app, node.pool, request, by=node.admin.uri,
                                  at=datetime.now(UTC), source="https://x.test/paid/1")
    assert first == second
    _, _, ledger = await roster_of(client.app, node.pool)
    assert ledger.balance(f"commitment:{commitment}") == 600_000


async def test_handing_over_changes_the_keeper_and_logs_it(client, node) -> None:  # type: ignore[no-untyped-def]
    asset = await bought_van(client, node)
    moved = await hand_over(client.app, node.pool, asset.uri, node.admin.uri, by=node.alice.uri,
                            at=datetime.now(UTC))
    assert moved.keeper_uri == node.admin.uri and moved.document["keeper"] == node.admin.uri
    check_document("asset", moved.document)
    [handover] = await assets(client.app).handovers(asset.id)
    assert (handover.keeper_uri, handover.handed_by) == (node.admin.uri, node.alice.uri)
    with pytest.raises(GovernanceError) as refused:  # alice no longer keeps it, and is no steward
        await hand_over(client.app, node.pool, asset.uri, node.alice.uri, by=node.alice.uri,
                        at=datetime.now(UTC))
    assert refused.value.code == "not_permitted"
    with pytest.raises(GovernanceError) as stranger:
        await hand_over(client.app, node.pool, asset.uri, "https://elsewhere.test/users/x",
                        by=node.admin.uri, at=datetime.now(UTC))
    assert stranger.value.code == "not_a_member"

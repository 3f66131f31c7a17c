"""Investment proposals in the browser without JavaScript: the form refuses bad input per field,
the capital call's page records a treasurer's payments once per form, refuses an over-payment
and a stranger, and cancels only when confirmed."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from node.appkeys import DB
from node.assets.investment import calls
from node.pool_engine import close_due
from node.pool_engine.common import store
from node.storage.assets import AssetStore
from tests.node.pools.helpers import POOL, post, proposals, vote
from tests.web.helpers import HTML, csrf_of, page, post_form, set_password, sign_in

PROPOSALS = "/pools/commons/proposals"


async def _passed(client, node) -> str:  # type: ignore[no-untyped-def]
    """Alice proposes a EUR 100.01 van with the form; both vote; the vote closes: its path."""
    await set_password(client, "alice")
    await sign_in(client, "alice")
    form = {"title": "Buy a cargo van", "kind": "investment", "asset_name": "Cargo van",
            "asset_kind": "vehicle", "tenure": "owned", "keeper": "@alice", "price": "100.01",
            "from_fund": "", "depreciation": "", "text": "For the market runs.",
            "ballot_type": "consent"}
    response = await post_form(client, "/pools/commons/propose", form, from_page=PROPOSALS)
    path = str(response.headers["Location"])
    [proposal] = await proposals(client)
    assert (proposal["price"], proposal["fromFund"], proposal["purpose"]) == (
        10_001, 0, "For the market runs.")
    for user, token in (("admin", node.admin_token), ("alice", node.alice_token)):
        assert (await vote(client, user, token, proposal["id"], "agree")).status == 201
    closes = datetime.fromisoformat(proposal["closesAt"].replace("Z", "+00:00"))
    assert await close_due(client.app, closes + timedelta(seconds=1)) == [proposal["id"]]
    return path


async def test_the_form_refuses_bad_investments_per_field(client, node) -> None:  # type: ignore[no-untyped-def]
    await set_password(client, "alice")
    await sign_in(client, "alice")
    form = {"title": "Buy", "kind": "investment", "asset_name": "", "asset_kind": "boat",
            "tenure": "owned", "keeper": "@nobody", "price": "10", "from_fund": "11",
            "depreciation": "20", "ballot_type": "consent"}
    html = await page(client, PROPOSALS)
    response = await client.post("/pools/commons/propose", data={"csrf": csrf_of(html), **form},
                                 headers=HTML, allow_redirects=False)
    assert response.status == 422
    text = await response.text()
    for field in ("asset_name", "asset_kind", "keeper", "from_fund", "depreciation"):
        assert f'id="{field}-error"' in text, field
    assert "The fund pays at most the price, EUR 10.00." in text
    form.update(asset_name="Van", asset_kind="vehicle", keeper="@alice", from_fund="5",
                depreciation="")
    response = await client.post("/pools/commons/propose", data={"csrf": csrf_of(html), **form},
                                 headers=HTML, allow_redirects=False)
    assert response.status == 422
    assert "The fund has EUR 0.00 free, less than this" in await response.text()
    assert await proposals(client) == []


async def test_a_treasurer_records_payments_and_the_asset_is_registered(client, node) -> None:  # type: ignore[no-untyped-def]
    path = await _passed(client, node)
    html = await page(client, path)
    assert "capital call open: EUR 0.00 of EUR 100.01 paid" in html
    assert "Record a payment" not in await page(client, path + "/call")  # alice is no treasurer
    html = await page(client, path + "/call")
    refused = await client.post(path + "/call/pay", data={
        "csrf": csrf_of(html), "person": node.alice.uri, "amount": "1",
        "request": "0b4c3f4e-8a3f-4c1e-9a55-5e4a3c2b1d0f"}, headers=HTML, allow_redirects=False)
    assert refused.status == 403

    client.session.cookie_jar.clear()
    await set_password(client, "admin")
    await sign_in(client, "admin")
    html = await page(client, path + "/call")
    key = re.search(r'name="request" value="([^"]+)"', html)[1]  # type: ignore[index]
    stored = await store(client.app).proposal(POOL + path.split("/pools/commons", 1)[1])
    assert stored is not None
    call = await calls(client.app).by_proposal(stored.uri)
    assert call is not None
    dues = dict(call.dues)
    over = await client.post(path + "/call/pay", data={
        "csrf": csrf_of(html), "person": node.alice.uri, "amount": "60", "request": key},
        headers=HTML, allow_redirects=False)
    assert over.status == 422 and "is more than this member still owes toward the call" in (
        await over.text())
    for _ in range(2):  # a double submit of one form books once
        await post_form(client, path + "/call/pay", {
            "person": node.alice.uri, "amount": "10", "request": key}, from_page=path + "/call")
    html = await page(client, path + "/call")
    assert 'data-field="paid">EUR 10.00<' in html
    rest = dues[node.alice.uri] - 1_000
    for person, amount in ((node.alice.uri, rest), (node.admin.uri, dues[node.admin.uri])):
        html = await page(client, path + "/call")
        fresh = re.search(r'name="request" value="([^"]+)"', html)[1]  # type: ignore[index]
        await post_form(client, path + "/call/pay", {
            "person": person, "amount": f"{amount / 100:.2f}", "request": fresh},
            from_page=path + "/call")
    html = await page(client, path + "/call")
    assert "paid in full: the asset is in the register" in html and "Record a payment" not in html
    asset = await AssetStore(client.app[DB]).by_source(stored.uri)
    assert asset is not None and asset.asset["purchase"] == 10_001
    assert "Paid toward a capital call" in await page(client, "/pools/commons/ledger")


async def test_a_treasurer_cancels_only_when_confirmed(client, node) -> None:  # type: ignore[no-untyped-def]
    path = await _passed(client, node)
    assert (await post(client, "admin", node.admin_token, {
        "type": "LedgerEntry", "pool": POOL, "entryKind": "call_payment",
        "proposal": POOL + path.split("/pools/commons", 1)[1], "person": node.alice.uri,
        "amount": 700})).status == 201
    client.session.cookie_jar.clear()
    await set_password(client, "admin")
    await sign_in(client, "admin")
    await post_form(client, path + "/call/cancel", {}, from_page=path + "/call", status=422)
    await post_form(client, path + "/call/cancel", {"confirm": "yes"}, from_page=path + "/call")
    html = await page(client, path)
    assert "the capital call was cancelled" in html and "capital call cancelled" in html
    ledger = await page(client, "/pools/commons/ledger")
    assert "Refund owed" in ledger

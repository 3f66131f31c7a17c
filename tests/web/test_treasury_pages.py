"""A treasurer pays out a passed disbursement from the ledger page (Create(LedgerEntry) payment)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from node.appkeys import ACTORS
from node.pool_engine import close_due
from node.pool_engine.common import store
from tests.web.helpers import HTML, page, post_form, set_password, sign_in

LEDGER = "/pools/commons/ledger"


async def _kinds(client) -> list[str]:  # type: ignore[no-untyped-def]
    pool = await client.app[ACTORS].get("commons", "pool")
    return [entry.entry["kind"] for entry in await store(client.app).ledger(pool.id)]


async def _passed_disbursement(client) -> str:  # type: ignore[no-untyped-def]
    """EUR 50.00 paid in, EUR 30.00 for 'Tool shop' approved: returns the proposal's URL."""
    await set_password(client, "admin")
    await set_password(client, "alice")
    await sign_in(client, "admin")
    await post_form(client, LEDGER + "/record",
                    {"person": "http://node.test/users/alice", "amount": "50", "reference": "cash"},
                    from_page=LEDGER)
    response = await post_form(client, "/pools/commons/propose",
                               {"title": "Buy a drill", "kind": "disbursement", "text": "A drill.",
                                "amount": "30", "payee": "Tool shop"},
                               from_page="/pools/commons/proposals")
    url = str(response.headers["Location"])
    await post_form(client, url + "/vote", {"choice": "agree"}, from_page=url)
    await close_due(client.app, datetime.now(UTC) + timedelta(days=8))
    assert await _kinds(client) == ["contribution", "commitment"]
    return url


async def test_treasurer_records_payments_until_the_commitment_is_paid(client) -> None:
    url = await _passed_disbursement(client)
    html = await page(client, LEDGER)
    assert "Approved, not yet paid" in html and "Record payment to Tool shop" in html
    assert f'href="{url}">Buy a drill</a>' in html and 'value="30.00"' in html
    await post_form(client, LEDGER + "/pay", {"proposal": "http://node.test" + url, "amount": "10",
                                              "reference": "transfer 1"}, from_page=LEDGER)
    assert await _kinds(client) == ["contribution", "commitment", "payment"]
    html = await page(client, LEDGER)
    assert "Paid to Tool shop" in html and "external:" not in html and 'value="20.00"' in html and "Chain checked" in html
    # The standalone form shows what is left; paying the rest closes the commitment.
    form = await page(client, LEDGER + "/pay?proposal=http://node.test" + url)
    assert "EUR 20.00" in form and "Tool shop" in form
    await post_form(client, LEDGER + "/pay", {"proposal": "http://node.test" + url, "amount": "20,00",
                                              "reference": "transfer 2"}, from_page=LEDGER)
    assert await _kinds(client) == ["contribution", "commitment", "payment", "payment"]
    html = await page(client, LEDGER)
    assert "Approved, not yet paid" not in html and "Chain checked" in html
    # The payment was the treasurer's own signed C2S request, booked by the pool.
    pool = await client.app[ACTORS].get("commons", "pool")
    entries = await store(client.app).ledger(pool.id)
    assert entries[-1].entry["recorded_by"] == "http://node.test/users/admin"
    assert entries[-1].document["entryKind"] == "payment" and entries[-1].entry["reference"] == "transfer 2"


async def test_a_payment_beyond_the_commitment_or_without_reference_is_refused(client) -> None:
    url = await _passed_disbursement(client)
    proposal = "http://node.test" + url
    response = await post_form(client, LEDGER + "/pay",
                               {"proposal": proposal, "amount": "30.01", "reference": "too much"},
                               from_page=LEDGER, status=422)
    html = await response.text()
    assert "EUR 30.01 is more than the EUR 30.00 still committed to Tool shop" in html
    assert 'id="amount-error"' in html and "Nothing was booked" in html
    for amount, reference, field in (("abc", "x", "amount"), ("0", "x", "amount"), ("-5", "x", "amount"),
                                     ("1.234", "x", "amount"), ("5", "", "reference")):
        response = await post_form(client, LEDGER + "/pay",
                                   {"proposal": proposal, "amount": amount, "reference": reference},
                                   from_page=LEDGER, status=422)
        assert f'id="{field}-error"' in await response.text(), (amount, reference)
    response = await post_form(client, LEDGER + "/pay",
                               {"proposal": "http://node.test/pools/commons/proposals/nope",
                                "amount": "5", "reference": "x"}, from_page=LEDGER, status=404)
    assert "no open commitment" in await response.text()
    assert await _kinds(client) == ["contribution", "commitment"]


async def test_only_a_treasurer_records_a_payment(client) -> None:
    url = await _passed_disbursement(client)
    await post_form(client, "/signout", {}, from_page="/")
    await sign_in(client, "alice")
    html = await page(client, LEDGER)
    assert "Approved, not yet paid" in html and "Tool shop" in html  # everyone sees what is owed
    assert "Record payment" not in html
    response = await post_form(client, LEDGER + "/pay",
                               {"proposal": "http://node.test" + url, "amount": "5", "reference": "x"},
                               from_page=LEDGER, status=403)
    assert "Only a treasurer of this pool can record payments" in await response.text()
    await page(client, LEDGER + "/pay?proposal=http://node.test" + url, status=403)
    assert await _kinds(client) == ["contribution", "commitment"]


async def test_the_payment_form_needs_a_signed_in_member(client) -> None:
    response = await client.get(LEDGER + "/pay?proposal=x", headers=HTML, allow_redirects=False)
    assert response.status == 303 and response.headers["Location"].startswith("/signin?next=")

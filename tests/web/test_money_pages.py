"""Money people can read (issue 15): the ledger by name, capital statements, CSV exports."""

from __future__ import annotations

import csv
import io
import re

import pytest

from tests.web.helpers import HTML, page, post_form, sign_in
from tests.web.money_helpers import ALICE, LEDGER, members_only, treasurer_books

pytestmark = pytest.mark.both_backends


def _visible(html: str) -> str:
    """The text a reader sees: tags and attribute values dropped."""
    return re.sub(r"<[^>]+>", " ", html)


async def test_the_ledger_names_people_and_shows_money_in_and_out_as_positive_amounts(client) -> None:
    await treasurer_books(client)
    html = await page(client, LEDGER)
    text = _visible(html)
    # Names, never URLs or account codes.
    assert "http://" not in text and "capital:" not in text and "commitment:" not in text
    assert "Capital of alice" in text and "Set aside for Buy a drill" in text and "Paid to Tool shop" in text
    assert re.search(r"Contribution\s*</strong>\s*<span class=\"party\">from alice", html)
    # Money in and out, each in its own column, never negative.
    assert '<td class="amount" data-label="Money in">EUR 50.00</td>' in html
    assert '<td class="amount" data-label="Money out">EUR 10.00</td>' in html
    assert "-EUR" not in text and "EUR -" not in text and "−" not in text
    # The treasurer's references: the contribution's (was dropped before) and the payment's.
    assert "transfer 17" in text and "invoice 4" in text
    # The time is UTC in a <time datetime> element the reader's browser localises.
    assert re.search(r'<time datetime="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ" data-local>', html)


async def test_recording_money_with_a_mistake_keeps_what_was_typed_beside_the_reason(client) -> None:
    await treasurer_books(client, pay=False)
    response = await post_form(client, LEDGER + "/record",
                               {"person": ALICE, "amount": "12.345", "reference": "transfer 18"},
                               from_page=LEDGER, status=422)
    html = await response.text()
    assert 'id="amount-error"' in html and 'value="12.345"' in html and 'value="transfer 18"' in html
    assert f'<option value="{ALICE}" selected>alice</option>' in html
    response = await post_form(client, LEDGER + "/record",
                               {"person": "http://elsewhere.example/users/mallory", "amount": "5"},
                               from_page=LEDGER, status=422)
    assert 'id="person-error"' in await response.text()


async def test_a_member_reads_their_capital_and_a_steward_the_share_register(client) -> None:
    await treasurer_books(client)
    html = await page(client, "/pools/commons/capital")  # admin: steward and treasurer
    assert "Share register" in html and ">alice</a>" in html
    assert re.search(r'data-label="Paid in">EUR 50.00</td>', html)
    alice = await page(client, "/pools/commons/capital?person=" + ALICE)
    assert "Capital of alice" in alice and 'data-field="contributed">EUR 50.00' in alice
    assert "transfer 17" in alice
    await sign_in(client, "alice")
    mine = await page(client, "/pools/commons/capital")
    assert "Your capital in Commons" in mine and 'data-field="capital">EUR 50.00' in mine
    assert "Share register" not in mine
    await page(client, "/pools/commons/capital?person=http://node.test/users/admin", status=403)


async def test_csv_exports_are_injection_safe_and_positive(client) -> None:
    await treasurer_books(client, reference="=HYPERLINK(\"http://evil.example\",\"x\")")
    response = await client.get(LEDGER + ".csv")
    assert response.status == 200 and response.content_type == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(await response.text())))
    assert [r["kind"] for r in rows] == ["contribution", "commitment", "payment"]
    assert rows[0]["party"] == "alice" and rows[0]["money_in"] == "50.00" and rows[0]["money_out"] == ""
    assert rows[0]["reference"].startswith("'=HYPERLINK")
    assert rows[2]["party"] == "Tool shop for Buy a drill" and rows[2]["money_out"] == "10.00"
    balances = list(csv.DictReader(io.StringIO(await (await client.get("/pools/commons/balances.csv")).text())))
    assert balances[0]["label"] == "Fund: free to spend" and balances[0]["amount"] == "20.00"
    assert all(not b["amount"].startswith("-") for b in balances)
    members = list(csv.DictReader(io.StringIO(await (await client.get("/pools/commons/members.csv")).text())))
    alice = next(m for m in members if m["actor"] == ALICE)
    assert alice["name"] == "alice" and alice["paid_in"] == "50.00" and alice["state"] == "member"


async def test_a_members_only_pool_exports_to_its_members_only(client) -> None:
    await treasurer_books(client)
    await members_only(client)
    for path in (LEDGER + ".csv", "/pools/commons/balances.csv", "/pools/commons/members.csv"):
        assert (await client.get(path, headers=HTML)).status == 200, path  # admin is a member
    client.session.cookie_jar.clear()
    for path in (LEDGER + ".csv", "/pools/commons/balances.csv", "/pools/commons/members.csv"):
        response = await client.get(path, allow_redirects=False)
        assert response.status in (401, 403), (path, response.status)
        assert "alice" not in await response.text()

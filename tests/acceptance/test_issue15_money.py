"""Issue 15, "Money people can read": the ledger by name, money in and out as positive amounts,
the treasurer's reference, 390 px, inline errors with the input kept; capital statements and the
share register; CSV exports safe from formula injection and read under the bylaws' visibility."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest

from tests.acceptance.issue15_web import (
    PASSWORD,
    Person,
    ServedNode,
    change_bylaws,
    close_all,
    main_of,
    node15,
    set_password,
    text_of,
)
from tests.web.browser import browser

__all__ = ["browser", "node15"]

pytestmark = pytest.mark.timeout(300)
LEDGER = "/pools/commons/ledger"


async def record(treasurer: Person, who: str, amount: str, reference: str) -> tuple[int, str]:
    ledger = await treasurer.get(LEDGER)
    uri = re.search(rf'<option value="([^"]+/users/{who})"', ledger)
    assert uri, f"{who} is not offered on the ledger's form"
    status, _, html = await treasurer.post(LEDGER + "/record", {"person": uri[1], "amount": amount,
                                                                "reference": reference}, from_page=LEDGER)
    return status, html


async def people(served: ServedNode) -> None:
    for name in ("admin", "alice"):
        await set_password(served.setup, name)


async def test_the_ledger_reads_by_name_with_positive_in_and_out_and_the_reference(node15: ServedNode) -> None:
    await people(node15)
    async with Person(node15.url) as admin, Person(node15.url) as alice:
        await admin.sign_in("admin")
        await alice.sign_in("alice")
        status, html = await record(admin, "alice", "50.00", "bank transfer 17")
        assert status == 200, text_of(html)[:400]
        spend = await admin.propose("commons", {"title": "Buy seeds", "kind": "disbursement",
                                                "text": "Seeds for spring", "amount": "12.50",
                                                "payee": "Seed shop", "ballot_type": "consent"})
        for voter in (admin, alice):
            await voter.vote(spend, {"choice": "agree"})
        await close_all(node15)
        page = await admin.get(LEDGER)
    entries = main_of(page)[main_of(page).find("entries-heading"):]
    table = entries[:entries.find("</table>")]
    cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", table, re.S)]
    assert cells, "no entries table"
    assert not any(re.match(r"https?://", c) for c in cells), f"a URL shown where a name belongs: {cells}"
    assert "bank transfer 17" in " ".join(cells), cells
    assert any("alice" in c for c in cells), cells
    money = [c for c in cells if re.search(r"\d+\.\d\d", c)]
    assert money and not any(c.lstrip().startswith(("-", "−", "(")) for c in money), money
    head = re.findall(r"<th[^>]*>(.*?)</th>", table, re.S)
    assert any(re.search(r"(?i)\bin\b|received", h) for h in head) and any(
        re.search(r"(?i)\bout\b|paid", h) for h in head), head


@pytest.mark.parametrize("amount", ["abc", "-5", "0", "1.234", "99999999999999999999999", "1e3", "NaN"])
async def test_a_bad_amount_comes_back_beside_its_field_with_what_was_typed(node15: ServedNode, amount: str) -> None:
    await people(node15)
    async with Person(node15.url) as admin:
        await admin.sign_in("admin")
        status, html = await record(admin, "alice", amount, "ref kept 9")
        assert 400 <= status < 500, (amount, status)
        assert "Traceback" not in html
        assert re.search(r'<input[^>]*id="amount"[^>]*value="' + re.escape(amount) + '"', html), (
            "the typed amount was not kept")
        assert 'value="ref kept 9"' in html, "the typed reference was not kept"
        assert re.search(r'aria-describedby="[^"]*"[^>]*id="amount"|id="amount"[^>]*aria-invalid', html) or (
            "amount-error" in html), "the error is not tied to the field"
        assert "ref kept 9" not in text_of(await admin.get(LEDGER)).split("Record money")[0], "stored anyway"


async def test_the_ledger_and_capital_pages_fit_a_phone(node15: ServedNode, browser: Any) -> None:
    await people(node15)
    async with Person(node15.url) as admin:
        await admin.sign_in("admin")
        await record(admin, "alice", "1234.50", "a rather long treasurer reference for the spring fair 2026")
    context = await browser.new_context(viewport={"width": 390, "height": 844})
    page = await context.new_page()
    await page.goto(node15.url + "/signin")
    await page.fill("#username", "admin")
    await page.fill("#password", PASSWORD)
    await page.click("main button[type=submit]")
    for path in (LEDGER, "/pools/commons/capital", "/pools/commons/invitations", "/pools/commons/proposals"):
        await page.goto(node15.url + path)
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{path} scrolls sideways on a phone: {width}px"
    await context.close()


async def test_capital_statement_for_a_member_and_the_register_for_stewards(node15: ServedNode) -> None:
    await people(node15)
    async with Person(node15.url) as admin, Person(node15.url) as alice:
        await admin.sign_in("admin")
        await alice.sign_in("alice")
        await record(admin, "alice", "30.00", "share alice")
        await record(admin, "admin", "70.00", "share admin")
        mine = text_of(await alice.get("/pools/commons/capital"))
        register = text_of(await admin.get("/pools/commons/capital"))
    assert "30.00" in mine, mine[:600]
    assert "70.00" not in mine, "a member sees another member's capital (the share register)"
    assert "30.00" in register and "70.00" in register, register[:800]


async def test_csv_exports_are_safe_from_formulas(node15: ServedNode) -> None:
    await people(node15)
    async with Person(node15.url) as admin:
        await admin.sign_in("admin")
        for ref in ("=HYPERLINK(\"http://evil\",\"x\")", "+1+1", "@SUM(A1)", "\t=1", "\r=2"):
            status, html = await record(admin, "alice", "1.00", ref)
            assert status == 200, (ref, text_of(html)[:300])
        async with admin.session.get(node15.url + "/pools/commons/ledger.csv") as resp:
            assert resp.status == 200 and "csv" in resp.headers.get("Content-Type", "")
            body = await resp.text()
    for row in csv.reader(io.StringIO(body)):
        for cell in row:
            assert not cell.lstrip("\t\r ").startswith(("=", "+", "@")) or cell.startswith("'"), (
                f"formula cell exported: {cell!r}")
            assert not cell.startswith(("=", "+", "@", "\t", "\r")), f"formula cell exported: {cell!r}"


async def test_csv_exports_follow_the_bylaws_visibility(node15: ServedNode) -> None:
    await people(node15)
    async with Person(node15.url) as admin, Person(node15.url) as alice, Person(node15.url) as stranger:
        await admin.sign_in("admin")
        await alice.sign_in("alice")
        await record(admin, "alice", "5.00", "secret reference")
        await change_bylaws(node15, [admin, alice], new_visibility="members")
        for name in ("ledger.csv", "balances.csv", "members.csv"):
            async with stranger.session.get(f"{node15.url}/pools/commons/{name}", allow_redirects=False) as resp:
                body = await resp.text()
                assert resp.status in (401, 403, 404) or (
                    resp.status in (302, 303) and "/signin" in resp.headers.get("Location", "")), (name, resp.status)
                assert "secret reference" not in body and "alice" not in body
            async with alice.session.get(f"{node15.url}/pools/commons/{name}") as resp:
                assert resp.status == 200, (name, resp.status)
        assert "secret reference" not in await stranger.get(LEDGER, status=None)

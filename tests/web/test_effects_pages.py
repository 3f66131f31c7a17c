"""Issue 12 items 2, 4, 5 in the browser: the form warns over the free fund, a decision waiting
for funds says so on every page, a treasurer releases an unspent commitment."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from node.appkeys import ACTORS
from node.pool_engine import close_due
from node.pool_engine.common import store
from tests.web.helpers import page, post_form, set_password, sign_in

LEDGER = "/pools/commons/ledger"
FORM = "/pools/commons/proposals"


async def _propose(client, amount: str, status: int = 303, **extra: str):  # type: ignore[no-untyped-def]
    return await post_form(client, "/pools/commons/propose",
                           {"title": "Buy a boat", "kind": "disbursement", "text": "A boat.",
                            "amount": amount, "payee": "Boat shop", **extra}, from_page=FORM,
                           status=status)


async def test_over_the_fund_warns_then_passes_waiting_for_funds_everywhere(client) -> None:  # type: ignore[no-untyped-def]
    await set_password(client, "admin")
    await sign_in(client, "admin")
    assert "The fund has EUR 0.00 free" in await page(client, FORM)
    warned = await _propose(client, "100", 422)
    assert warned.status == 422
    html = await warned.text()
    assert "Propose anyway" in html and "waits for funds" in html
    pool = await client.app[ACTORS].get("commons", "pool")
    assert await store(client.app).count_proposals(pool.id) == 0
    response = await _propose(client, "100", over_fund="yes")
    assert response.status == 303
    url = str(response.headers["Location"])
    await post_form(client, url + "/vote", {"choice": "agree"}, from_page=url)
    await close_due(client.app, datetime.now(UTC) + timedelta(days=8))
    assert "waiting for funds" in await page(client, url)
    assert "waiting for funds" in await page(client, FORM)
    assert "waiting for funds" in await page(client, "/pools/commons")
    ledger = await page(client, LEDGER)
    assert "Owed, waiting for funds" in ledger and "Buy a boat" in ledger


async def test_a_treasurer_releases_the_rest_of_a_commitment_from_the_ledger_page(client) -> None:  # type: ignore[no-untyped-def]
    await set_password(client, "admin")
    await sign_in(client, "admin")
    await post_form(client, LEDGER + "/record",
                    {"person": "http://node.test/users/alice", "amount": "50", "reference": "cash"},
                    from_page=LEDGER)
    response = await _propose(client, "30")
    url = str(response.headers["Location"])
    await post_form(client, url + "/vote", {"choice": "agree"}, from_page=url)
    await close_due(client.app, datetime.now(UTC) + timedelta(days=8))
    assert "Release to the fund" in await page(client, LEDGER)
    proposal = "http://node.test" + url
    too_much = await post_form(client, LEDGER + "/release", {"proposal": proposal, "amount": "31"},
                               from_page=LEDGER, status=422)
    text = await too_much.text()  # the ledger page, the reason next to the field, "31" kept
    assert "EUR 31.00 is more than the EUR 30.00 still committed" in text
    assert 'id="release-1-error"' in text and 'value="31"' in text
    done = await post_form(client, LEDGER + "/release", {"proposal": proposal, "amount": "30"},
                           from_page=LEDGER)
    assert done.status == 303
    pool = await client.app[ACTORS].get("commons", "pool")
    kinds = [e.entry["kind"] for e in await store(client.app).ledger(pool.id)]
    assert kinds == ["contribution", "commitment", "release"]
    assert "Release to the fund" not in await page(client, LEDGER)

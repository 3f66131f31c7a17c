"""Proposals, voting, the live tally and the ledger in the browser, over the pools engine."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from node.pool_engine import close_due
from tests.web.helpers import page, post_form, set_password, sign_in


async def _open_proposal(client) -> str:  # type: ignore[no-untyped-def]
    await set_password(client, "alice")
    await set_password(client, "admin")
    await sign_in(client, "alice")
    response = await post_form(client, "/pools/commons/propose",
                               {"title": "Buy a lawnmower", "kind": "decision",
                                "text": "We buy a shared lawnmower."},
                               from_page="/pools/commons/proposals")
    location = response.headers["Location"]
    assert location.startswith("/pools/commons/proposals/")
    return str(location)


async def test_propose_vote_see_the_result(client) -> None:
    url = await _open_proposal(client)
    html = await page(client, url)
    assert "<h1>Buy a lawnmower</h1>" in html and "We buy a shared lawnmower." in html
    assert "Cast my vote" in html and "Electorate digest" in html
    await post_form(client, url + "/vote", {"choice": "agree"}, from_page=url)
    live = await (await client.get(url + "/live")).json()
    assert live["counts"]["agree"] == 1 and live["participation"] == 1 and live["electorate"] == 2
    assert "You voted <strong>agree</strong>" in await page(client, url)
    await post_form(client, "/signout", {}, from_page="/")
    await sign_in(client, "admin")
    await post_form(client, url + "/vote", {"choice": "agree"}, from_page=url)
    await close_due(client.app, datetime.now(UTC) + timedelta(days=8))
    html = await page(client, url)
    assert "Result" in html and "outcome-passed" in html and "Cast my vote" not in html
    assert "Buy a lawnmower" in await page(client, "/pools/commons")
    # ActivityPub clients still get the pool-signed Proposal at the same URL.
    doc = await (await client.get(url, headers={"Accept": "application/activity+json"})).json()
    assert doc["type"] == "Proposal"


async def test_a_non_member_cannot_propose_or_vote(client) -> None:
    url = await _open_proposal(client)
    await post_form(client, "/signout", {}, from_page="/")
    from node.accounts import create_member
    from node.appkeys import ACTORS, CONFIG

    await create_member(client.app[CONFIG], client.app[ACTORS], "zed")
    await set_password(client, "zed")
    await sign_in(client, "zed")
    html = await page(client, url)
    assert "Cast my vote" not in html
    assert "Make a proposal" not in await page(client, "/pools/commons/proposals")
    response = await post_form(client, url + "/vote", {"choice": "agree"}, from_page=url, status=403)
    assert "text/html" in response.headers["Content-Type"]


async def test_proposal_form_errors(client) -> None:
    await set_password(client, "alice")
    await sign_in(client, "alice")
    response = await post_form(client, "/pools/commons/propose",
                               {"title": "", "kind": "disbursement", "text": "x", "amount": "-3"},
                               from_page="/pools/commons/proposals", status=422)
    html = await response.text()
    assert 'id="title-error"' in html and 'id="amount-error"' in html and 'id="payee-error"' in html


async def test_treasurer_records_money_and_the_ledger_checks_out(client) -> None:
    await set_password(client, "admin")
    await sign_in(client, "admin")
    html = await page(client, "/pools/commons/ledger")
    assert "No entries yet" in html and "Record money received" in html
    await post_form(client, "/pools/commons/ledger/record",
                    {"person": "http://node.test/users/alice", "amount": "20", "reference": "cash"},
                    from_page="/pools/commons/ledger")
    html = await page(client, "/pools/commons/ledger")
    assert "Chain checked" in html and "EUR 20.00" in html and "contribution" in html
    assert "EUR 20.00" in await page(client, "/pools/commons")
    api = await client.get("/pools/commons/ledger", headers={"Accept": "application/activity+json"})
    assert api.status == 200 and "json" in api.headers["Content-Type"]


async def test_only_a_treasurer_records_money(client) -> None:
    await set_password(client, "alice")
    await sign_in(client, "alice")
    html = await page(client, "/pools/commons/ledger")
    assert "Record money received" not in html
    response = await post_form(client, "/pools/commons/ledger/record",
                               {"person": "http://node.test/users/alice", "amount": "20"},
                               from_page="/pools/commons/ledger", status=403)
    assert response.status == 403


async def test_flood_page_without_floods_and_json_for_clients(client) -> None:
    html = await page(client, "/pools/commons/floods")
    assert "Floods of Commons" in html and "not in a flood" in html
    api = await client.get("/pools/commons/floods")
    assert (await api.json())["floods"] == []


async def test_two_votes_in_one_instant_the_page_shows_what_the_tally_counts(client, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # Issue 12 item 1: abstain then agree within one instant, the second with the smaller id
    # (the old tie-break counted abstain while the page said "agree").
    import itertools

    from node.accounts import now_iso

    url = await _open_proposal(client)
    fixed, counter = now_iso(), itertools.count(99999, -1)
    monkeypatch.setattr("node.outbox.now_iso", lambda: fixed)
    monkeypatch.setattr("node.outbox.new_object_uri",
                        lambda config, what="objects": config.url(f"/{what}/{next(counter):05d}"))
    await post_form(client, url + "/vote", {"choice": "abstain"}, from_page=url)
    await post_form(client, url + "/vote", {"choice": "agree"}, from_page=url)
    live = await (await client.get(url + "/live")).json()
    assert live["counts"]["agree"] == 1 and live["counts"]["abstain"] == 0
    assert "You voted <strong>agree</strong>" in await page(client, url)

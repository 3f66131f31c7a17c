"""Shares and surplus on the web: the share register (members only, and as JSON), the capital
statement's shares, the patronage form, and a distribution proposed after its split is shown."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from governance import AdmissionPolicy, ShareType, SurplusMeasure
from node.accounts import create_member, issue_token
from node.appkeys import ACTORS, TOKENS
from node.pool_engine.common import store
from node.pools import load_bylaws
from node.wire import check_document
from tests.node.pools.helpers import AP, POOL, post
from tests.web.helpers import page, post_form, set_password, sign_in

pytestmark = pytest.mark.both_backends

PROPOSALS = "/pools/commons/proposals"


async def coop(client: Any, **changes: Any) -> None:
    pool = await client.app[ACTORS].get("commons", "pool")
    bylaws = dataclasses.replace(await load_bylaws(client.app[ACTORS], pool), **changes)
    await client.app[ACTORS].set_bylaws_json(pool.id, json.dumps(bylaws.to_dict()))


async def admin_token(client: Any) -> str:
    admin = await client.app[ACTORS].get("admin", "member")
    return (await issue_token(client.app[TOKENS], admin)).secret


async def test_the_share_register_shows_who_holds_what_to_members_only(client, node) -> None:  # type: ignore[no-untyped-def]
    await coop(client, admission=AdmissionPolicy.OPEN,
               share_types=(ShareType("member share", 2500, 1),))
    carol = await create_member(node.config, client.app[ACTORS], "carol")
    token = (await issue_token(client.app[TOKENS], carol)).secret
    assert (await post(client, "carol", token, {"type": "Join", "object": POOL})).status == 201
    assert (await post(client, "admin", node.admin_token, {
        "type": "LedgerEntry", "pool": POOL, "entryKind": "contribution", "person": carol.uri,
        "amount": 3000})).status == 201

    await set_password(client, "carol")
    await sign_in(client, "carol")
    html = await page(client, "/pools/commons/shares")
    main = html.split("<main", 1)[1].split("</main>", 1)[0]
    assert "member share" in main and "EUR 25.00" in main and f'data-person="{carol.uri}"' in main, main
    capital = await page(client, "/pools/commons/capital")
    assert 'data-field="share-capital">EUR 25.00' in capital and "Shares issued from capital" in capital

    register = await client.get("/pools/commons/shares",
                                headers={"Accept": AP, "Authorization": f"Bearer {token}"})
    assert register.status == 200
    document = await register.json(content_type=None)
    assert document["type"] == "ShareRegister" and document["totalValue"] == 2500
    (holding,) = document["holdings"]
    assert (holding["person"], holding["shareType"], holding["count"]) == (carol.uri, "member share", 1)
    assert holding["issuedBy"].startswith(POOL + "/ledger/")

    stranger = await create_member(node.config, client.app[ACTORS], "dora")
    other = (await issue_token(client.app[TOKENS], stranger)).secret
    refused = await client.get("/pools/commons/shares",
                               headers={"Accept": AP, "Authorization": f"Bearer {other}"})
    assert refused.status == 403
    client.session.cookie_jar.clear()  # no session: an anonymous reader
    assert (await client.get("/pools/commons/shares", headers={"Accept": AP})).status in (401, 403)
    await set_password(client, "dora")
    await sign_in(client, "dora")
    await page(client, "/pools/commons/shares", status=403)


async def test_a_surplus_is_proposed_after_its_split_is_shown(client, node) -> None:  # type: ignore[no-untyped-def]
    await coop(client, surplus_measure=SurplusMeasure.PATRONAGE)
    assert (await post(client, "admin", node.admin_token, {
        "type": "LedgerEntry", "pool": POOL, "entryKind": "donation", "amount": 5000})).status == 201
    await set_password(client, "admin")
    await sign_in(client, "admin")
    shares = "/pools/commons/shares"
    html = await (await post_form(client, "/pools/commons/patronage", {
        "person": node.alice.uri, "amount": "1.2.3", "note": ""}, from_page=shares,
        status=422)).text()
    assert "Nothing was recorded" in html
    for person, amount in ((node.admin.uri, "1.00"), (node.alice.uri, "3.00")):
        await post_form(client, "/pools/commons/patronage", {
            "person": person, "amount": amount, "note": "shop"}, from_page=shares)
    assert "EUR 3.00" in await page(client, shares)

    form = {"title": "Share the year's surplus", "kind": "surplus", "text": "Year end",
            "amount": "10.01", "reserve": "5.00"}
    html = await (await post_form(client, "/pools/commons/propose", form, from_page=PROPOSALS,
                                  status=422)).text()
    assert "Propose this split" in html and "EUR 7.51" in html and "EUR 2.50" in html
    assert await store(client.app).proposals_of_pool(node.pool.id, limit=10) == []
    response = await post_form(client, "/pools/commons/propose", {**form, "split_seen": "yes"},
                               from_page=PROPOSALS)
    proposal = await page(client, response.headers["Location"])
    assert "Surplus distribution" in proposal and "EUR 7.51" in proposal
    (stored,) = await store(client.app).proposals_of_pool(node.pool.id, limit=10)
    check_document("proposal", stored.document)
    assert stored.document["measures"] == {node.admin.uri: 100, node.alice.uri: 300}


async def test_only_a_treasurer_records_patronage(client, node) -> None:  # type: ignore[no-untyped-def]
    await set_password(client, "alice")
    await sign_in(client, "alice")
    html = await page(client, "/pools/commons/shares")
    assert "Record patronage" not in html
    await post_form(client, "/pools/commons/patronage", {"person": node.alice.uri, "amount": "1"},
                    from_page=PROPOSALS, status=403)


async def test_the_register_and_the_capital_statement_show_the_shares_still_due(client, node) -> None:  # type: ignore[no-untyped-def]
    await coop(client, share_types=(ShareType("member share", 1000, 3),))
    # The founder (admin) pays in 25.00: two whole shares issued, the third still due.
    assert (await post(client, "admin", node.admin_token, {
        "type": "LedgerEntry", "pool": POOL, "entryKind": "contribution",
        "person": node.admin.uri, "amount": 2500})).status == 201
    await set_password(client, "admin")
    await sign_in(client, "admin")
    html = await page(client, "/pools/commons/shares")
    due = html.split('id="due"', 1)[1].split("</section>", 1)[0]
    founder = due.split(f'data-due="{node.admin.uri}"', 1)[1].split("</tr>", 1)[0]
    assert "member share" in founder and ">1<" in founder and "EUR 10.00" in founder, founder
    alice = due.split(f'data-due="{node.alice.uri}"', 1)[1].split("</tr>", 1)[0]
    assert ">3<" in alice and "EUR 30.00" in alice, alice
    assert "EUR 40.00" in due  # the total still due
    capital = await page(client, "/pools/commons/capital")
    assert 'data-field="share-capital">EUR 20.00' in capital
    assert 'data-field="value-due">EUR 10.00' in capital and "Shares still due" in capital
    other = await page(client, "/pools/commons/capital?person=" + node.alice.uri.replace(":", "%3A"))
    assert 'data-field="value-due">EUR 30.00' in other

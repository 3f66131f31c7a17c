"""Share types and the surplus measure where the bylaws are set: the wizard and the
bylaws-change form keep what they can and refuse the rest with a reason, storing nothing."""

from __future__ import annotations

import json

import pytest

from governance import ShareType, SurplusMeasure
from node.appkeys import ACTORS
from node.pool_engine.common import store
from node.pools import load_bylaws
from tests.web.helpers import page, post_form, set_password, sign_in
from tests.web.test_amendments_pages import CURRENT

pytestmark = pytest.mark.both_backends

PROPOSALS = "/pools/commons/proposals"
BASE = {"name": "Corner Shop", "purpose": "", "currency": "EUR", "threshold": "more_than:1/2",
        "quorum": "1/2", "admission": "open", "min_share": "0", "voting_days": "7"}


async def test_the_wizard_sets_share_types_and_the_surplus_measure(client) -> None:  # type: ignore[no-untyped-def]
    await set_password(client, "alice")
    await sign_in(client, "alice")
    for extra, said in (
        ({"share_types": "member share; 25.00"}, "Line 1: write the name"),
        ({"share_types": "member share; 0; 1"}, "Line 1:"),
        ({"share_types": "member share; 25.00; x"}, "whole number from 0 to 10000"),
        ({"share_types": "a; 1; 1\nA; 1; 1"}, "its own name"),
        ({"share_types": "\n".join(f"t{i}; 1; 0" for i in range(9))}, "at most 8 share types"),
        ({"share_types": "s; 1; 1; worker=2"}, "not a member class"),
        ({"surplus_measure": "weight"}, "Choose how a surplus is shared"),
    ):
        html = await (await post_form(client, "/create-pool", {**BASE, **extra},
                                      from_page="/create-pool", status=422)).text()
        assert said in html, said
        assert await client.app[ACTORS].by_uri("http://node.test/pools/corner_shop") is None
    await post_form(client, "/create-pool", {
        **BASE, "member_classes": "worker, consumer", "founder_class": "worker",
        "share_types": "member share; 25.00; 1; worker=2", "surplus_measure": "patronage"},
        from_page="/create-pool")
    bylaws = await load_bylaws(client.app[ACTORS], await client.app[ACTORS].get("corner_shop", "pool"))
    assert bylaws.share_types == (ShareType("member share", 2500, 1, (("worker", 2),)),)
    assert bylaws.surplus_measure is SurplusMeasure.PATRONAGE
    document = json.loads(await (await client.get(
        "/pools/corner_shop/bylaws", headers={"Accept": "application/activity+json"})).text())
    assert document["surplusMeasure"] == "patronage"


async def test_a_bylaws_change_sets_share_types(client) -> None:  # type: ignore[no-untyped-def]
    await set_password(client, "alice")
    await sign_in(client, "alice")
    assert 'name="new_share_types"' in await page(client, PROPOSALS)
    form = {"title": "Issue shares", "kind": "bylaws_change", "text": "", **CURRENT,
            "new_member_classes": "", "new_share_types": "member share; 10.00; 2",
            "new_surplus_measure": "equal"}
    bad = {**form, "new_share_types": "member share; ten; 2"}
    html = await (await post_form(client, "/pools/commons/propose", bad, from_page=PROPOSALS,
                                  status=422)).text()
    assert "Line 1:" in html
    pool = await client.app[ACTORS].get("commons", "pool")
    assert await store(client.app).proposals_of_pool(pool.id, limit=10) == []
    response = await post_form(client, "/pools/commons/propose", form, from_page=PROPOSALS)
    stored = await store(client.app).proposal("http://node.test" + response.headers["Location"])
    assert stored is not None
    proposed = stored.proposal["motion"]["bylaws"]
    assert proposed["share_types"] == [{"name": "member share", "nominal": 1000, "minimum": 2}]
    assert proposed["surplus_measure"] == "equal"
    html = await page(client, response.headers["Location"])
    assert "member share; 10.00; 2" in html and "In equal shares" in html

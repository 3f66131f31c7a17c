"""Floods from the browser: join by a pool's handle, the flood's pools by name with their
pledges, and a flood proposal made and voted from the flood page."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from node.accounts import create_pool, join_pool, now_iso
from node.appkeys import ACTORS, CONFIG, FOLLOWS
from node.pool_engine import close_due
from tests.web.helpers import page, post_form, set_password, sign_in

RIVER = "http://node.test/pools/commons/floods/river"


async def _pass(client: Any, pool: str, fields: dict[str, str]) -> str:
    opened = await post_form(client, f"/pools/{pool}/propose", fields,
                             from_page=f"/pools/{pool}/proposals")
    url = str(opened.headers["Location"])
    await post_form(client, url + "/vote", {"choice": "agree"}, from_page=url)
    return url


async def _linked_pools(client: Any) -> None:
    """commons and garden (both on this node) pass join_flood proposals naming each other."""
    garden = await create_pool(client.app[CONFIG], client.app[ACTORS], "garden",
                               display_name="Garden Pool")
    admin = await client.app[ACTORS].get("admin", "member")
    await join_pool(client.app[ACTORS], garden, admin.uri, ("member", "steward", "treasurer"))
    await set_password(client, "admin")
    await sign_in(client, "admin")
    await _pass(client, "commons", {"title": "Join the river", "kind": "join_flood",
                                    "peer": "@garden@node.test", "flood_name": "River"})
    # Garden joins the flood commons formed, by the address commons' flood page shows.
    await _pass(client, "garden", {"title": "Join the river", "kind": "join_flood",
                                   "peer": "@commons", "flood": "", "flood_name": RIVER})
    await close_due(client.app, datetime.now(UTC) + timedelta(days=8))
    # Both pools on one node: the Follow/Accept exchange between them is the network's part
    # (tests/multinode covers it); here both follows are accepted as delivery would leave them.
    pools = ("http://node.test/pools/commons", "http://node.test/pools/garden")
    for a, b in (pools, pools[::-1]):
        await client.app[FOLLOWS].put(a, b, f"{a}#follow", "accepted", now_iso())


async def test_a_flood_shows_its_pools_by_name_and_takes_a_proposal(client) -> None:
    await _linked_pools(client)
    html = await page(client, "/pools/commons/floods")
    assert f"<code>{RIVER}</code>" in html
    assert "Garden Pool" in html and "@garden@node.test" in html, html[-3000:]
    assert "Open the flood proposal" in html
    await post_form(client, "/pools/commons/ledger/record",
                    {"person": "http://node.test/users/alice", "amount": "20", "reference": "cash"},
                    from_page="/pools/commons/ledger")
    await post_form(client, "/pools/commons/floods/propose",
                    {"flood": "http://node.test/pools/commons/floods/river", "title": "Shared van",
                     "kind": "disbursement", "text": "A van for both.", "amount": "30",
                     "payee": "Van shop"}, from_page="/pools/commons/floods")
    html = await page(client, "/pools/commons/floods")
    assert "Shared van" in html and "Vote in the flood" in html
    assert "Funds pledged by each pool" in html
    # Commons froze its pledge (its fund) when the proposal opened; garden's comes by delivery.
    assert '<th scope="row">Commons</th><td class="num">EUR 20.00</td>' in html
    assert '<th scope="row">Garden Pool</th><td class="num">not heard from yet</td>' in html
    # The admin votes on the flood proposal through commons; the page then says so.
    flood_proposal = html.split('name="proposal" value="')[1].split('"')[0]
    await post_form(client, "/pools/commons/floods/vote",
                    {"proposal": flood_proposal, "choice": "agree"}, from_page="/pools/commons/floods")
    assert "Change your vote" in await page(client, "/pools/commons/floods")


async def test_a_flood_proposal_form_error_keeps_the_input(client) -> None:
    await _linked_pools(client)
    response = await post_form(client, "/pools/commons/floods/propose",
                               {"flood": "http://node.test/pools/commons/floods/river",
                                "title": "Van", "kind": "disbursement", "text": "A van.",
                                "amount": "-1", "payee": ""},
                               from_page="/pools/commons/floods", status=422)
    html = await response.text()
    assert 'id="flood_amount-error"' in html and 'id="flood_payee-error"' in html
    assert 'value="Van"' in html
    stranger = await post_form(client, "/pools/commons/floods/propose",
                               {"flood": "http://elsewhere.example/floods/x", "title": "Van",
                                "text": "x"}, from_page="/pools/commons/floods", status=422)
    assert "This pool is not in that flood." in await stranger.text()


async def test_two_open_flood_proposals_have_ballots_of_their_own(client) -> None:
    """Each radio of each open flood proposal has its own id, so a label ticks its own ballot."""
    await _linked_pools(client)
    for title in ("Shared van", "Shared ladder"):
        await post_form(client, "/pools/commons/floods/propose",
                        {"flood": RIVER, "title": title, "kind": "decision", "text": title + "."},
                        from_page="/pools/commons/floods")
    html = await page(client, "/pools/commons/floods")
    assert html.count("Vote in the flood") == 2
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    radios = re.findall(r'<input type="radio" id="([^"]+)" name="choice"', html)
    assert len(radios) == 8 and all(html.count(f'for="{r}"') == 1 for r in radios)

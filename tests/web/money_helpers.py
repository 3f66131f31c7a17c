"""Helpers for the money pages' tests: a pool with money in, a disbursement passed and paid."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from governance import Bylaws, Visibility
from node.appkeys import ACTORS
from node.pool_engine import close_due
from tests.web.helpers import post_form, set_password, sign_in

LEDGER = "/pools/commons/ledger"
ALICE = "http://node.test/users/alice"


async def treasurer_books(client: Any, *, reference: str = "transfer 17", pay: bool = True) -> str:
    """Admin (steward, treasurer) records EUR 50.00 from Alice, 'Buy a drill' (EUR 30.00 to Tool
    shop) passes, and EUR 10.00 of it is paid; returns the proposal's URL path."""
    await set_password(client, "admin")
    await set_password(client, "alice")
    await sign_in(client, "admin")
    await post_form(client, LEDGER + "/record", {"person": ALICE, "amount": "50", "reference": reference},
                    from_page=LEDGER)
    response = await post_form(client, "/pools/commons/propose",
                               {"title": "Buy a drill", "kind": "disbursement", "text": "A drill.",
                                "amount": "30", "payee": "Tool shop"},
                               from_page="/pools/commons/proposals")
    url = str(response.headers["Location"])
    await post_form(client, url + "/vote", {"choice": "agree"}, from_page=url)
    await close_due(client.app, datetime.now(UTC) + timedelta(days=8))
    if pay:
        await post_form(client, LEDGER + "/pay", {"proposal": "http://node.test" + url, "amount": "10",
                                                  "reference": "invoice 4"}, from_page=LEDGER)
    return url


async def members_only(client: Any) -> None:
    """Make the pool's record visible to its members only (the bylaws' visibility)."""
    actors = client.app[ACTORS]
    pool = await actors.get("commons", "pool")
    bylaws = Bylaws.from_dict(json.loads(await actors.bylaws_json(pool.id)))
    await actors.set_bylaws_json(pool.id, json.dumps(replace(bylaws, visibility=Visibility.MEMBERS).to_dict()))


async def voting_lasts(client: Any, period: timedelta) -> None:
    """Set the pool's voting period (a bylaws setting) directly, for a test's deadline."""
    actors = client.app[ACTORS]
    pool = await actors.get("commons", "pool")
    bylaws = Bylaws.from_dict(json.loads(await actors.bylaws_json(pool.id)))
    await actors.set_bylaws_json(pool.id, json.dumps(replace(bylaws, voting_period=period).to_dict()))

"""Typed amounts on every web form: one strict parser, the role first (issue 12, item 7)."""

from __future__ import annotations

import pytest

from node.appkeys import ACTORS
from node.pool_engine.common import store
from tests.web.helpers import post_form, set_password, sign_in

LEDGER = "/pools/commons/ledger"
ALICE = "http://node.test/users/alice"
# Each once blocked the event loop, answered 500, or was read although the pay form refused it.
BAD = ["1e999000", "1e999999", "1_000", "١٠٠٠", "-5", "12.345", "0x10", "NaN"]
TOO_LARGE = ["90071992547409.92", "9" * 5000]


async def _entries(client) -> int:  # type: ignore[no-untyped-def]
    pool = await client.app[ACTORS].get("commons", "pool")
    return len(await store(client.app).ledger(pool.id))


async def _proposals(client) -> int:  # type: ignore[no-untyped-def]
    pool = await client.app[ACTORS].get("commons", "pool")
    return len(await store(client.app).proposals_of_pool(pool.id, limit=100))


@pytest.mark.parametrize("amount", BAD + TOO_LARGE)
async def test_ledger_record_refuses_bad_amounts(client, amount: str) -> None:  # type: ignore[no-untyped-def]
    await set_password(client, "admin")
    await sign_in(client, "admin")
    response = await post_form(client, LEDGER + "/record",
                               {"person": ALICE, "amount": amount, "reference": "cash"},
                               from_page=LEDGER, status=422)
    text = await response.text()
    # The ledger page again, the reason beside the amount field, what was typed kept.
    assert "Traceback" not in text and "Enter the amount received" in text
    assert 'id="amount-error"' in text and 'aria-invalid="true"' in text
    assert 'value="cash"' in text
    if amount in TOO_LARGE:
        assert "The amount is too large: at most EUR 90,071,992,547,409.91" in text
        assert "2^53" not in text
    assert await _entries(client) == 0


async def test_a_non_treasurer_learns_only_that_whatever_the_amount(client) -> None:  # type: ignore[no-untyped-def]
    await set_password(client, "alice")
    await sign_in(client, "alice")
    for amount in ("1e999999", "9" * 5000, "20"):
        response = await post_form(client, LEDGER + "/record", {"person": ALICE, "amount": amount},
                                   from_page=LEDGER, status=403)
        assert "Only a treasurer" in await response.text()
    assert await _entries(client) == 0


@pytest.mark.parametrize("amount", BAD + TOO_LARGE)
async def test_disbursement_proposal_refuses_bad_amounts(client, amount: str) -> None:  # type: ignore[no-untyped-def]
    await set_password(client, "alice")
    await sign_in(client, "alice")
    response = await post_form(client, "/pools/commons/propose",
                               {"title": "Buy a drill", "kind": "disbursement", "text": "A drill.",
                                "amount": amount, "payee": "Tool shop"},
                               from_page="/pools/commons/proposals", status=422)
    html = await response.text()
    assert 'id="amount-error"' in html and "Enter the amount to spend" in html
    if amount in TOO_LARGE:
        assert "The amount is too large: at most EUR 90,071,992,547,409.91" in html
    assert await _proposals(client) == 0


async def test_a_non_member_proposing_learns_only_that(client) -> None:  # type: ignore[no-untyped-def]
    from node.accounts import create_member
    from node.appkeys import CONFIG

    await create_member(client.app[CONFIG], client.app[ACTORS], "zed")
    await set_password(client, "zed")
    await sign_in(client, "zed")
    response = await post_form(client, "/pools/commons/propose",
                               {"title": "Buy a drill", "kind": "disbursement", "text": "A drill.",
                                "amount": "1e999999", "payee": "Tool shop"},
                               from_page="/pools/commons/proposals", status=403)
    html = await response.text()
    assert "Only members of this pool" in html and 'id="amount-error"' not in html
    assert await _proposals(client) == 0


async def test_payment_form_says_too_large_in_plain_words(client) -> None:  # type: ignore[no-untyped-def]
    from tests.web.test_treasury_pages import _passed_disbursement

    url = await _passed_disbursement(client)
    for amount in [*TOO_LARGE, "1e999999", "١٠"]:
        response = await post_form(client, LEDGER + "/pay",
                                   {"proposal": "http://node.test" + url, "amount": amount,
                                    "reference": "x"}, from_page=LEDGER, status=422)
        html = await response.text()
        assert 'id="amount-error"' in html and "Enter the amount paid" in html
        if amount in TOO_LARGE:
            assert "The amount is too large: at most EUR 90,071,992,547,409.91" in html
    assert await _entries(client) == 2  # the contribution and the commitment only


async def test_the_minimum_share_of_new_bylaws_uses_the_same_parser(client) -> None:  # type: ignore[no-untyped-def]
    from tests.web.test_amendments_pages import _count, _propose

    await set_password(client, "alice")
    await sign_in(client, "alice")
    response = await _propose(client, status=422, new_min_share="1e999999")
    assert "Write the amount in EUR with the digits 0-9" in await response.text()
    response = await _propose(client, status=422, new_min_share="9" * 5000)
    assert "The amount is too large" in await response.text()
    assert await _count(client) == 0

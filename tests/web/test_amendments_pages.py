"""A member proposes new bylaws from the proposals page; the page shows old -> new; passing applies it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from fractions import Fraction

from node.appkeys import ACTORS
from node.pool_engine import close_due
from node.pool_engine.common import store
from node.pools import load_bylaws
from tests.web.helpers import page, post_form, set_password, sign_in

PROPOSALS = "/pools/commons/proposals"
# The commons pool starts with the core's defaults: more than 1/2, quorum 1/2, 7 days, steward.
CURRENT = {
    "new_threshold_comparator": "more_than", "new_threshold": "1/2", "new_quorum": "1/2",
    "new_voting_period": "7 days", "new_admission": "steward", "new_min_share": "0.00",
    "new_amendment_comparator": "at_least", "new_amendment_threshold": "2/3",
}


async def _count(client) -> int:  # type: ignore[no-untyped-def]
    pool = await client.app[ACTORS].get("commons", "pool")
    return len(await store(client.app).proposals_of_pool(pool.id, limit=100))


async def _propose(client, status: int = 303, **changes: str):  # type: ignore[no-untyped-def]
    form = {"title": "New rules for a bigger club", "kind": "bylaws_change", "text": "", **CURRENT,
            **changes}
    return await post_form(client, "/pools/commons/propose", form, from_page=PROPOSALS, status=status)


async def test_the_form_is_prefilled_with_the_bylaws_in_force(client) -> None:
    await set_password(client, "alice")
    await sign_in(client, "alice")
    html = await page(client, PROPOSALS)
    assert 'value="bylaws_change"' in html and "Change the bylaws" in html
    assert 'id="new_threshold" name="new_threshold" value="1/2"' in html
    assert 'id="new_quorum" name="new_quorum" value="1/2"' in html
    assert 'value="7 days"' in html and 'id="new_admission-steward" name="new_admission" value="steward" checked' in html
    assert 'id="new_amendment_threshold" name="new_amendment_threshold" value="2/3"' in html


async def test_a_bylaws_change_shows_old_and_new_and_applies_when_it_passes(client) -> None:
    await set_password(client, "alice")
    await set_password(client, "admin")
    await sign_in(client, "alice")
    response = await _propose(client, new_threshold_comparator="at_least", new_threshold="2/3",
                              new_quorum="60%", new_voting_period="3 days 12 hours",
                              new_admission="open", new_min_share="12.50", new_block_vetoes="on")
    url = str(response.headers["Location"])
    pool = await client.app[ACTORS].get("commons", "pool")
    stored = await store(client.app).proposal("http://node.test" + url)
    assert stored is not None and stored.kind == "bylaws_change"
    proposed = stored.proposal["motion"]["bylaws"]
    # Exact values: 60% is 3/5, money in minor units, the period in whole seconds.
    assert proposed["threshold"] == {"comparator": "at_least", "fraction": "2/3"}
    assert proposed["quorum"] == "3/5" and proposed["min_share"] == 1250
    assert proposed["voting_period_seconds"] == 3 * 86400 + 12 * 3600
    assert proposed["admission"] == "open" and proposed["block_vetoes"] is True
    assert proposed["name"] == "Commons" and proposed["currency"] == "EUR"
    html = await page(client, url)
    assert "What this changes in the bylaws" in html and "In force now" in html
    assert "more than half (1/2) of the votes cast" in html
    assert "<strong>at least two thirds (2/3) of the votes cast</strong>" in html
    assert "<strong>EUR 12.50</strong>" in html and "<strong>3 days 12 hours</strong>" in html
    assert html.count('<span class="badge">changes</span>') == 6  # all but the amendment rule
    # Both members agree (the change needs at least 2/3); at the close the bylaws change.
    await post_form(client, url + "/vote", {"choice": "agree"}, from_page=url)
    await post_form(client, "/signout", {}, from_page="/")
    await sign_in(client, "admin")
    await post_form(client, url + "/vote", {"choice": "agree"}, from_page=url)
    await close_due(client.app, datetime.now(UTC) + timedelta(days=8))
    bylaws = await load_bylaws(client.app[ACTORS], pool)
    assert bylaws.quorum == Fraction(3, 5) and bylaws.threshold.fraction == Fraction(2, 3)
    assert bylaws.min_share == 1250 and bylaws.voting_period == timedelta(days=3, hours=12)
    html = await page(client, "/pools/commons/bylaws")
    assert "at least two thirds (2/3)" in html and "EUR 12.50" in html
    html = await page(client, url)
    assert "outcome-passed" in html and "This change passed and is in force" in html
    # The form now starts from the new bylaws.
    assert 'id="new_quorum" name="new_quorum" value="3/5"' in await page(client, PROPOSALS)


async def test_bad_values_are_refused_with_reasons_and_nothing_opens(client) -> None:
    await set_password(client, "alice")
    await sign_in(client, "alice")
    response = await _propose(client, status=422, new_threshold="0.7.1", new_quorum="150%",
                              new_voting_period="forever", new_min_share="-5",
                              new_amendment_threshold="two thirds", new_admission="anyone")
    html = await response.text()
    for field in ("new_threshold", "new_quorum", "new_voting_period", "new_min_share",
                  "new_amendment_threshold", "new_admission"):
        assert f'id="{field}-error"' in html, field
    # What was typed comes back to be corrected.
    assert 'value="0.7.1"' in html and 'value="forever"' in html
    cases = [
        ({"new_threshold_comparator": "more_than", "new_threshold": "1"}, "can never be met"),
        ({"new_amendment_comparator": "more_than", "new_amendment_threshold": "1/3"}, "amendment"),
        ({"new_voting_period": "0 days"}, "how long voting lasts"),
        ({"new_voting_period": "400 days"}, "at most 366 days"),
        ({"new_min_share": "999999999999999.99"}, "The amount is too large: at most EUR"),
        ({}, "change at least one value"),
        ({"new_quorum": "2/3", "text": "Because."}, "carries only its title"),
        ({"new_quorum": "2/3", "title": ""}, "short title"),
    ]
    for changes, reason in cases:
        response = await _propose(client, status=422, **changes)
        assert reason in await response.text(), (changes, reason)
    assert await _count(client) == 0


async def test_a_non_member_cannot_propose_new_bylaws(client) -> None:
    from node.accounts import create_member
    from node.appkeys import CONFIG

    await create_member(client.app[CONFIG], client.app[ACTORS], "zed")
    await set_password(client, "zed")
    await sign_in(client, "zed")
    response = await _propose(client, status=403, new_quorum="2/3")
    assert "member" in await response.text()
    assert await _count(client) == 0


def test_the_bylaws_form_sets_the_wait_for_funds_and_the_commitment_lapse() -> None:
    from datetime import timedelta

    from governance import Bylaws
    from node.web.amendments import form_defaults, read_bylaws_form

    current = Bylaws(name="C", purpose="", currency="EUR")
    form = {**form_defaults(current), "new_funding_wait": "30 days", "new_commitment_lapse": "180"}
    proposed, errors, _ = read_bylaws_form(form, current)
    assert errors == {} and proposed is not None
    assert proposed.funding_wait == timedelta(days=30)
    assert proposed.commitment_lapse == timedelta(days=180)
    # Empty lapse: never; a form without the fields keeps what is in force.
    again, errors, _ = read_bylaws_form({**form_defaults(proposed), "new_commitment_lapse": "",
                                         "new_quorum": "1/3"}, proposed)
    assert errors == {} and again is not None and again.commitment_lapse == timedelta(0)
    old_form = {k: v for k, v in form_defaults(proposed).items()
                if k not in ("new_funding_wait", "new_commitment_lapse")}
    kept, errors, _ = read_bylaws_form({**old_form, "new_quorum": "1/3"}, proposed)
    assert errors == {} and kept is not None
    assert (kept.funding_wait, kept.commitment_lapse) == (timedelta(days=30), timedelta(days=180))
    for field, bad in (("new_funding_wait", "0 days"), ("new_funding_wait", "forever"),
                       ("new_commitment_lapse", "4000 days 1 second"), ("new_funding_wait", "9" * 30)):
        _, errors, _ = read_bylaws_form({**form, field: bad}, current)
        assert field in errors, (field, bad)


async def test_replies_from_outside_the_pool_are_a_setting_of_the_bylaws_form(client) -> None:
    await set_password(client, "alice")
    await sign_in(client, "alice")
    html = await page(client, PROPOSALS)
    assert 'id="new_outside_replies-collapsed" name="new_outside_replies" value="collapsed" checked' in html
    await _propose(client, status=422, new_outside_replies="anyone")  # not one of the choices
    assert await _count(client) == 0
    response = await _propose(client, new_outside_replies="refused")
    stored = await store(client.app).proposal("http://node.test" + str(response.headers["Location"]))
    assert stored is not None
    assert stored.proposal["motion"]["bylaws"]["outside_replies"] == "refused"
    html = await page(client, str(response.headers["Location"]))
    assert "<strong>refused, and the sender told why</strong>" in html

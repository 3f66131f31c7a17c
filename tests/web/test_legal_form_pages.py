"""The legal form in the wizard and in a bylaws change: chosen, checked, stored, shown."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from fractions import Fraction

import pytest

from governance.legal import Dissolution, GoverningBody, LegalForm
from node.appkeys import ACTORS
from node.pool_engine import close_due
from node.pool_engine.common import store
from node.pools import load_bylaws
from tests.web.helpers import page, post_form, set_password, sign_in
from tests.web.test_amendments_pages import CURRENT, PROPOSALS
from tests.web.test_pools_pages import WIZARD, signed_in

LEGAL = {"legal_form": "de_eg", "registered_office": "Kanalstraße 3,  Leipzig", "notice_days": "21",
         "members_may_call": "25%", "governing_body": "board", "board_size": "4", "extra_liability": "150",
         "year_end": "09-30", "dissolution": "cooperative"}


async def test_the_wizard_writes_the_legal_form_into_the_bylaws(client) -> None:  # type: ignore[no-untyped-def]
    await signed_in(client)
    html = await page(client, "/create-pool")
    assert 'id="legal_form-generic" name="legal_form" value="generic" checked' in html
    response = await post_form(client, "/create-pool", {**WIZARD, **LEGAL})
    pool = await client.app[ACTORS].get("green_street_garden", "pool")
    legal = (await load_bylaws(client.app[ACTORS], pool)).legal
    assert (legal.form, legal.registered_office, legal.notice_days, legal.members_may_call) == (
        LegalForm.DE_EG, "Kanalstraße 3, Leipzig", 21, Fraction(1, 4))
    assert (legal.governing_body, legal.board_size, legal.extra_liability) == (
        GoverningBody.BOARD, 4, 15000)
    assert (legal.year_end, legal.dissolution) == ("09-30", Dissolution.COOPERATIVE)
    html = await page(client, response.headers["Location"])
    assert "Articles of association (Satzung) of Green Street Garden eG" in html
    assert "<strong>Not legal advice.</strong>" in html and "EUR 150.00" in html
    # The founding version is the wizard's bylaws.
    history = await (await client.get("/pools/green_street_garden/bylaws/versions/1",
                                      headers={"Accept": "application/json"})).json()
    assert history["bylaws"]["legal"]["form"] == "de_eg" and history["founding"] is True


@pytest.mark.parametrize(("field", "typed"), [
    ("legal_form", "sarl"), ("notice_days", "0"), ("notice_days", "many"), ("board_size", "26"),
    ("extra_liability", "-5"), ("extra_liability", "1.234"), ("year_end", "02-30"),
    ("year_end", "June"), ("dissolution", "burn"), ("governing_body", "council"),
    ("registered_office", "x" * 201), ("members_may_call", "150%"), ("members_may_call", "a few"),
])
async def test_a_bad_legal_field_is_refused_beside_it_and_nothing_is_stored(client, field, typed) -> None:  # type: ignore[no-untyped-def]
    await signed_in(client)
    before = len(await client.app[ACTORS].all("pool"))
    response = await post_form(client, "/create-pool", {**WIZARD, **LEGAL, field: typed}, status=422)
    html = await response.text()
    assert f'id="{field}-error"' in html, html[:2000]
    assert len(await client.app[ACTORS].all("pool")) == before


async def test_a_bylaws_change_can_choose_another_legal_form(client) -> None:  # type: ignore[no-untyped-def]
    await set_password(client, "alice")
    await set_password(client, "admin")
    await sign_in(client, "alice")
    html = await page(client, PROPOSALS)
    assert 'id="new_legal_form-generic" name="new_legal_form" value="generic" checked' in html
    form = {"title": "Register as a society", "kind": "bylaws_change", "text": "", **CURRENT,
            "new_legal_form": "uk_coop", "new_registered_office": "1 Mill Lane, Leeds",
            "new_notice_days": "14", "new_members_may_call": "1/10", "new_governing_body": "stewards", "new_board_size": "3",
            "new_extra_liability": "0", "new_year_end": "12-31", "new_dissolution": "decided"}
    bad = await post_form(client, "/pools/commons/propose", {**form, "new_year_end": "31-12"},
                          from_page=PROPOSALS, status=422)
    assert 'id="new_year_end-error"' in await bad.text()
    response = await post_form(client, "/pools/commons/propose", form, from_page=PROPOSALS)
    url = str(response.headers["Location"])
    stored = await store(client.app).proposal("http://node.test" + url)
    assert stored is not None
    assert stored.proposal["motion"]["bylaws"]["legal"]["form"] == "uk_coop"
    shown = await page(client, url)
    assert "UK co-operative society rules" in shown and "1 Mill Lane, Leeds" in shown
    await post_form(client, url + "/vote", {"choice": "agree"}, from_page=url)
    await post_form(client, "/signout", {}, from_page="/")
    await sign_in(client, "admin")
    await post_form(client, url + "/vote", {"choice": "agree"}, from_page=url)
    await close_due(client.app, datetime.now(UTC) + timedelta(days=8))
    assert "Rules of Commons" in await page(client, "/pools/commons/bylaws")
    versions = await page(client, "/pools/commons/bylaws/history")
    assert "Register as a society" in versions and "Version 2" in versions

"""The asset register and bookings in the browser, without JavaScript: forms post, refusals show."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from node.appkeys import ACTORS
from node.assets import assets
from node.assets.bookings import bookings
from tests.node.assets.helpers import funded_commitment
from tests.web.helpers import HTML, page, post_form, set_password, sign_in

ASSETS = "/pools/commons/assets"
DAY = (datetime.now(UTC) + timedelta(days=3)).strftime("%Y-%m-%d")


async def _register(client, node) -> str:  # type: ignore[no-untyped-def]
    """The admin (a treasurer) registers the van from the register page; its page's path."""
    commitment = await funded_commitment(client, node)
    await set_password(client, "admin")
    await sign_in(client, "admin")
    html = await page(client, ASSETS)
    assert "Register an asset" in html and commitment in html
    response = await post_form(client, ASSETS, {
        "name": "Cargo van", "kind": "vehicle", "tenure": "owned", "commitment": commitment,
        "purchase": "12000", "acquired": "2025-01-10", "reference": "invoice 7",
        "keeper": node.alice.uri, "depreciation": "250", "period": "month"})
    return str(response.headers["Location"])


async def test_a_treasurer_registers_and_members_book_and_cancel(client, node) -> None:  # type: ignore[no-untyped-def]
    path = await _register(client, node)
    html = await page(client, ASSETS)
    assert "Cargo van" in html and "EUR 12,000.00" in html
    ledger = await page(client, "/pools/commons/ledger")
    assert "Asset bought" in ledger and "Asset: Cargo van (what it cost)" in ledger
    html = await page(client, path)
    assert "Book value today" in html and "EUR 250.00 a month" in html and "bookings.ics" in html
    form = {"start_date": DAY, "start_time": "09:00", "end_date": DAY, "end_time": "13:00",
            "note": "Moving day"}
    await post_form(client, path + "/bookings", form, from_page=path)
    pool = await client.app[ACTORS].get("commons", "pool")
    [van] = await assets(client.app).of_pool(pool.id)
    [held] = await bookings(client.app).of_asset(van.id)
    assert held.member_uri == node.admin.uri and held.note == "Moving day"
    # Alice asks for an overlapping time: the page says which booking is in the way.
    await client.post("/signout", headers=HTML)
    await set_password(client, "alice")
    client.session.cookie_jar.clear()
    await sign_in(client, "alice")
    refused = await post_form(client, path + "/bookings", {**form, "start_time": "12:00",
                                                           "end_time": "14:00"}, from_page=path, status=409)
    text = await refused.text()
    assert "That time is taken: Cargo van is booked from" in text and f"{DAY} 09:00" in text
    assert 'role="alert"' in text and 'value="12:00"' in text
    # Her own booking after it; she may cancel hers, not the admin's.
    await post_form(client, path + "/bookings", {**form, "start_time": "13:00", "end_time": "15:00"}, from_page=path)
    mine = [b for b in await bookings(client.app).of_asset(van.id) if b.member_uri == node.alice.uri]
    html = await page(client, path)
    assert html.count(">Cancel</button>") == 1
    await post_form(client, f"/pools/commons/bookings/{mine[0].uri.rsplit('/', 1)[-1]}/cancel", {},
                    from_page=path)
    await post_form(client, f"/pools/commons/bookings/{held.uri.rsplit('/', 1)[-1]}/cancel", {},
                    from_page=path, status=403)
    assert [b.uri for b in await bookings(client.app).of_asset(van.id)] == [held.uri]


async def test_register_form_mistakes_are_shown_and_nothing_is_stored(client, node) -> None:  # type: ignore[no-untyped-def]
    commitment = await funded_commitment(client, node, 1000)
    await set_password(client, "admin")
    await sign_in(client, "admin")
    bad = await post_form(client, ASSETS, {
        "name": "", "kind": "spaceship", "tenure": "owned", "commitment": commitment,
        "purchase": "12.345", "acquired": "yesterday", "reference": "", "keeper": node.alice.uri,
        "depreciation": "", "period": "month"}, status=422)
    text = await bad.text()
    for field in ("name", "kind", "purchase", "acquired", "reference"):
        assert f'id="{field}-error"' in text, field
    too_much = await post_form(client, ASSETS, {
        "name": "Van", "kind": "vehicle", "tenure": "owned", "commitment": commitment,
        "purchase": "20", "acquired": "2025-01-10", "reference": "inv", "keeper": node.alice.uri,
        "depreciation": "", "period": "month"}, status=422)
    assert "Nothing was registered" in await too_much.text()
    pool = await client.app[ACTORS].get("commons", "pool")
    assert await assets(client.app).of_pool(pool.id) == []


async def test_only_treasurers_register_and_only_members_book(client, node) -> None:  # type: ignore[no-untyped-def]
    path = await _register(client, node)
    await client.post("/signout", headers=HTML)
    client.session.cookie_jar.clear()
    html = await page(client, path)  # anonymous: the record is public, no forms
    assert "Cargo van" in html and "Book it" not in html and "Hand over" not in html
    await set_password(client, "alice")
    await sign_in(client, "alice")
    assert "Register an asset" not in await page(client, ASSETS)
    denied = await client.post(ASSETS, data={"name": "x"}, headers=HTML, allow_redirects=False)
    assert denied.status in (400, 403)


async def test_the_keeper_hands_the_asset_over(client, node) -> None:  # type: ignore[no-untyped-def]
    path = await _register(client, node)  # kept by alice; the admin is a steward
    await post_form(client, path + "/keeper", {"keeper": node.admin.uri}, from_page=path)
    pool = await client.app[ACTORS].get("commons", "pool")
    [van] = await assets(client.app).of_pool(pool.id)
    assert van.keeper_uri == node.admin.uri
    html = await page(client, path)
    assert "Hand-overs" in html and 'data-field="keeper">admin<' in html
    stranger = await post_form(client, path + "/keeper", {"keeper": "https://elsewhere.test/u/x"},
                               from_page=path, status=422)
    assert 'id="keeper-error"' in await stranger.text()


async def test_odd_booking_forms_are_refused_with_the_reason(client, node) -> None:  # type: ignore[no-untyped-def]
    path = await _register(client, node)
    cases = [({"start_date": "2030-02-30", "start_time": "09:00"}, 422, "start_date-error"),
             ({"start_time": "25:00"}, 422, "start_date-error"),
             ({"end_time": "x" * 300}, 422, "end_date-error"),
             ({"note": "n" * 501}, 422, "note-error"),
             ({"start_date": "2020-01-01", "end_date": "2020-01-01"}, 422, "form-errors"),
             ({"start_time": "09:00:30"}, 422, "form-errors")]
    for changes, status, marker in cases:
        form = {"start_date": DAY, "start_time": "09:00", "end_date": DAY, "end_time": "10:00",
                "note": "", **changes}
        answer = await post_form(client, path + "/bookings", form, from_page=path, status=status)
        assert f'id="{marker}"' in await answer.text(), changes
    pool = await client.app[ACTORS].get("commons", "pool")
    assert await bookings(client.app).count_of_pool(pool.id) == 0

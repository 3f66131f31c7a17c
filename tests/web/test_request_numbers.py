"""Every number a request carries in its path, query or form is read by one bounded parser
(node/request_numbers.py): a number too large for either database, or digits that are not
ASCII, is the route's 404 or a 400 with the reason, never a 500 (PostgreSQL's bigint overflows
where SQLite's int does not bind)."""

from __future__ import annotations

import pytest

from node.request_numbers import MAX_ROW_ID, whole_number
from tests.web.helpers import HTML, csrf_of, page, post_form, set_password, sign_in

pytestmark = pytest.mark.both_backends

HUGE = "9" * 30
TOO_LARGE = str(MAX_ROW_ID + 1)
NOT_ASCII = "\u00b2"  # "²": str.isdigit says yes, int() says no


def test_only_ascii_digits_within_the_bounds_are_numbers() -> None:
    assert whole_number("42") == 42 and whole_number(str(MAX_ROW_ID)) == MAX_ROW_ID
    for raw in (HUGE, TOO_LARGE, NOT_ASCII, "\u0663", "-1", "0", "", " 1", "1.0", None, 7):
        assert whole_number(raw) is None, raw
    assert whole_number("0", low=0) == 0 and whole_number("11", high=10) is None


@pytest.fixture
async def steward(client):  # type: ignore[no-untyped-def]
    await set_password(client, "admin")
    await sign_in(client, "admin")
    return client


@pytest.mark.parametrize("number", [HUGE, TOO_LARGE, NOT_ASCII])
@pytest.mark.parametrize("path, from_page", [
    ("/settings/tokens/{}/revoke", "/settings"),
    ("/pools/commons/invitations/{}/revoke", "/pools/commons/invitations"),
    ("/pools/commons/applicants/{}/admit", "/pools/commons/invitations"),
    ("/pools/commons/applicants/{}/reject", "/pools/commons/invitations"),
    ("/pools/commons/comments/{}/delete", "/pools/commons/invitations"),
])
async def test_a_number_in_a_path_that_no_row_can_have_is_a_404(steward, path, from_page, number) -> None:
    await post_form(steward, path.format(number), {"reason": "x"}, from_page=from_page, status=404)


@pytest.mark.parametrize("number", [HUGE, TOO_LARGE, NOT_ASCII, "-1", "x"])
async def test_a_number_in_a_query_or_form_that_is_none_is_a_400(steward, number) -> None:
    assert "notification number" in await page(steward, f"/notifications?before={number}", status=400)
    csrf = csrf_of(await page(steward, "/notifications"))
    resp = await steward.post("/notifications/read", data={"csrf": csrf, "id": number}, headers=HTML,
                              allow_redirects=False)
    assert resp.status == 400
    resp = await post_form(steward, "/pools/commons/invitations", {"days": number, "max_uses": number},
                           status=422)
    text = await resp.text()
    assert "whole number of days" in text and "whole number of people" in text

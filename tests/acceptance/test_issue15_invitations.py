"""Issue 15, "Onboarding": invite links (expiry, maximum uses, revocable), an account and an
application in one form, the minimum share due shown to the applicant and who has paid shown to
stewards; sign-up closed explains the ways in; a member who is not a steward cannot invite."""

from __future__ import annotations

import re

import pytest

from tests.acceptance.issue15_web import (
    Person,
    ServedNode,
    change_bylaws,
    node15,
    set_password,
    text_of,
)

__all__ = ["node15"]

pytestmark = pytest.mark.timeout(300)
_LINK = re.compile(r"(http://127\.0\.0\.1:\d+/invite/[A-Za-z0-9_-]+)")


async def make_link(steward: Person, **fields: str) -> str:
    status, _, html = await steward.post("/pools/commons/invitations",
                                         {"days": "14", "max_uses": "10", "note": "", **fields})
    assert status in (200, 201), (status, text_of(html)[:500])
    match = _LINK.search(html)
    assert match, text_of(html)[:500]
    return match[1]


async def accept(link: str, base: str, username: str, **extra: str) -> tuple[int, str, str]:
    async with Person(base) as person:
        page = await person.get(link, status=None)
        if person.last_status != 200:  # the link itself says it no longer works
            return person.last_status, link, page
        return await person.post(link, {"username": username, "display_name": extra.pop("display_name", ""),
                                        "password": "a long enough password", "password2": "a long enough password",
                                        **extra})


async def test_a_link_for_one_person_lets_one_person_in(node15: ServedNode) -> None:
    await set_password(node15.setup, "admin")
    async with Person(node15.url) as admin:
        await admin.sign_in("admin")
        link = await make_link(admin, days="3", max_uses="1")
        listing = await admin.get("/pools/commons/invitations")
        assert link.rsplit("/", 1)[1] not in listing, "the link is shown again after it was made"
        status, url, html = await accept(link, node15.url, "nuria", display_name="Nuria")
        assert status == 200, (status, text_of(html)[:600])
        # Used up: the second person is told so, and no account is made.
        status, _, html = await accept(link, node15.url, "pablo")
        assert 400 <= status < 500, status
        assert re.search(r"(?i)used|no longer|expired", text_of(html)), text_of(html)[:400]
        listing = text_of(await admin.get("/pools/commons/invitations"))
        assert "1 of 1" in listing and re.search(r"(?i)used up", listing), listing[:800]
        assert "Nuria" in listing or "nuria" in listing, "stewards do not see who applied"
    async with Person(node15.url) as pablo:
        status, url, _ = await pablo.post("/signin", {"username": "pablo", "password": "a long enough password"})
        assert status >= 400 or "/signin" in url, "an account was made through a used-up link"
    async with Person(node15.url) as nuria:
        await nuria.sign_in("nuria", "a long enough password")
        page = text_of(await nuria.get("/pools/commons/application"))
        assert re.search(r"(?i)steward", page), page[:400]


async def test_a_revoked_link_lets_nobody_in(node15: ServedNode) -> None:
    await set_password(node15.setup, "admin")
    async with Person(node15.url) as admin:
        await admin.sign_in("admin")
        link = await make_link(admin)
        listing = await admin.get("/pools/commons/invitations")
        action = re.search(r'action="(/pools/commons/invitations/\d+/revoke)"', listing)
        assert action, "no revoke button"
        status, _, _ = await admin.post(action[1], {}, from_page="/pools/commons/invitations")
        assert status == 200
        assert re.search(r"(?i)revoked", text_of(await admin.get("/pools/commons/invitations")))
    async with Person(node15.url) as visitor:
        await visitor.get(link, status=None)
        assert 400 <= visitor.last_status < 500
        status, _, _ = await accept(link, node15.url, "quim")
        assert 400 <= status < 500


@pytest.mark.parametrize("days,uses", [("0", "5"), ("-1", "5"), ("abc", "5"), ("100000", "5"),
                                       ("5", "0"), ("5", "-3"), ("5", "99999999999999999999")])
async def test_a_link_with_a_bad_expiry_or_count_is_refused_beside_the_field(node15: ServedNode, days: str, uses: str) -> None:
    await set_password(node15.setup, "admin")
    async with Person(node15.url) as admin:
        await admin.sign_in("admin")
        status, _, html = await admin.post("/pools/commons/invitations",
                                           {"days": days, "max_uses": uses, "note": "kept note"})
        assert 400 <= status < 500, (days, uses, status)
        assert "kept note" in html and "Traceback" not in html
        assert "/invite/" not in html
        assert "No invite links yet" in text_of(await admin.get("/pools/commons/invitations"))


async def test_a_member_who_is_not_a_steward_cannot_invite_or_see_the_links(node15: ServedNode) -> None:
    await set_password(node15.setup, "alice")
    async with Person(node15.url) as alice:
        await alice.sign_in("alice")
        await alice.get("/pools/commons/invitations", status=None)
        assert alice.last_status in (403, 404), alice.last_status
        token = await alice.csrf("/settings")
        status, _, html = await alice.post("/pools/commons/invitations",
                                           {"days": "3", "max_uses": "3", "note": ""}, csrf=token)
        assert status in (403, 404) and "/invite/" not in html, status


async def test_signup_closed_explains_the_ways_in(node15: ServedNode) -> None:
    async with Person(node15.url) as visitor:
        signin = text_of(await visitor.get("/signin"))
        await visitor.get("/signup", status=None)
        assert visitor.last_status == 403
        for words in ("invite link", "fediverse", "registrations open"):
            assert words in signin, (words, signin[:800])


async def test_the_minimum_share_is_shown_to_the_applicant_and_who_paid_to_stewards(node15: ServedNode) -> None:
    for name in ("admin", "alice"):
        await set_password(node15.setup, name)
    async with Person(node15.url) as admin, Person(node15.url) as alice:
        await admin.sign_in("admin")
        await alice.sign_in("alice")
        await change_bylaws(node15, [admin, alice], new_min_share="20.00")
        link = await make_link(admin, note="Pay to IBAN ES00 1234, reference your username.")
        async with Person(node15.url) as visitor:
            invite = text_of(await visitor.get(link))
        assert "20.00" in invite and "IBAN ES00 1234" in invite, invite[:900]
        status, _, html = await accept(link, node15.url, "rosa", display_name="Rosa")
        assert status == 200, text_of(html)[:500]
        async with Person(node15.url) as rosa:
            await rosa.sign_in("rosa", "a long enough password")
            mine = text_of(await rosa.get("/pools/commons/application"))
            assert "20.00" in mine and re.search(r"(?i)due|still|owe", mine), mine[:600]
        steward = text_of(await admin.get("/pools/commons/invitations"))
        assert "Rosa" in steward or "rosa" in steward
        # The treasurer confirms the payment in the ledger; stewards then see it as paid.
        ledger = await admin.get("/pools/commons/ledger")
        rosa_uri = re.search(r'<option value="([^"]+/users/rosa)"', ledger)
        assert rosa_uri, "the treasurer cannot record Rosa's share from the ledger page"
        status, _, html = await admin.post("/pools/commons/ledger/record", {
            "person": rosa_uri[1], "amount": "20.00", "reference": "transfer 88"},
            from_page="/pools/commons/ledger")
        assert status == 200, text_of(html)[:500]
        after = text_of(await admin.get("/pools/commons/invitations"))
        rosa_row = after[after.find("Applications"):]
        assert "20.00" in rosa_row and re.search(r"(?i)confirmed|paid", rosa_row), rosa_row[:600]

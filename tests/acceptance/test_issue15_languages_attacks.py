"""Issue 15, "Languages" and what an attacker tries: Spanish complete on the pages a member
visits, chosen by Accept-Language, ?lang and the setting, money by locale, the bylaws' review
note; CSRF, XSS in names and titles, open redirects through the language and sign-in links,
huge inputs, and forms a plain member must not reach."""

from __future__ import annotations

import re

import pytest

from tests.acceptance.issue15_web import (
    PASSWORD,
    Person,
    ServedNode,
    main_of,
    node15,
    set_password,
    text_of,
)
from tests.acceptance.test_issue15_invitations import accept, make_link
from tests.acceptance.test_issue15_money import record

__all__ = ["node15"]

pytestmark = pytest.mark.timeout(300)
PAGES = ("/", "/pools/commons", "/pools/commons/proposals", "/pools/commons/ledger",
         "/pools/commons/capital", "/pools/commons/invitations", "/pools/commons/leave",
         "/pools/commons/floods", "/pools/commons/discussions", "/settings")


def phrases(html: str) -> set[str]:
    """The texts between tags of a page's <main> that read as English words (3 or more)."""
    found = set()
    for chunk in re.split(r"<[^>]+>", main_of(html)):
        chunk = re.sub(r"\s+", " ", chunk).strip()
        if re.fullmatch(r"[0-9a-f]{8,}…?", chunk):
            continue  # a hash shown shortened (the ledger's entry hashes) is data, not words
        if len(re.findall(r"[A-Za-z]{2,}", chunk)) >= 3 and not re.search(r"https?://|@|\d{4}", chunk):
            found.add(chunk)
    return found


async def members(served: ServedNode) -> None:
    for name in ("admin", "alice"):
        await set_password(served.setup, name)


async def test_every_page_a_member_visits_is_in_spanish(node15: ServedNode) -> None:
    await members(node15)
    async with Person(node15.url) as en, Person(node15.url, lang="es-ES,es;q=0.9,en;q=0.5") as es:
        await en.sign_in("admin")
        await es.sign_in("admin")
        prop = await en.propose("commons", {"title": "Compra", "kind": "decision", "text": "x",
                                            "ballot_type": "ranked_choice", "options": "Uno\nDos"})
        await record(en, "alice", "1234.50", "ref")
        untranslated = {}
        for path in (*PAGES, prop, "/pools/commons/bylaws", "/signin"):
            english, spanish = await en.get(path), await es.get(path)
            assert '<html lang="es"' in spanish, path
            left = phrases(english) & phrases(spanish) - {"A shared fund for the club", "poolnode registrations open"}
            if left:
                untranslated[path] = sorted(left)[:5]
        ledger = text_of(await es.get("/pools/commons/ledger"))
    assert not untranslated, f"English left on Spanish pages: {untranslated}"
    assert "1.234,50" in ledger, "money is not written the Spanish way"


async def test_lang_parameter_cookie_and_setting_choose_the_language(node15: ServedNode) -> None:
    await members(node15)
    async with Person(node15.url) as visitor:
        assert '<html lang="es"' in await visitor.get("/pools/commons?lang=es")
        assert '<html lang="en"' in await visitor.get("/pools/commons")  # ?lang is for that page only
        await visitor.get("/language/es?next=/pools/commons")
        assert '<html lang="es"' in await visitor.get("/")
    async with Person(node15.url) as alice:
        await alice.sign_in("alice")
        settings = await alice.get("/settings")
        form = re.search(r'<form[^>]*action="([^"]*)"[^>]*>(?:(?!</form>).)*name="(lang|locale|language)"', settings, re.S)
        assert form, "Settings has no language form"
        status, _, _ = await alice.post(form[1], {form[2]: "es"}, from_page="/settings")
        assert status == 200
    async with Person(node15.url, lang="en") as other_browser:
        await other_browser.sign_in("alice")
        assert '<html lang="es"' in await other_browser.get("/pools/commons"), "the setting did not follow her"


async def test_spanish_bylaws_say_the_english_text_governs(node15: ServedNode) -> None:
    async with Person(node15.url, lang="es") as reader:
        html = await reader.get("/pools/commons/bylaws")
    assert re.search(r"(?i)ingl[eé]s", text_of(html)) and re.search(r"(?i)abogad|jurist|jur[ií]dic|legal", text_of(html))
    assert re.search(r'href="[^"]*lang=en', html), "no link to the English text"


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil.example",
                                    "http:evil.example", "\\\\evil.example", "/%2F%2Fevil.example"])
async def test_language_and_sign_in_links_never_send_you_off_site(node15: ServedNode, target: str) -> None:
    await members(node15)
    async with Person(node15.url) as visitor:
        async with visitor.session.get(node15.url + "/language/es", params={"next": target},
                                       allow_redirects=False) as resp:
            location = resp.headers.get("Location", "")
            assert resp.status < 500
            assert "evil.example" not in location or (location.startswith("/") and not location.startswith(
                ("//", "/\\"))), location
        html = await visitor.get("/signin?" + f"next={target}")
        token = re.search(r'name="csrf" value="([^"]+)"', html)
        assert token
        async with visitor.session.post(node15.url + "/signin", allow_redirects=False, data={
                "csrf": token[1], "next": target, "username": "alice", "password": PASSWORD}) as resp:
            location = resp.headers.get("Location", "")
            assert not re.match(r"(?i)^(https?:|//|/\\|\\\\|[a-z]+:)", location), location


async def test_a_form_without_its_csrf_token_changes_nothing(node15: ServedNode) -> None:
    await members(node15)
    async with Person(node15.url) as admin:
        await admin.sign_in("admin")
        for token in ("", "forged"):
            async with admin.session.post(node15.url + "/pools/commons/propose", data={
                    "csrf": token, "title": "Forged", "kind": "decision", "text": "x",
                    "ballot_type": "consent"}, allow_redirects=False) as resp:
                assert resp.status == 403, resp.status
        assert "Forged" not in await admin.get("/pools/commons/proposals")


async def test_names_titles_and_notes_are_shown_as_text_never_markup(node15: ServedNode) -> None:
    await members(node15)
    evil = '<img src=x onerror=alert(1)><script>alert(2)</script>'
    async with Person(node15.url) as admin:
        await admin.sign_in("admin")
        link = await make_link(admin, note=evil)
        status, _, _ = await accept(link, node15.url, "mallory", display_name=evil)
        assert status == 200
        prop = await admin.propose("commons", {"title": evil, "kind": "decision", "text": evil,
                                               "ballot_type": "single_choice", "options": f"{evil}\nB"})
        pages = [prop, "/pools/commons", "/pools/commons/proposals", "/pools/commons/invitations", "/",
                 "/pools/commons/ledger"]
        for path in pages:
            html = await admin.get(path)
            assert "<img src=x" not in html and "<script>alert" not in html, path
        async with Person(node15.url) as visitor:
            assert "<script>alert" not in await visitor.get(link)


@pytest.mark.parametrize("field,size", [("title", 10_000), ("text", 900_000), ("options", 5_000)])
async def test_huge_inputs_are_refused_with_a_reason(node15: ServedNode, field: str, size: int) -> None:
    await members(node15)
    fields = {"title": "Big", "kind": "decision", "text": "x", "ballot_type": "approval", "options": "A\nB"}
    fields[field] = "\n".join(f"o{i}" for i in range(size)) if field == "options" else "y" * size
    async with Person(node15.url) as admin:
        await admin.sign_in("admin")
        status, _, html = await admin.post("/pools/commons/propose", fields, from_page="/pools/commons/proposals")
        assert 400 <= status < 500, status
        assert "Traceback" not in html
        assert "/proposals/" not in await admin.get("/pools/commons/proposals") or "Big" not in text_of(
            await admin.get("/pools/commons/proposals"))


async def test_a_plain_member_cannot_use_the_treasurers_and_stewards_forms(node15: ServedNode) -> None:
    await members(node15)
    async with Person(node15.url) as admin, Person(node15.url) as alice:
        await admin.sign_in("admin")
        await make_link(admin)
        await alice.sign_in("alice")
        token = await alice.csrf("/settings")
        uri = node15.setup.alice.uri
        for path, data in (("/pools/commons/ledger/record", {"person": uri, "amount": "9.00", "reference": "self"}),
                           ("/pools/commons/invitations/1/revoke", {}),
                           ("/pools/commons/invitations", {"days": "3", "max_uses": "3", "note": ""})):
            status, _, _ = await alice.post(path, data, csrf=token)
            assert status in (403, 404), (path, status)
        assert "self" not in text_of(await admin.get("/pools/commons/ledger")).split("Record money")[0]
        assert re.search(r"(?i)\bopen\b", text_of(await admin.get("/pools/commons/invitations")))

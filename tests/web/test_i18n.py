"""Languages (issue 15): which language a page is in, and money, numbers, dates in it.

The order is ``?lang=`` (that page), the member's setting, the ``pn_lang`` cookie the language
links set, ``Accept-Language`` by q-value, English. Babel writes the numbers; integer minor
units become a Decimal only at display, so the text is exact.
"""

from __future__ import annotations

import ast
from datetime import timedelta
from fractions import Fraction
from pathlib import Path

import pytest

from governance.money import MAX_AMOUNT
from node.appkeys import ACTORS, WEB
from node.web.formats import parse_period, period_input
from node.web.i18n import ENGLISH, Languages, preferred, speaking
from node.web.localise import money, number, percent
from node.web.moments import relative, when
from tests.web.helpers import HTML, page, post_form, set_password, sign_in

ROOT = Path(__file__).resolve().parents[2]
SPANISH = {**HTML, "Accept-Language": "es-ES,es;q=0.9,en;q=0.8"}


def _spanish() -> object:
    found = Languages.load().get("es")
    assert found is not None
    return found


def test_accept_language_is_read_by_q_value_and_bounded() -> None:
    assert preferred("fr-CH, fr;q=0.9, en;q=0.8, de;q=0.7, *;q=0.5") == ["fr-CH", "fr", "en", "de", "*"]
    assert preferred("en;q=0.1, es;q=0.9") == ["es", "en"]
    assert preferred("es;q=0, en") == ["en"]  # q=0: not acceptable
    assert preferred("es;q=abc, <script>, en") == ["en"]  # malformed parts are dropped
    assert preferred("en;q=0.5, es;q=0.5") == ["en", "es"]  # ties keep their order
    assert len(preferred(",".join(["es"] * 5000))) == 16
    languages = Languages.load()
    assert languages.negotiate("es-ES,es;q=0.9,en;q=0.8").code == "es"
    assert languages.negotiate("fr, de;q=0.9").code == "en"
    assert languages.negotiate("fr, es;q=0.2, en;q=0.1").code == "es"
    assert languages.negotiate("en-GB, es").code == "en"
    assert languages.negotiate(None).code == "en"
    assert languages.get("ES_es") is not None and languages.get("x" * 40) is None


def test_money_and_numbers_in_each_language_are_exact() -> None:
    with speaking(ENGLISH):
        assert money(123450, "EUR") == "EUR 1,234.50"
        assert money(1234, "JPY") == "JPY 1,234" and money(1234567, "KWD") == "KWD 1,234.567"
        assert money(MAX_AMOUNT, "EUR") == "EUR 90,071,992,547,409.91"  # no float on the way
        assert number(12500) == "12,500" and percent(Fraction(2, 3)) == "67%"
    with speaking(_spanish()):  # type: ignore[arg-type]
        assert money(123450, "EUR") == "1.234,50\xa0EUR"
        assert money(5, "EUR") == "0,05\xa0EUR" and money(1234, "JPY") == "1.234\xa0JPY"
        assert money(MAX_AMOUNT, "EUR") == "90.071.992.547.409,91\xa0EUR"
        assert number(12500) == "12.500" and percent(Fraction(2, 3)) == "67\xa0%"


def test_dates_and_durations_in_each_language() -> None:
    moment = "2026-12-02T14:05:00Z"
    with speaking(ENGLISH):
        assert when(moment) == "Dec 2, 2026, 2:05\u202fPM UTC"
        assert period_input(timedelta(days=1, hours=12)) == "1 day 12 hours"
    with speaking(_spanish()):  # type: ignore[arg-type]
        assert when(moment) == "2 dic 2026, 14:05 UTC"
        assert relative("2026-12-02T17:30:00Z", when_now()) == "cierra en 3 horas"
        assert period_input(timedelta(days=1, hours=12)) == "1 día 12 horas"
        # What the form shows is read back, in Spanish (accents or not) and in English.
        for typed in ("1 día 12 horas", "1 dia y 12 horas", "36 hours", "36 horas"):
            assert parse_period(typed) == timedelta(hours=36), typed
        assert parse_period("7 días") == timedelta(days=7) and parse_period("7 semanas") is None


def when_now() -> object:
    from datetime import UTC, datetime

    return datetime(2026, 12, 2, 14, 0, tzinfo=UTC)


async def test_the_browser_language_picks_the_page_language(client) -> None:  # type: ignore[no-untyped-def]
    response = await client.get("/signin", headers=SPANISH)
    html = await response.text()
    assert response.status == 200 and '<html lang="es">' in html
    assert "Iniciar sesión" in html and "Sign in" not in html
    assert response.headers["Content-Language"] == "es"
    assert "Accept-Language" in response.headers["Vary"] and "Cookie" in response.headers["Vary"]
    english = await client.get("/signin", headers={**HTML, "Accept-Language": "de, en;q=0.5"})
    assert '<html lang="en">' in await english.text()
    # An error page and a form's errors come in the reader's language too.
    missing = await client.get("/nowhere", headers=SPANISH)
    assert missing.status == 404 and "Página no encontrada" in await missing.text()


async def test_the_language_links_set_a_cookie_without_javascript(client) -> None:  # type: ignore[no-untyped-def]
    response = await client.get("/language/es?next=/signin", allow_redirects=False)
    assert response.status == 303 and response.headers["Location"] == "/signin"
    assert response.cookies["pn_lang"].value == "es"
    html = await page(client, "/signin")  # Accept-Language is English, the cookie says Spanish
    assert '<html lang="es">' in html and 'href="/language/en?next=/signin"' in html
    assert "Iniciar sesión" in await page(client, "/?lang=xx")  # an unknown ?lang= is ignored
    assert "Sign in" in await page(client, "/signin?lang=en")  # ?lang= wins for that page
    away = await client.get("/language/en?next=//evil.example/", allow_redirects=False)
    assert away.headers["Location"] == "/"  # no open redirect
    unknown = await client.get("/language/tlh", headers=HTML, allow_redirects=False)
    assert unknown.status == 404


@pytest.mark.both_backends  # the member's setting is new storage (web_locales, 0019_user_locale)
async def test_a_members_setting_beats_the_browser_and_the_cookie(client) -> None:  # type: ignore[no-untyped-def]
    await set_password(client, "alice")
    await sign_in(client, "alice")
    settings = await page(client, "/settings")
    assert 'id="locale"' in settings and "The browser's language" in settings
    response = await post_form(client, "/settings/language", {"locale": "es", "next": "/settings"},
                               from_page="/settings")
    assert response.headers["Location"] == "/settings"
    alice = await client.app[ACTORS].get("alice", "member")
    assert await client.app[WEB].locale(alice.id) == "es"
    client.session.cookie_jar.update_cookies({"pn_lang": "en"})
    html = await page(client, "/")  # Accept-Language and cookie English: the setting wins
    assert '<html lang="es">' in html and "Cerrar sesión" in html
    assert '<html lang="en">' in await page(client, "/?lang=en")
    # Refused: a language the node does not have; nothing changes.
    await post_form(client, "/settings/language", {"locale": "tlh"}, from_page="/settings",
                    status=400)
    assert await client.app[WEB].locale(alice.id) == "es"
    # Back to the browser's language: the setting and the cookie go.
    await post_form(client, "/settings/language", {"locale": ""}, from_page="/settings")
    assert await client.app[WEB].locale(alice.id) is None
    assert '<html lang="en">' in await page(client, "/")


async def test_the_bylaws_in_spanish_say_the_english_text_governs(client) -> None:  # type: ignore[no-untyped-def]
    response = await client.get("/pools/commons/bylaws", headers=SPANISH)
    html = await response.text()
    assert "Estatutos de Commons" in html and "Un miembro, un voto" in html
    assert 'id="translation-note"' in html and "el texto que rige es el inglés" in html
    assert 'href="/pools/commons/bylaws?lang=en" hreflang="en"' in html
    english = await page(client, "/pools/commons/bylaws")
    assert 'id="translation-note"' not in english and "One member, one vote" in english
    # The Markdown and the ActivityStreams object stay the English text that governs.
    markdown = await client.get("/pools/commons/bylaws?format=md", headers={"Accept-Language": "es"})
    assert "# Bylaws of Commons" in await markdown.text()
    document = await client.get("/pools/commons/bylaws", headers={
        "Accept": "application/activity+json", "Accept-Language": "es"})
    assert "One member, one vote" in (await document.json())["content"]


async def test_form_errors_come_in_the_readers_language(client) -> None:  # type: ignore[no-untyped-def]
    await set_password(client, "alice")
    await sign_in(client, "alice")
    client.session.cookie_jar.update_cookies({"pn_lang": "es"})
    response = await post_form(client, "/pools/commons/propose",
                               {"title": "Taladro", "kind": "disbursement", "text": "Uno.",
                                "amount": "12,345", "payee": "Tienda"},
                               from_page="/pools/commons/proposals", status=422)
    html = await response.text()
    assert "EUR admite como mucho 2 decimales, p. ej. 30 o 12,50." in html
    assert "Escribe el importe que se va a gastar." in html


def test_no_module_that_translates_with_underscore_also_assigns_it() -> None:
    """``for _, x in ...`` in a function that calls ``_()`` makes ``_`` local there: a crash
    on the page that reaches the call (it happened). Throwaway names are spelled otherwise."""
    found = []
    for path in sorted((ROOT / "node" / "web").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        if not any(isinstance(n, ast.ImportFrom) and any(a.asname == "_" for a in n.names)
                   for n in ast.walk(tree)):
            continue
        found += [f"{path.name}:{n.lineno}" for n in ast.walk(tree)
                  if isinstance(n, ast.Name) and n.id == "_" and isinstance(n.ctx, ast.Store)]
    assert not found, found

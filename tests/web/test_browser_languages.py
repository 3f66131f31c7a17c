"""In Debian's Chromium (issue 15, languages): a browser set to Spanish gets Spanish pages; a
person signs up, makes a pool and a proposal in Spanish, sees amounts, dates and "closes in"
the Spanish way (the script keeps them Spanish), switches to English with the link at the foot
of the page or with their setting, which then follows them to another browser."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.web.axe_check import assert_accessible
from tests.web.browser import DESKTOP, PHONE, ServedNode, browser, served, shoot

__all__ = ["browser", "served"]

pytestmark = pytest.mark.browser
PASSWORD = "un secreto largo y compartido"
POOL = "/pools/huerto_de_la_calle_verde"


async def _context(browser: Any, locale: str, **options: Any) -> Any:
    context = await browser.new_context(locale=locale, viewport=DESKTOP, **options)
    context.set_default_timeout(30000)
    return context


async def _sign_up_in_spanish(page: Any, url: str) -> None:
    await page.goto(url + "/signup")
    assert await page.locator("html").get_attribute("lang") == "es"
    await page.get_by_label("Nombre de usuario").fill("lucia")
    await page.get_by_label("Tu nombre (opcional)").fill("Lucía")
    await page.get_by_label("Contraseña", exact=True).fill(PASSWORD)
    await page.get_by_label("La misma contraseña otra vez").fill(PASSWORD)
    await page.get_by_role("button", name="Crear mi cuenta").click()
    await page.wait_for_url(url + "/")


async def _pool_and_proposal_in_spanish(page: Any, url: str) -> None:
    await page.goto(url + "/create-pool")
    await page.get_by_label("Nombre del colectivo").fill("Huerto de la calle Verde")
    await page.get_by_label("¿Para qué es el colectivo?").fill("Semillas y herramientas.")
    await page.get_by_label("Aportación mínima").fill("12,50")
    await page.get_by_label("Dos tercios").check()
    await page.get_by_role("button", name="Crear el colectivo y ver sus estatutos").click()
    await page.wait_for_url("**" + POOL + "/bylaws?created=1")
    note = page.locator("#translation-note")
    assert "el texto que rige es el inglés" in await note.inner_text()
    bylaws = await page.locator("article.bylaws").inner_text()
    assert "Estatutos de Huerto de la calle Verde" in bylaws and "12,50\xa0EUR" in bylaws
    await assert_accessible(page, "bylaws in Spanish")
    await shoot(page, "bylaws-es")
    await page.goto(url + POOL + "/proposals")
    await page.get_by_label("Título").fill("Pintar el cobertizo")
    await page.get_by_label("¿Qué deciden los miembros?").fill("De azul.")
    await page.get_by_role("button", name="Abrir la propuesta").click()
    await page.wait_for_url("**" + POOL + "/proposals/*")


async def test_a_spanish_browser_gets_spanish_pages_and_can_switch(served: ServedNode,
                                                                  browser: Any) -> None:
    url = served.url
    spanish = await _context(browser, "es-ES", timezone_id="Europe/Madrid")
    lucia = await spanish.new_page()
    await lucia.goto(url + "/")
    assert await lucia.get_by_role("heading", level=1).inner_text() == \
        "Gestiona tu grupo como una pequeña cooperativa"
    await _sign_up_in_spanish(lucia, url)
    await _pool_and_proposal_in_spanish(lucia, url)

    # The proposal page: Spanish words, and the script keeps the time and "closes in" Spanish.
    meta = await lucia.locator("p.meta").first.inner_text()
    assert meta.startswith("Decisión · votación abierta hasta")
    assert re.search(r"\(cierra en \d+ días\)", meta), meta
    assert "UTC" not in await lucia.locator("p.meta time").first.inner_text()  # Madrid time now
    await lucia.get_by_label("A favor", exact=True).check()
    await lucia.get_by_role("button", name="Emitir mi voto").click()
    await lucia.wait_for_url("**#tally")
    assert "Has votado a favor." in await lucia.locator("#main").inner_text()
    await assert_accessible(lucia, "proposal in Spanish")
    await lucia.set_viewport_size(PHONE)
    width = await lucia.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the Spanish proposal page scrolls sideways ({width} px)"
    await shoot(lucia, "proposal-es")
    await lucia.set_viewport_size(DESKTOP)

    # Her setting: English. It follows her to another browser that asks for Spanish.
    await lucia.goto(url + "/settings")
    await lucia.get_by_label("Mostrar las páginas en").select_option("en")
    await lucia.get_by_role("button", name="Guardar el idioma").click()
    await lucia.wait_for_url(url + "/settings#language")
    assert await lucia.locator("html").get_attribute("lang") == "en"
    assert await lucia.get_by_role("heading", name="Settings for @lucia").is_visible()
    other = await (await _context(browser, "es-ES")).new_page()
    await other.goto(url + "/signin")
    assert await other.locator("html").get_attribute("lang") == "es"
    await other.get_by_label("Nombre de usuario").fill("lucia")
    await other.get_by_label("Contraseña", exact=True).fill(PASSWORD)
    await other.get_by_role("button", name="Iniciar sesión").click()
    await other.wait_for_url(url + "/")
    assert await other.get_by_role("heading", name="Needs your vote").is_visible()

    # A visitor without an account, without JavaScript: the link at the foot of the page.
    visitor = await (await _context(browser, "es-ES", java_script_enabled=False)).new_page()
    await visitor.goto(url + POOL)
    assert await visitor.get_by_role("heading", name="Reglas").is_visible()
    languages = visitor.get_by_role("navigation", name="Idioma")
    await languages.get_by_role("link", name="English").click()
    await visitor.wait_for_url(url + POOL)
    assert await visitor.get_by_role("heading", name="Rules").is_visible()
    await visitor.get_by_role("link", name="Read the full bylaws").click()
    assert await visitor.locator("#translation-note").count() == 0  # English: nothing to note
    assert await visitor.get_by_role("heading", name="1. Purpose").is_visible()
    await visitor.get_by_role("navigation", name="Language").get_by_role("link", name="Español").click()
    assert await visitor.get_by_role("heading", name="1. Finalidad").is_visible()

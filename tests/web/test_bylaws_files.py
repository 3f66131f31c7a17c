"""The bylaws as files: Markdown, HTML and PDF, per legal form and language, and their 4xx."""

from __future__ import annotations

import io
import json

import pytest
from pypdf import PdfReader

from governance import Bylaws
from governance.legal import LegalForm, LegalSettings
from node.appkeys import ACTORS, DB
from node.storage import BylawsVersionStore
from tests.web.helpers import HTML, page


async def _set_form(client, form: LegalForm) -> None:  # type: ignore[no-untyped-def]
    pool = await client.app[ACTORS].get("commons", "pool")
    bylaws = Bylaws(name="Commons", purpose="A shared fund for the club", currency="EUR",
                    legal=LegalSettings(form=form, registered_office="Calle Mayor 1, Zaragoza"))
    await BylawsVersionStore(client.app[DB]).found(pool.id, json.dumps(bylaws.to_dict()),
                                                   "2026-01-01T00:00:00Z")


def _pdf_text(data: bytes) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)


@pytest.mark.parametrize(("ext", "media", "disposition"), [
    ("md", "text/markdown", "attachment"), ("html", "text/html", "inline"),
    ("pdf", "application/pdf", "attachment")])
async def test_each_format_has_its_type_and_a_file_name(client, ext, media, disposition) -> None:  # type: ignore[no-untyped-def]
    response = await client.get(f"/pools/commons/bylaws.{ext}?form=uk_coop&lang=es")
    assert response.status == 200, await response.text()
    assert response.content_type == media
    assert response.headers["Content-Disposition"] == (
        f'{disposition}; filename="commons-bylaws-uk_coop-es.{ext}"')
    assert response.headers["Content-Language"] == "es"


async def test_the_markdown_is_the_legal_text_of_the_pools_own_form(client) -> None:  # type: ignore[no-untyped-def]
    await _set_form(client, LegalForm.DE_EG)
    text = await (await client.get("/pools/commons/bylaws.md")).text()
    assert text.startswith("# Articles of association (Satzung) of Commons eG\n")
    assert "**Not legal advice.**" in text and "Calle Mayor 1, Zaragoza" in text
    # Another form on request, in another language.
    text = await (await client.get("/pools/commons/bylaws.md?form=us_llc&lang=es")).text()
    assert text.startswith("# Acuerdo operativo (Operating Agreement) de Commons\n")


async def test_the_pdf_opens_and_has_the_pools_name(client) -> None:  # type: ignore[no-untyped-def]
    await _set_form(client, LegalForm.UK_COOP)
    for lang, words in (("en", "Not legal advice"), ("es", "Esto no es asesoramiento jurídico")):
        response = await client.get(f"/pools/commons/bylaws.pdf?lang={lang}")
        assert response.status == 200
        data = await response.read()
        assert data.startswith(b"%PDF-")
        text = " ".join(_pdf_text(data).split())
        assert "Commons" in text and words in text, text[:300]
        assert "Calle Mayor 1, Zaragoza" in text


async def test_the_html_document_stands_alone_in_its_language(client) -> None:  # type: ignore[no-untyped-def]
    html = await (await client.get("/pools/commons/bylaws.html?form=de_eg&lang=es")).text()
    assert html.startswith("<!doctype html>") and '<html lang="es">' in html
    assert "<title>Estatutos (Satzung) de Commons eG</title>" in html
    assert "<blockquote><p><strong>Esto no es asesoramiento jurídico.</strong>" in html


@pytest.mark.parametrize(("path", "code", "says"), [
    ("/pools/commons/bylaws.docx", "unknown_format", "md, html, pdf"),
    ("/pools/commons/bylaws.pdf?form=sarl", "unknown_form", "generic, us_llc, uk_coop, de_eg"),
    ("/pools/commons/bylaws.md?lang=fr", "unknown_language", "en, es"),
])
async def test_an_unknown_format_form_or_language_is_a_400_that_lists_them(client, path, code, says) -> None:  # type: ignore[no-untyped-def]
    response = await client.get(path)
    assert response.status == 400
    body = await response.json()
    assert body["code"] == code and says in body["error"], body
    # A browser gets the reason as a page.
    assert says in await page(client, path, status=400)


async def test_an_unknown_pool_is_a_404(client) -> None:  # type: ignore[no-untyped-def]
    assert (await client.get("/pools/nobody/bylaws.pdf")).status == 404


async def test_the_bylaws_page_offers_every_form_and_the_downloads(client) -> None:  # type: ignore[no-untyped-def]
    await _set_form(client, LegalForm.UK_COOP)
    html = await page(client, "/pools/commons/bylaws")
    assert "Rules of Commons" in html and "(the form these bylaws choose)" in html
    assert 'href="/pools/commons/bylaws.pdf?form=uk_coop&amp;lang=en"' in html
    assert 'href="/pools/commons/bylaws/history"' in html
    other = await page(client, "/pools/commons/bylaws?form=us_llc")
    assert "Operating Agreement of Commons" in other
    await page(client, "/pools/commons/bylaws?form=nothing", status=400)
    assert (await client.get("/pools/commons/bylaws", headers=HTML)).status == 200

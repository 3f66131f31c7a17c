"""A pool's bylaws as files: Markdown, a standalone HTML document, and PDF (WeasyPrint).

``GET /pools/NAME/bylaws.md`` (``.html``, ``.pdf``) serves the legal text of the pool's legal
form; ``?form=`` asks for another form (generic, us_llc, uk_coop, de_eg) and ``?lang=`` for
another language the node speaks. An unknown format, form or language is a 400 that says
which ones there are. The PDF is made in a worker thread, one at a time, and the last few are
kept: the same bylaws, form and language are not typeset twice.
"""

from __future__ import annotations

import asyncio
import hashlib
import threading
from collections import OrderedDict

from aiohttp import web

from governance import Bylaws
from governance.legal import LegalForm
from node.appkeys import ACTORS, LANGUAGES, TEMPLATES
from node.errors import InvalidRequest, NotFound
from node.pools import load_bylaws
from node.web.bylaws_words import legal_markdown
from node.web.i18n import LANG_QUERY, Language, current, speaking
from node.web.i18n import gettext as _

__all__ = ["FORMATS", "chosen_form", "chosen_language", "document_html", "pdf_bytes", "routes"]

routes = web.RouteTableDef()

FORMATS = {"md": "text/markdown", "html": "text/html", "pdf": "application/pdf"}
_KEPT_PDFS = 16
_pdfs: OrderedDict[str, bytes] = OrderedDict()
_typesetting = threading.Lock()


def chosen_form(request: web.Request, bylaws: Bylaws) -> LegalForm:
    """``?form=``, else the bylaws' own legal form; 400 for a form there is no template of."""
    raw = request.query.get("form")
    if raw is None or raw == "":
        return bylaws.legal.form
    if raw not in LegalForm.__members__.values():
        raise InvalidRequest(_("There is no legal form %(form)s: choose one of %(forms)s.",
                               form=repr(raw[:40]), forms=", ".join(f.value for f in LegalForm)),
                             code="unknown_form")
    return LegalForm(raw)


def chosen_language(request: web.Request) -> Language:
    """``?lang=``, else the request's language; 400 for a language the node does not speak."""
    raw = request.query.get(LANG_QUERY)
    if raw is None or raw == "":
        return current()
    found = request.app[LANGUAGES].get(raw)
    if found is None:
        codes = ", ".join(language.code for language in request.app[LANGUAGES].listed())
        raise InvalidRequest(_("This node has no language %(lang)s: choose one of %(langs)s.",
                               lang=repr(raw[:40]), langs=codes), code="unknown_language")
    return found


def document_html(request: web.Request, title: str, markdown: str, language: Language) -> str:
    """The text as a standalone, printable HTML document (what the PDF is typeset from)."""
    with speaking(language):
        return request.app[TEMPLATES].get_template("bylaws_document.html").render(
            {"title": title, "markdown": markdown, "language": language})


def _typeset(html: str) -> bytes:
    """Typeset in a worker thread, one document at a time (the lock is the thread's)."""
    from weasyprint import HTML  # imported on first use: pango loads once

    key = hashlib.sha256(html.encode()).hexdigest()
    with _typesetting:
        if key not in _pdfs:
            pdf = HTML(string=html).write_pdf()
            assert pdf is not None
            _pdfs[key] = bytes(pdf)
            while len(_pdfs) > _KEPT_PDFS:
                _pdfs.popitem(last=False)
        _pdfs.move_to_end(key)
        return _pdfs[key]


async def pdf_bytes(html: str) -> bytes:
    """The HTML document typeset as PDF, one at a time, the last few kept."""
    return await asyncio.to_thread(_typeset, html)


@routes.get(r"/pools/{name:[a-z0-9_]+}/bylaws.{ext:[A-Za-z0-9]{1,10}}", name="web.bylaws_file")
async def bylaws_file(request: web.Request) -> web.Response:
    """The bylaws of a pool as a Markdown, HTML or PDF file, in a legal form and a language."""
    ext = request.match_info["ext"].lower()
    if ext not in FORMATS:
        raise InvalidRequest(_("There is no bylaws format %(format)s: choose one of %(formats)s.",
                               format=repr(ext), formats=", ".join(FORMATS)), code="unknown_format")
    pool = await request.app[ACTORS].by_username(request.match_info["name"], "pool")
    if pool is None:
        raise NotFound(_("There is no pool called %(name)s on this node.",
                         name=repr(request.match_info["name"])))
    bylaws = await load_bylaws(request.app[ACTORS], pool)
    form = chosen_form(request, bylaws)
    language = chosen_language(request)
    markdown = legal_markdown(bylaws, form, language)
    filename = f"{pool.username}-bylaws-{form.value}-{language.code}.{ext}"
    headers = {"Content-Language": language.code, "X-Content-Type-Options": "nosniff",
               "Content-Disposition": f'attachment; filename="{filename}"'}
    if ext == "md":
        return web.Response(text=markdown, content_type=FORMATS[ext], charset="utf-8",
                            headers=headers)
    title = markdown.partition("\n")[0].lstrip("# ").strip()
    html = document_html(request, title, markdown, language)
    if ext == "html":
        headers["Content-Disposition"] = f'inline; filename="{filename}"'
        headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
        return web.Response(text=html, content_type=FORMATS[ext], charset="utf-8",
                            headers=headers)
    return web.Response(body=await pdf_bytes(html), content_type=FORMATS[ext], headers=headers)

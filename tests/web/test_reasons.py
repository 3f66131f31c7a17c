"""The English refusals of the node, its federation layer and its core, in the reader's language.

node.web.reasons lists the sentences from below node/web that reach a page as templates with
their values; the pages show them from the catalog. Each template must still be the words of
the code that says it (else it silently stops matching), and the pages must show them in
Spanish: a handle nobody answers for, a comment refused, a flood waiting for a pool, a form past
the size limit.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from node.web.floods import _pending_label
from node.web.i18n import ENGLISH, Language, Languages, speaking
from node.web.reasons import MAX_REASON_CHARS, NODE_REASONS, said, translated
from tests.web.helpers import HTML, page, post_form, set_password, sign_in

ROOT = Path(__file__).resolve().parents[2]
SPANISH = {**HTML, "Accept-Language": "es"}


def _spanish() -> Language:
    found = Languages.load().get("es")
    assert found is not None
    return found


def _said_in_code() -> list[re.Pattern[str]]:
    """Every string literal below node/web as a pattern: an f-string's values match any text."""
    patterns = []
    files = [*(ROOT / "governance").rglob("*.py"), *(ROOT / "federation").rglob("*.py"),
             *(p for p in (ROOT / "node").rglob("*.py") if "web" not in p.relative_to(ROOT).parts)]
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                patterns.append(re.compile(re.escape(node.value)))
            elif isinstance(node, ast.JoinedStr):
                patterns.append(re.compile("".join(
                    re.escape(part.value) if isinstance(part, ast.Constant) else ".+"
                    for part in node.values)))
    return patterns


def test_every_listed_reason_is_still_the_words_of_the_code() -> None:
    code = _said_in_code()
    filled = {template: re.sub(r"%\((\w+)\)d", "7", re.sub(r"%\((\w+)\)s", "qx", template))
              for template in NODE_REASONS}
    gone = [template for template, example in filled.items()
            if not any(pattern.fullmatch(example) for pattern in code)]
    assert not gone, f"no longer said below node/web (update node/web/reasons.py): {gone}"


def test_the_nodes_reasons_read_in_spanish_with_their_values() -> None:
    with speaking(_spanish()):
        assert said("there is nobody called @zed on this server") == \
            "no hay nadie llamado @zed en este servidor"
        assert said("a comment is at most 5000 characters") == \
            "un comentario tiene como mucho 5000 caracteres"
        # A value that is itself a known sentence is translated too; a name used twice must match.
        assert said("b.example did not tell us who @zed@b.example is (remote answered HTTP 503)") == \
            "b.example no nos dijo quién es @zed@b.example (el servidor remoto respondió HTTP 503)"
        assert translated("b.example did not tell us who @zed@c.example is (x)") is None
        # Not listed, or longer than a reason is: shown as it is.
        assert translated("the moon is made of cheese") is None
        assert said("the moon is made of cheese") == "the moon is made of cheese"
        long = "there is nobody called @" + "z" * MAX_REASON_CHARS + " on this server"
        assert translated(long) is None and said(long) == long
    with speaking(ENGLISH):
        assert said("its record could not be read: too many redirects") == \
            "its record could not be read: too many redirects"


def test_a_flood_waiting_for_a_pool_says_why_in_spanish() -> None:
    waiting = {"pool": "https://b.example/pools/orchard", "overdue": True,
               "reason": "its record could not be read: timed out fetching remote document"}
    with speaking(_spanish()):
        assert _pending_label(waiting) == (
            "https://b.example/pools/orchard (no se pudo leer su registro: se agotó el tiempo al "
            "obtener el documento remoto, con retraso)")
        assert _pending_label({**waiting, "reason": "not reconciled yet", "overdue": False}) == \
            "https://b.example/pools/orchard (aún sin conciliar)"


async def test_a_handle_nobody_answers_for_is_refused_in_spanish(client) -> None:  # type: ignore[no-untyped-def]
    await set_password(client, "alice")
    await sign_in(client, "alice")
    client.session.cookie_jar.update_cookies({"pn_lang": "es"})
    for person, expected in (("@nadie", "No hay nadie llamado @nadie en este servidor."),
                             ("@@x y", "'@@x y' no es un identificador: escribe @nombre o "
                                       "@nombre@servidor.")):
        response = await post_form(client, "/pools/commons/propose", {
            "title": "Cargo", "kind": "role_change", "person": person, "role": "steward",
            "role_change": "grant"}, from_page="/pools/commons/proposals", status=422)
        html = await response.text()
        assert expected.replace("'", "&#39;") in html, html[html.find('class="error"'):][:300]


async def test_a_form_past_the_size_limit_is_a_page_in_the_readers_language(small_limit_client) -> None:  # type: ignore[no-untyped-def]
    big = {"csrf": "x", "username": "a" * 5000}
    response = await small_limit_client.post("/signin", data=big, headers=SPANISH)
    html = await response.text()
    assert response.status == 413 and response.content_type == "text/html"
    assert "Lo enviado es más grande de lo que acepta este nodo." in html and '<html lang="es">' in html
    assert "Maximum request body size" not in html
    # A program still gets the node's JSON error.
    api = await small_limit_client.post("/signin", data=big, headers={"Accept": "application/json"})
    assert api.status == 413 and (await api.json())["code"] == "too_large"


@pytest.mark.both_backends
async def test_discussion_refusals_come_in_spanish(client) -> None:  # type: ignore[no-untyped-def]
    for user in ("alice", "admin"):
        await set_password(client, user)
    await sign_in(client, "alice")
    client.session.cookie_jar.update_cookies({"pn_lang": "es"})
    response = await post_form(client, "/pools/commons/propose", {
        "title": "Cortacésped", "kind": "decision", "text": "Compramos uno."},
        from_page="/pools/commons/proposals")
    url = str(response.headers["Location"])
    base = "http://node.test"
    refused = await post_form(client, "/pools/commons/comments", {"in_reply_to": base + url, "text": " "},
                              from_page=url, status=400)
    assert "Escribe algo primero." in await refused.text()
    nowhere = await post_form(client, "/pools/commons/comments", {"in_reply_to": base + "/x", "text": "a"},
                              from_page=url, status=404)
    assert "No existe ese hilo en este colectivo." in await nowhere.text()
    done = await post_form(client, "/pools/commons/comments", {"in_reply_to": base + url, "text": "¿Eléctrico?"},
                           from_page=url)
    comment = done.headers["Location"].rsplit("#comment-", 1)[1]
    # alice is no steward: the node's refusal, on the error page, in Spanish
    hide = f"/pools/commons/comments/{comment}/hide"
    response = await post_form(client, hide, {"reason": "anuncio"}, from_page=url, status=403)
    assert "solo un coordinador del colectivo puede ocultar o mostrar un comentario" in await response.text()
    await post_form(client, "/signout", {}, from_page="/")
    await sign_in(client, "admin")
    # The core's refusal, on the form that comes back with it.
    response = await post_form(client, hide, {"reason": " "}, from_page=url, status=422)
    assert "Di por qué se oculta el comentario: el motivo se muestra en su lugar." in await response.text()
    await page(client, f"/pools/commons/comments/{comment}/edit", status=403)
    forbidden = await client.get(f"/pools/commons/comments/{comment}/edit", headers=HTML)
    assert "Solo el autor de un comentario puede editarlo." in await forbidden.text()

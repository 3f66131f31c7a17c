"""Every page of the web app, read in a pseudo-locale: a string that is not translated shows.

The pages are found in the app's router (every ``web.`` GET route) and in the pages served by
content negotiation (node.web.NEGOTIATED_PAGES), so a page added later is read too; its URL's
parameters come from the world's samples, and a parameter without a sample fails the test (add
one to tests/web/i18n_world.py). Each page is read as a visitor, a member and a steward; then
every form is sent empty, so the pages that come back with errors are read too, and so are the
error pages. A fully translated page has no letter outside the pseudo-translated spans but the
test's own data.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web

from node.web import NEGOTIATED_PAGES
from node.web.i18n import LANG_COOKIE
from tests.web.helpers import HTML, csrf_of
from tests.web.i18n_world import DATA, OTHER, POOL, Browser, World, world
from tests.web.pseudo import PSEUDO, pseudo_language, pseudo_text, untranslated

pytestmark = pytest.mark.timeout(900)

_PARAM = re.compile(r"\{(\w+)(?::[^}]*)?\}")
# Sent last: they remove what the others read (a comment), or change who is signed in or who is
# a member.
_LAST = ("delete", "leave", "signout", "admit", "reject", "revoke", "join", "language")


@pytest.fixture
async def pseudo(tmp_path: Path) -> AsyncIterator[World]:
    async for made in world(tmp_path, {LANG_COOKIE: PSEUDO}, (pseudo_language(),)):
        yield made


def _templates(app: web.Application, method: str) -> list[str]:
    """The URL templates of the web app's pages for ``method``: router and negotiated pages."""
    found = []
    for route in app.router.routes():
        name = route.name or ""
        if route.method != method or not name.startswith("web.") or name == "web.static":
            continue
        info = route.resource.get_info() if route.resource is not None else {}
        found.append(str(info.get("formatter") or info.get("path")))
    if method == "GET":
        for pattern, _page in NEGOTIATED_PAGES:
            found.append(re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", pattern.pattern).strip("^$"))
    def late(template: str) -> int:
        return max((i + 1 for i, word in enumerate(_LAST) if word in template), default=0)

    return sorted(set(found), key=lambda t: (late(t), t))


def _paths(template: str, samples: dict[str, list[str]]) -> list[str]:
    names = _PARAM.findall(template)
    values = []
    for name in names:
        if name == "name":
            values.append(["qxana"] if template.startswith("/users/") else [POOL, OTHER])
            continue
        assert name in samples, f"no sample for {{{name}}} of {template}: add one to i18n_world.py"
        values.append(samples[name])
    paths = []
    for combination in itertools.product(*values):
        path = template
        for value in combination:
            path = _PARAM.sub(value, path, count=1)
        paths.append(path)
    return paths


async def _check(browser: Browser, method: str, path: str, failures: list[str], role: str,
                 data: dict[str, str] | None = None) -> int:
    if method == "GET":
        response = await browser.get(path)
    else:
        response = await browser.session.request(method, browser.client.make_url(path), data=data,
                                                 headers=HTML, allow_redirects=False)
    async with response:
        html = await response.text()
        if response.content_type == "text/html":
            assert response.headers.get("Content-Language") == PSEUDO, (method, path)
            pieces = untranslated(html, DATA)
            if pieces:
                failures.append(f"{role} {method} {path} ({response.status}): {pieces[:6]}")
        return response.status


def test_the_pseudo_locale_translates_every_word_and_keeps_the_placeholders() -> None:
    assert pseudo_text("Sign in") == "⟦Sígñ íñ⟧"
    assert pseudo_text('%(count)d of <a href="%(url)s">pools</a>') == \
        '⟦%(count)d óf <a href="%(url)s">póóls</a>⟧'
    assert untranslated("<p>⟦Sígñ íñ⟧ <code>abc</code> qxana 12 €</p>") == []
    assert untranslated("<p>⟦Sígñ íñ⟧ Sign in</p>") != []
    assert untranslated('<input placeholder="e.g. phone">') == ["input[placeholder]='e.g. phone'"]


async def _thread_states_are_on_the_pages(world: World) -> None:
    """The world shows every state a thread's comments and outcome can be in (so the pages
    read below show every sentence of the thread templates)."""
    steward, anonymous = world.steward, world.anonymous
    talk = await steward.text(world.pages["discussion"])
    for state in ("shown", "hidden", "collapsed", "deleted"):
        assert f'class="comment comment-{state}"' in talk, state
    assert 'class="replies"' in talk and "?after=" in talk and 'id="proposals-heading"' in talk
    assert 'action="/pools/qxgarden/discussions"' in await steward.text("/pools/qxgarden/discussions")
    assert 'class="card outcome"' in await anonymous.text(world.pages["outcome"])
    hidden = await anonymous.text(world.pages["hidden outcome"])
    assert 'id="outcome"' in hidden and "Qxred qxwon" not in hidden  # the reason shows instead
    assert 'name="outcome_of"' in await steward.text(world.pages["no outcome yet"])
    assert 'id="started-from"' in await anonymous.text(world.pages["from a discussion"])
    # qxorchard refuses replies from outside: qxben, no member there, is told only members post.
    closed_to_him = await world.member.text(world.pages["members only"])
    assert 'id="discussion-heading"' in closed_to_him and 'class="comment-form"' not in closed_to_him


async def test_every_page_is_translated(pseudo: World) -> None:
    app = pseudo.client.server.app
    await _thread_states_are_on_the_pages(pseudo)
    failures: list[str] = []
    read = 0
    for template in _templates(app, "GET"):
        for path in _paths(template, pseudo.samples):
            for role, browser in pseudo.browsers.items():
                await _check(browser, "GET", path, failures, role)
                read += 1
    assert read > 100, read
    assert not failures, "\n".join(failures)


async def test_error_pages_and_forms_sent_empty_are_translated(pseudo: World) -> None:
    app = pseudo.client.server.app
    failures: list[str] = []
    statuses = set()
    for role, browser in pseudo.browsers.items():
        statuses.add(await _check(browser, "GET", "/qx-nowhere", failures, role))
        statuses.add(await _check(browser, "PUT", "/signin", failures, role))
        for template in _templates(app, "POST"):
            for path in _paths(template, pseudo.samples):
                source = "/settings" if role != "anonymous" else "/signin"
                token = csrf_of(await browser.text(source))
                if "signout" in path or "leave" in path:
                    continue  # checked below, once everything else is read
                statuses.add(await _check(browser, "POST", path, failures, role, {"csrf": token}))
    stranger = Browser(pseudo.client, {LANG_COOKIE: PSEUDO})
    try:
        for _attempt in range(6):  # a wrong password, then too many attempts
            token = csrf_of(await stranger.text("/signin"))
            statuses.add(await _check(stranger, "POST", "/signin", failures, "stranger",
                                      {"csrf": token, "username": "qxben", "password": "qx-wrong"}))
    finally:
        await stranger.close()
    assert {400, 401, 403, 404, 405, 409, 422, 429} <= statuses, statuses
    assert not failures, "\n".join(failures)

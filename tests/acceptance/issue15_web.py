"""Issue 15 acceptance helpers: a node served on loopback and people who use it by its forms.

Black box: a person is an aiohttp session with cookies that reads pages and posts forms with
the CSRF token the page carries; accounts get passwords through the command line, as the README
says an operator does. The only hook into the node is ``close_due`` (the clock), as in the
project's own browser tests.
"""

from __future__ import annotations

import asyncio
import re
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from node.app import create_app
from node.pool_engine import close_due
from tests.conftest import NodeSetup, make_node
from tests.web.browser import CHROMIUM, CHROMIUM_ARGS, ServedNode, _free_port

__all__ = ["CHROMIUM", "CHROMIUM_ARGS", "HTML", "PASSWORD", "Person", "ServedNode", "close_all",
           "main_of", "serve_node", "set_password", "text_of"]

REPO = Path(__file__).resolve().parents[2]
HTML = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
PASSWORD = "correct horse battery staple"
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


async def cli(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    """Run ``poolnode ARGS`` the way the README shows it, without blocking the served node."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "node.cli", *args, cwd=REPO, stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(stdin.encode() if stdin else None), 120)
    return int(proc.returncode or 0), out.decode(), err.decode()


async def set_password(setup: NodeSetup, username: str, password: str = PASSWORD) -> None:
    """``poolnode member password --password-stdin`` (what the README lists)."""
    code, out, err = await cli("member", "password", "--data", str(setup.config.data_dir), username,
                               "--password-stdin", stdin=password + "\n")
    assert code == 0, (out, err)


async def serve_node(tmp_path: Path, **settings: object) -> AsyncIterator[ServedNode]:
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    settings.setdefault("allow_private_addresses", True)
    setup = await make_node(tmp_path / "data", base_url=url, **settings)
    app = create_app(setup.config)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    try:
        yield ServedNode(url, app, setup)
    finally:
        await runner.cleanup()


@pytest.fixture
async def node15(tmp_path: Path) -> AsyncIterator[ServedNode]:
    """A served node whose sign-up is closed (the default after ``poolnode init``)."""
    async for served in serve_node(tmp_path):
        yield served


async def close_all(served: ServedNode, days: int = 8) -> None:
    """Move the pool's clock past every open proposal's closing time."""
    await close_due(served.app, datetime.now(UTC) + timedelta(days=days))


def main_of(html: str) -> str:
    start, end = html.find("<main"), html.find("</main>")
    return html[start:end] if start >= 0 else html


def text_of(html: str) -> str:
    """The visible words of a page's <main> (tags dropped, spaces squeezed)."""
    body = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", main_of(html), flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body)).strip()


class Person:
    """Someone with a browser-like session (cookies, no JavaScript) on one node."""

    def __init__(self, base: str, lang: str = "en") -> None:
        self.base = base
        self.session = aiohttp.ClientSession(
            cookie_jar=aiohttp.CookieJar(unsafe=True),
            headers={**HTML, "Accept-Language": lang},
            timeout=aiohttp.ClientTimeout(total=60),
        )

    async def __aenter__(self) -> Person:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.session.close()

    def url(self, path: str) -> str:
        return path if path.startswith("http") else self.base + path

    async def get(self, path: str, status: int | None = 200, **kw: Any) -> str:
        async with self.session.get(self.url(path), **kw) as resp:
            text = await resp.text()
            if status is not None:
                assert resp.status == status, (path, resp.status, text[:600])
            self.last_status, self.last_headers = resp.status, resp.headers
            return text

    async def csrf(self, path: str) -> str:
        match = _CSRF.search(await self.get(path))
        assert match, f"{path} has no form with a CSRF token"
        return match[1]

    async def post(self, path: str, data: dict[str, Any] | list[tuple[str, str]], *,
                   from_page: str | None = None, csrf: str | None = None,
                   follow: bool = True) -> tuple[int, str, str]:
        """POST a form as a browser would; returns (status, final URL, HTML)."""
        token = csrf if csrf is not None else await self.csrf(from_page or path)
        fields = list(data.items()) if isinstance(data, dict) else list(data)
        async with self.session.post(self.url(path), data=[("csrf", token), *fields],
                                     allow_redirects=follow) as resp:
            return resp.status, str(resp.url), await resp.text()

    async def sign_in(self, username: str, password: str = PASSWORD) -> None:
        status, url, html = await self.post("/signin", {"username": username, "password": password})
        assert status == 200 and "/signin" not in url, (status, url, text_of(html)[:300])

    async def propose(self, pool: str, fields: dict[str, str] | list[tuple[str, str]]) -> str:
        """Make a proposal through the form; the new proposal's path."""
        status, url, html = await self.post(f"/pools/{pool}/propose", fields,
                                            from_page=f"/pools/{pool}/proposals")
        assert status == 200 and "/proposals/" in url, (status, url, text_of(html)[:800])
        return url.replace(self.base, "")

    async def vote(self, proposal: str, fields: dict[str, str] | list[tuple[str, str]]) -> str:
        status, url, html = await self.post(proposal + "/vote", fields, from_page=proposal)
        assert status == 200, (status, url, text_of(html)[:800])
        return html


BYLAWS_DEFAULTS = {
    "new_threshold_comparator": "more_than", "new_threshold": "1/2", "new_quorum": "1/2",
    "new_voting_period": "7 days", "new_admission": "steward", "new_min_share": "0.00",
    "new_visibility": "public", "new_outside_replies": "collapsed", "new_funding_wait": "90 days",
    "new_commitment_lapse": "", "new_amendment_comparator": "at_least", "new_amendment_threshold": "2/3",
}


async def change_bylaws(served: ServedNode, voters: list[Person], **changes: str) -> None:
    """The first voter proposes a bylaws change from the form; everyone agrees; the clock closes it."""
    fields = {"title": "New rules", "kind": "bylaws_change", "text": "", "ballot_type": "consent",
              **BYLAWS_DEFAULTS, **changes}
    prop = await voters[0].propose("commons", fields)
    for voter in voters:
        await voter.vote(prop, {"choice": "agree"})
    await close_all(served)
    page = text_of(await voters[0].get(prop))
    assert re.search(r"(?i)passed|adopted|in force", page), page[:600]

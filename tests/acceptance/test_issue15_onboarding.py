"""Issue 15, "Onboarding", as `make run` does it: `.venv/bin/poolnode init` prints a one-time
sign-in link that works once, hints that run as printed, the port it records (a later `serve`
listens there and says why), and `poolnode registrations open|close` opening /signup."""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.acceptance.issue15_web import REPO, Person, text_of
from tests.web.browser import _free_port

pytestmark = pytest.mark.timeout(300)


def run(cmd: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("POOLNODE_")}
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=120, env=env)


def serve(cwd: Path, cmd: list[str], port: int) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("POOLNODE_")}
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/nodeinfo/2.1", timeout=2).close()
            return proc
        except (urllib.error.URLError, OSError):
            time.sleep(0.2)
    proc.kill()
    raise AssertionError(f"serve did not listen on the recorded port {port}")


def stop(proc: subprocess.Popen[str]) -> str:
    proc.send_signal(signal.SIGTERM)
    try:
        out, _ = proc.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate(timeout=5)
    return out or ""


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """A directory laid out like a checkout after `make run` made its virtualenv."""
    (tmp_path / ".venv").symlink_to(REPO / ".venv")
    return tmp_path


async def test_make_run_style_init_link_works_once_and_hints_run_as_printed(workdir: Path) -> None:
    port = _free_port()
    init = run([".venv/bin/poolnode", "init", "--data", "./data", "--url", f"http://127.0.0.1:{port}",
                "--pool", "commons", "--admin", "admin", "--host", "127.0.0.1", "--port", str(port)], workdir)
    assert init.returncode == 0, init.stderr
    out = init.stdout
    link = re.search(rf"(http://127\.0\.0\.1:{port}/welcome/\S+)", out)
    assert link, out
    assert f"port = {port}" in (workdir / "data" / "poolnode.toml").read_text()
    serve_hint = re.search(r"serve\s+(\S*poolnode serve [^\n(]*?)\s+\(", out)
    again_hint = re.search(r"another link: ([^)]+)\)", out)
    assert serve_hint and again_hint, out
    # The serve hint, as printed, with no port: it listens on the recorded one and says so.
    proc = serve(workdir, shlex.split(serve_hint[1]), port)
    try:
        async with Person(f"http://127.0.0.1:{port}") as admin:
            page = await admin.get(link[1])
            assert "password" in page
            status, _, html = await admin.post(link[1], {"password": "a fine long password",
                                                           "password2": "a fine long password"})
            assert status == 200 and "sign out" in html.lower(), text_of(html)[:300]
        async with Person(f"http://127.0.0.1:{port}") as thief:
            await thief.get(link[1], status=None)
            assert 400 <= thief.last_status < 500, "the one-time link worked twice"
        async with Person(f"http://127.0.0.1:{port}") as admin:
            await admin.sign_in("admin", "a fine long password")
        again = run(shlex.split(again_hint[1]), workdir)
        assert again.returncode == 0 and "/welcome/" in again.stdout, (again.stdout, again.stderr)
    finally:
        log = stop(proc)
    assert str(port) in log and re.search(r"(?i)recorded", log), log


async def test_registrations_open_and_close_from_the_command_line(workdir: Path) -> None:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    assert run([".venv/bin/poolnode", "init", "--data", "./data", "--url", base], workdir).returncode == 0
    poolnode = [".venv/bin/poolnode"]
    status = run([*poolnode, "registrations", "status", "--data", "./data"], workdir)
    assert status.returncode == 0 and "closed" in status.stdout.lower(), status.stdout
    assert run([*poolnode, "registrations", "open", "--data", "./data"], workdir).returncode == 0
    proc = serve(workdir, [*poolnode, "serve", "--data", "./data"], port)
    try:
        async with Person(base) as visitor:
            html = await visitor.get("/signup")
            assert "password" in html
            status_code, url, page = await visitor.post("/signup", {
                "username": "newbie", "display_name": "Newbie", "password": "a fine long password",
                "password2": "a fine long password"})
            assert status_code == 200 and "/signup" not in url, text_of(page)[:400]
    finally:
        stop(proc)
    assert run([*poolnode, "registrations", "close", "--data", "./data"], workdir).returncode == 0
    proc = serve(workdir, [*poolnode, "serve", "--data", "./data"], port)
    try:
        async with Person(base) as visitor:
            page = await visitor.get("/signup", status=403)
            assert "invite" in text_of(page).lower()
    finally:
        stop(proc)
    bad = run([*poolnode, "registrations", "maybe", "--data", "./data"], workdir)
    assert bad.returncode != 0 and "Traceback" not in bad.stderr

"""Issue 14: PostgreSQL with the same guarantees as SQLite, for text PostgreSQL cannot hold.
PostgreSQL refuses the character U+0000 in text, which SQLite stores. Bad input must stay a
clear 4xx on PostgreSQL (never a 500), and whatever a stranger could store on a self-hosted
SQLite node must not keep that node from moving with ``migrate-db`` (docs/OPERATIONS.md,
"PostgreSQL", "Moving a self-hosted pool onto a provider"; COMMON: bad input is a 4xx)."""

from __future__ import annotations

import os
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.acceptance.issue14_env import Provider, call, cli, no_traceback, pg_url, sql
from tests.multinode.harness import FAST_DELIVERY, NodeProcess, free_port

__all__ = ["pg_url"]

pytestmark = pytest.mark.multinode

NUL_NAME = "Ana\x00Admin"


@pytest.fixture
def one_process(tmp_path: Path, pg_url: str) -> Iterator[Provider]:
    """One ``poolnode serve`` on PostgreSQL with open registrations."""
    found = Provider(tmp_path / "provider", pg_url, 1)
    found.processes[0].env["POOLNODE_OPEN_REGISTRATIONS"] = "true"
    found.processes[0].start()
    try:
        yield found
    finally:
        found.close()


def _sign_up(base_url: str, username: str, display_name: str) -> tuple[int, str]:
    """The /signup form, as a browser sends it (CSRF cookie and field from the page)."""
    with urllib.request.urlopen(base_url + "/signup", timeout=30) as resp:
        cookie = resp.headers["Set-Cookie"].split(";", 1)[0]
        page = resp.read().decode()
    token = re.search(r'name="csrf" value="([^"]+)"', page)
    assert token is not None, page[:500]
    form = urllib.parse.urlencode({
        "csrf": token.group(1), "next": "/", "username": username, "display_name": display_name,
        "password": "a long password", "password2": "a long password"}).encode()
    req = urllib.request.Request(base_url + "/signup", data=form, method="POST", headers={
        "Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"})
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def test_a_sign_up_with_a_nul_in_the_name_is_a_4xx_on_postgresql(
    one_process: Provider, pg_url: str
) -> None:
    process = one_process.processes[0]
    status, page = _sign_up(process.base_url, "stranger", NUL_NAME)
    assert status != 500 and "internal_error" not in page, (status, page[:300])
    if status >= 400:
        assert not sql(pg_url, "SELECT 1 FROM actors WHERE username = 'stranger'")
    # The node still serves sign-ups.
    status, _ = _sign_up(process.base_url, "neighbour", "Neighbour")
    assert status == 200


def test_a_follow_of_an_address_with_a_nul_is_a_4xx_on_postgresql(
    one_process: Provider, pg_url: str
) -> None:
    process = one_process.processes[0]
    target = "https://elsewhere.example/users/a\x00b"
    status, body = call(process, one_process.base_url, "POST", one_process.admin_id + "/outbox",
                        {"type": "Follow", "object": target, "to": [target]},
                        token=one_process.init["admin"]["token"])
    assert 400 <= status < 500, (status, body)
    assert not sql(pg_url, "SELECT 1 FROM follows")


def test_what_a_stranger_stored_on_a_sqlite_node_does_not_stop_migrate_db(
    tmp_path: Path, pg_url: str
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("POOLNODE_")}
    env.update(FAST_DELIVERY)
    env["POOLNODE_OPEN_REGISTRATIONS"] = "true"
    node = NodeProcess("self-hosted", tmp_path, free_port(), env)
    node.initialise()
    node.start()
    try:
        status, _ = _sign_up(node.base_url, "stranger", NUL_NAME)
    finally:
        node.stop()
    moved = cli("migrate-db", "--from", str(node.data_dir), "--to", pg_url)
    no_traceback(moved)
    if status == 200:  # the node took the sign-up: the move must carry it
        assert moved.returncode == 0 and "VERIFIED" in moved.stdout, moved.stderr[-800:]
    else:
        assert moved.returncode == 0, moved.stderr[-800:]

"""``database_url`` on the command line: ``init`` makes the node in the database the environment
(or ``--database-url``) names, as every other command reads it, and a URL that cannot be used
is a one-line error naming it, without its password (docs/OPERATIONS.md, "PostgreSQL")."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from node.cli import main
from node.storage.postgres import safe_url

pytestmark = pytest.mark.both_backends


def _cli(capsys: Any, *argv: str) -> tuple[int, dict[str, Any], str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    out = json.loads(captured.out) if "--json" in argv and captured.out.strip() else {}
    return code, out, captured.err


async def _run(capsys: Any, *argv: str) -> tuple[int, dict[str, Any], str]:
    return await asyncio.to_thread(_cli, capsys, *argv)


def _url(database_url: str, tmp_path: Path) -> str:
    """The test's PostgreSQL schema, or (on the SQLite run) a SQLite file outside the data dir."""
    return database_url or str(tmp_path / "elsewhere" / "node.sqlite3")


async def test_init_makes_the_node_in_the_database_the_environment_names(
        tmp_path, database_url, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    url = _url(database_url, tmp_path)
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.setenv("POOLNODE_DATABASE_URL", url)
    data = str(tmp_path / "data")
    code, made, err = await _run(capsys, "init", "--data", data, "--url", "http://127.0.0.1:8080",
                                 "--json")
    assert code == 0, err
    assert made["database"] == safe_url(url)
    code, listed, err = await _run(capsys, "pool", "list", "--data", data, "--json")
    assert code == 0 and [p["name"] for p in listed["pools"]] == ["commons"], err
    assert not (tmp_path / "data" / "poolnode.sqlite3").exists()
    # The password stays out of the file: the environment names the database for every command.
    assert 'database_url = ""' in (tmp_path / "data" / "poolnode.toml").read_text()
    if not database_url:
        assert Path(url).is_file()


async def test_init_records_a_database_url_given_on_the_command_line(
        tmp_path, database_url, capsys) -> None:  # type: ignore[no-untyped-def]
    url = database_url or "node.sqlite3"  # a relative path: inside the data directory
    data = str(tmp_path / "data")
    code, _, err = await _run(capsys, "init", "--data", data, "--url", "http://127.0.0.1:8080",
                              "--database-url", url)
    assert code == 0, err
    assert f'database_url = "{url}"' in (tmp_path / "data" / "poolnode.toml").read_text()
    code, listed, err = await _run(capsys, "pool", "list", "--data", data, "--json")
    assert code == 0 and [p["name"] for p in listed["pools"]] == ["commons"], err
    assert (tmp_path / "data" / "node.sqlite3").exists() == (not database_url)


async def test_init_refuses_a_database_that_holds_a_node(
        tmp_path, database_url, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    url = _url(database_url, tmp_path)
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.setenv("POOLNODE_DATABASE_URL", url)
    first = str(tmp_path / "first")
    assert (await _run(capsys, "init", "--data", first, "--url", "http://127.0.0.1:8080"))[0] == 0
    code, _, err = await _run(capsys, "init", "--data", str(tmp_path / "second"),
                              "--url", "http://127.0.0.1:9090")
    assert code == 1
    assert "already holds a node (actors of http://127.0.0.1:8080)" in err, err
    assert not (tmp_path / "second" / "poolnode.toml").exists()
    code, listed, _ = await _run(capsys, "member", "list", "--data", first, "--json")
    assert code == 0 and [m["id"].rsplit("/", 1)[1] for m in listed["members"]] == ["admin"]


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
@pytest.mark.parametrize(("change", "says"), [
    (lambda url: url.rsplit("=", 1)[0] + "=no_such_schema",
     "has no schema named by its search_path (no_such_schema)"),
    (lambda url: url.replace("@", "@[::1", 1), "is not a valid URL (Invalid IPv6 URL)"),
])
async def test_a_database_url_that_cannot_be_used_is_one_clear_line(
        tmp_path, database_url, capsys, monkeypatch, change, says) -> None:  # type: ignore[no-untyped-def]
    data = str(tmp_path / "data")
    assert (await _run(capsys, "init", "--data", data, "--url", "http://127.0.0.1:8080"))[0] == 0
    monkeypatch.setenv("POOLNODE_DATABASE_URL", change(database_url))
    for argv in (("pool", "list"), ("migrate",)):
        code, _, err = await _run(capsys, *argv, "--data", data)
        assert code == 1 and err.startswith("poolnode: error: ") and says in err, err
        assert err.count("\n") == 1

"""`poolnode migrate-db` refuses what it cannot copy faithfully, with a clear error and nothing
made or half-copied: no node to copy, a target holding data (another application's too), text
PostgreSQL cannot store, a copy that fails midway; and a broken chain names its entry."""

from __future__ import annotations

import asyncio
import json
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from node.cli import main
from node.storage import Database
from node.storage.nul_rows import check_removed, rows_with_nul
from tests.node.test_migrate_db import _busy_node

pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


def _cli(capsys: Any, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


async def _migrate(capsys: Any, source: Path, target: str) -> tuple[int, str, str]:
    return await asyncio.to_thread(_cli, capsys, "migrate-db", "--from", str(source), "--to", target)


async def _target_rows(url: str) -> dict[str, int]:
    """Every table of the target's schema and its row count."""
    conn = await asyncpg.connect(url)
    try:
        names = [r[0] for r in await conn.fetch(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()")]
        return {n: await conn.fetchval(f'SELECT count(*) FROM "{n}"') for n in names}
    finally:
        await conn.close()


def _sqlite(path: Path, *statements: str) -> None:
    conn = sqlite3.connect(path)
    try:
        for statement in statements:
            conn.execute(statement)
        conn.commit()
    finally:
        conn.close()


async def test_no_node_to_copy_is_an_error_that_creates_nothing(
        tmp_path, database_url, aiohttp_client, capsys) -> None:  # type: ignore[no-untyped-def]
    node, _, _ = await _busy_node(tmp_path, aiohttp_client)
    config_only, zero_bytes, empty = tmp_path / "config-only", tmp_path / "zero-bytes", tmp_path / "empty"
    for folder in (config_only, zero_bytes, empty):
        folder.mkdir()
    for folder in (config_only, zero_bytes):
        shutil.copy(node.config.data_dir / "poolnode.toml", folder / "poolnode.toml")
    (zero_bytes / "poolnode.sqlite3").touch()
    _sqlite(empty / "poolnode.sqlite3", "CREATE TABLE t (n)")  # a database, but no node's
    shutil.copy(node.config.data_dir / "poolnode.toml", empty / "poolnode.toml")
    for folder, says in ((tmp_path / "missing", "is not a poolnode data directory"),
                         (config_only, "poolnode.sqlite3 does not exist"),
                         (zero_bytes, "poolnode.sqlite3 is empty"),
                         (empty, "holds no node: nothing to copy")):
        code, out, err = await _migrate(capsys, folder, database_url)
        assert code == 1 and says in err and "VERIFIED" not in out, (folder.name, err)
        assert await _target_rows(database_url) == {}, folder.name
    assert not (tmp_path / "missing").exists()
    assert sorted(p.name for p in config_only.iterdir()) == ["poolnode.toml"]
    assert (zero_bytes / "poolnode.sqlite3").stat().st_size == 0
    conn = sqlite3.connect(empty / "poolnode.sqlite3")
    assert [r[0] for r in conn.execute("SELECT name FROM sqlite_master")] == ["t"]  # untouched
    conn.close()


@pytest.mark.parametrize(("other", "says"), [
    (["CREATE TABLE invoices (n integer)", "INSERT INTO invoices VALUES (1)"],
     "tables that are not poolnode's (invoices)"),
    (["CREATE TABLE invoices (n integer)"], "tables that are not poolnode's (invoices)"),
    (["CREATE TABLE schema_migrations (version varchar PRIMARY KEY)",
      "INSERT INTO schema_migrations VALUES ('20240101000000')"],
     "a schema_migrations table that is not poolnode's"),
])
async def test_a_target_holding_another_applications_tables_is_refused_and_left_as_it_was(
        tmp_path, database_url, aiohttp_client, capsys, other, says) -> None:  # type: ignore[no-untyped-def]
    node, _, _ = await _busy_node(tmp_path, aiohttp_client)
    conn = await asyncpg.connect(database_url)
    try:
        for statement in other:
            await conn.execute(statement)
    finally:
        await conn.close()
    before = await _target_rows(database_url)
    code, out, err = await _migrate(capsys, node.config.data_dir, database_url)
    assert code == 1 and "already holds data: " + says in err and "VERIFIED" not in out, err
    assert await _target_rows(database_url) == before


async def test_text_postgresql_cannot_store_is_named_row_by_row_before_anything_is_copied(
        tmp_path, database_url, aiohttp_client, capsys) -> None:  # type: ignore[no-untyped-def]
    node, _, _ = await _busy_node(tmp_path, aiohttp_client)
    source = node.config.data_dir / "poolnode.sqlite3"
    _sqlite(source, "UPDATE tokens SET label = 'laptop' || char(0) || 'old' WHERE id = 2",
            f"UPDATE actors SET display_name = 'Ana' || char(0) || 'Admin' WHERE id = {node.alice.id}")
    code, out, err = await _migrate(capsys, node.config.data_dir, database_url)
    assert code == 1 and "VERIFIED" not in out
    assert f"actors id {node.alice.id} (display_name); tokens id 2 (label). Run" in err, err
    assert "nothing was copied" in err and "--remove-nul" in err
    assert await _target_rows(database_url) == {}


async def test_remove_nul_copies_those_rows_without_it_and_checks_each(
        tmp_path, database_url, aiohttp_client, capsys) -> None:  # type: ignore[no-untyped-def]
    node, _, _ = await _busy_node(tmp_path, aiohttp_client)
    source = node.config.data_dir / "poolnode.sqlite3"
    _sqlite(source, "UPDATE tokens SET label = 'laptop' || char(0) || 'old' WHERE id = 2",
            f"UPDATE actors SET display_name = 'Ana' || char(0) || 'Admin' WHERE id = {node.alice.id}")
    argv = ("migrate-db", "--from", str(node.config.data_dir), "--to", database_url, "--remove-nul")
    code, out, err = await asyncio.to_thread(_cli, capsys, *argv, "--json")
    report = json.loads(out)
    assert code == 0 and report["ok"] is True, (report, err)
    assert report["nul_removed"] == [f"actors id {node.alice.id} (display_name)", "tokens id 2 (label)"]
    conn = await asyncpg.connect(database_url)
    try:
        assert await conn.fetchval("SELECT label FROM tokens WHERE id = 2") == "laptopold"
        assert await conn.fetchval("SELECT display_name FROM actors WHERE id = $1",
                                   node.alice.id) == "AnaAdmin"
        # The check compares each such row with its original: a changed copy is found.
        await conn.execute("UPDATE tokens SET revoked_at = 'now', label = 'laptop' WHERE id = 2")
    finally:
        await conn.close()
    src, dst = Database.for_config(node.config), Database.from_url(database_url, tmp_path)
    await src.open()
    await dst.open()
    try:
        assert await check_removed(src, dst, await rows_with_nul(src)) == [  # type: ignore[arg-type]
            "tokens id 2 (label): the copy is not the original without U+0000"]
    finally:
        await src.close()
        await dst.close()


async def test_a_copy_that_fails_midway_names_the_table_and_leaves_no_row(
        tmp_path, database_url, aiohttp_client, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    node, _, _ = await _busy_node(tmp_path, aiohttp_client)
    _sqlite(node.config.data_dir / "poolnode.sqlite3",
            "UPDATE tokens SET label = 'laptop' || char(0) WHERE id = 2")

    async def nothing_found(source: Any) -> list[Any]:
        return []  # as if the check before the copy had missed it: the copy itself fails

    monkeypatch.setattr("node.cli.database.rows_with_nul", nothing_found)
    code, out, err = await _migrate(capsys, node.config.data_dir, database_url)
    assert code == 1 and "VERIFIED" not in out
    assert "poolnode: error: copying table tokens failed, so nothing was copied" in err, err
    assert "Traceback" not in err
    rows = await _target_rows(database_url)
    assert rows and {t: n for t, n in rows.items() if n and t != "schema_migrations"} == {}
    monkeypatch.undo()
    _sqlite(node.config.data_dir / "poolnode.sqlite3", "UPDATE tokens SET label = 'laptop'")
    code, out, err = await _migrate(capsys, node.config.data_dir, database_url)
    assert code == 0 and "VERIFIED" in out, err


async def test_a_broken_chain_names_the_entry_as_the_ledger_numbers_it(
        tmp_path, database_url, aiohttp_client, capsys) -> None:  # type: ignore[no-untyped-def]
    node, _, _ = await _busy_node(tmp_path, aiohttp_client)
    source = node.config.data_dir / "poolnode.sqlite3"
    conn = sqlite3.connect(source)
    (document,) = conn.execute("SELECT document FROM ledger_entries WHERE sequence = 2").fetchone()
    altered = json.loads(document)
    for posting in altered["postings"]:
        posting["amount"] *= 3
    conn.execute("UPDATE ledger_entries SET document = ? WHERE sequence = 2", (json.dumps(altered),))
    conn.commit()
    conn.close()
    code, out, _ = await _migrate(capsys, node.config.data_dir, database_url)
    assert code == 1
    assert f"ledger {node.pool.uri}: the chain breaks at entry 2" in out.split("NOT VERIFIED")[1]

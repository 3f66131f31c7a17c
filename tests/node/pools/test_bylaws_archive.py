"""The bylaws archive: every version in force, the change that brought it in, and its diff."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from governance import Bylaws
from node.appkeys import ACTORS, DB
from node.pools import load_bylaws
from node.storage import BylawsVersionStore, Database
from node.storage import bylaws_versions as archive
from node.storage.database import migrations
from tests.node.pools.helpers import pass_bylaws_change
from tests.web.helpers import HTML

pytestmark = pytest.mark.both_backends
JSON = {"Accept": "application/json"}


async def _json(client: Any, path: str) -> Any:
    response = await client.get(path, headers=JSON)
    assert response.status == 200, await response.text()
    return await response.json()


async def _pass_change(client: Any, node: Any, **legal: Any) -> dict[str, Any]:
    current = (await load_bylaws(client.app[ACTORS], node.pool)).to_dict()
    new = {**current, "quorum": "1/3",
           "legal": {"form": "uk_coop", "registered_office": "1 Mill Lane, Leeds", **legal}}
    return await pass_bylaws_change(client, node, "Register as a society", new)


async def test_the_founding_bylaws_are_version_1(client, node) -> None:  # type: ignore[no-untyped-def]
    history = await _json(client, "/pools/commons/bylaws/history")
    assert [v["number"] for v in history["versions"]] == [1]
    assert history["versions"][0]["founding"] is True and history["versions"][0]["proposal"] is None
    first = await _json(client, "/pools/commons/bylaws/versions/1")
    assert first["bylaws"] == (await load_bylaws(client.app[ACTORS], node.pool)).to_dict()
    assert first["diff"] == "" and first["previous"] is None


async def test_a_passed_change_is_archived_with_its_proposal_and_its_diff(client, node) -> None:  # type: ignore[no-untyped-def]
    proposal = await _pass_change(client, node)
    history = await _json(client, "/pools/commons/bylaws/history")
    assert [v["number"] for v in history["versions"]] == [2, 1]
    newest = history["versions"][0]
    assert newest["proposal"] == proposal["id"] and newest["proposalTitle"] == "Register as a society"
    assert newest["proposalPage"] == "/pools/commons/proposals/" + proposal["id"].rsplit("/", 1)[1]
    second = await _json(client, "/pools/commons/bylaws/versions/2")
    assert second["bylaws"]["quorum"] == "1/3" and second["bylaws"]["legal"]["form"] == "uk_coop"
    # The diff of the rendered texts: the generic agreement out, the society's rules in.
    diff = second["diff"].splitlines()
    assert diff[:2] == ["--- version 1", "+++ version 2"]
    assert "-# Bylaws of Commons" in diff and "+# Rules of Commons" in diff
    assert any(line.startswith("+") and "The registered office is at 1 Mill Lane, Leeds." in line
               for line in diff)
    html = await (await client.get("/pools/commons/bylaws/versions/2", headers=HTML)).text()
    assert "<ins>+# Rules of Commons</ins>" in html and "<del>-# Bylaws of Commons</del>" in html
    assert f'href="{newest["proposalPage"]}"' in html
    page = await (await client.get("/pools/commons/bylaws/history", headers=HTML)).text()
    assert 'href="/pools/commons/bylaws/versions/2"' in page and "Register as a society" in page
    # The bylaws in force are the newest version.
    assert (await load_bylaws(client.app[ACTORS], node.pool)).to_dict() == second["bylaws"]


async def test_carrying_out_a_change_again_archives_it_once(client, node) -> None:  # type: ignore[no-untyped-def]
    versions = BylawsVersionStore(client.app[DB])
    changed = json.dumps(Bylaws(name="Commons", purpose="", currency="EUR").to_dict())
    uri = node.pool.uri + "/proposals/00000000-0000-0000-0000-000000000001"
    assert await versions.amend(node.pool.id, changed, uri, "2026-01-01T00:00:00Z") == 2
    assert await versions.amend(node.pool.id, changed, uri, "2026-01-02T00:00:00Z") == 2
    assert [v.number for v in await versions.versions(node.pool.id)] == [1, 2]


async def test_a_failed_archive_write_changes_nothing(client, node, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The bylaws in force and their version are one transaction: no version, no change."""
    before = await client.app[ACTORS].bylaws_json(node.pool.id)

    async def fail(*_args: Any) -> int:
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(archive, "_archive", fail)
    changed = json.dumps(Bylaws(name="Commons", purpose="changed", currency="EUR").to_dict())
    with pytest.raises(RuntimeError):
        await BylawsVersionStore(client.app[DB]).amend(
            node.pool.id, changed, node.pool.uri + "/proposals/x", "2026-01-01T00:00:00Z")
    assert await client.app[ACTORS].bylaws_json(node.pool.id) == before
    assert [v.number for v in await BylawsVersionStore(client.app[DB]).versions(node.pool.id)] == [1]


async def test_a_pool_without_versions_gets_its_bylaws_as_version_1_on_first_read(client, node) -> None:  # type: ignore[no-untyped-def]
    db: Database = client.app[DB]
    await db.execute("DELETE FROM bylaws_versions WHERE pool_id = ?", (node.pool.id,))
    current = await client.app[ACTORS].bylaws_json(node.pool.id)
    versions = await BylawsVersionStore(db).versions(node.pool.id)
    assert [(v.number, v.bylaws_json, v.proposal_uri) for v in versions] == [(1, current, None)]
    # A change then archives as version 2, after the founding one.
    proposal = await _pass_change(client, node)
    history = await _json(client, "/pools/commons/bylaws/history")
    assert [(v["number"], v["proposal"]) for v in history["versions"]] == [
        (2, proposal["id"]), (1, None)]


async def test_the_migration_gives_existing_pools_their_bylaws_as_version_1(node) -> None:  # type: ignore[no-untyped-def]
    """A database from before the archive: migration 27 makes each pool's bylaws version 1."""
    db = Database.for_config(node.config)
    await db.open()
    try:
        custom = json.dumps(Bylaws(name="Commons", purpose="older", currency="EUR").to_dict())
        await db.execute("UPDATE pools SET bylaws_json = ?", (custom,))
        # Back to schema 26: every table migration 27 and the later ones made goes, newest first.
        for step in reversed([m for m in migrations(db.dialect) if m.version >= 27]):
            for table in reversed(re.findall(r"CREATE TABLE (\w+)", step.sql)):
                await db.execute(f"DROP TABLE {table}")
            await db.execute("DELETE FROM schema_migrations WHERE version = ?", (step.version,))
    finally:
        await db.close()
    db = Database.for_config(node.config)
    await db.open()  # migrates again
    try:
        rows = await db.fetchall("SELECT * FROM bylaws_versions")
        assert [(r["pool_id"], r["number"], r["bylaws_json"], r["proposal_uri"]) for r in rows] == [
            (node.pool.id, 1, custom, None)]
        assert rows[0]["adopted_at"] == node.pool.created_at
    finally:
        await db.close()


async def test_unknown_versions_and_pools_are_404(client) -> None:  # type: ignore[no-untyped-def]
    for path in ("/pools/commons/bylaws/versions/9", "/pools/commons/bylaws/versions/0",
                 "/pools/nobody/bylaws/history", "/pools/nobody/bylaws/versions/1"):
        response = await client.get(path, headers=JSON)
        assert response.status == 404, path

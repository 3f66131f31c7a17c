"""Issue 18: ``poolnode verify URL`` against two real nodes, run as a separate process with HOME
and its working directory an empty temporary directory. A clean proposal, pool and flood
proposal hold (exit 0, a report matching schemas/json/verify-report.json); each forgery an
operator (who holds the pool's keys) or a stranger can make is named by the check that fails.
Every forgery here is signed by tests/acceptance/issue18_spec.py, not by the node's code."""

from __future__ import annotations

import json
import sqlite3
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from tests.acceptance import issue18_spec as spec
from tests.acceptance.issue18_live import Reader, run_verify, world_with_witnesses
from tests.multinode.harness import REPO, NodeProcess
from tests.multinode.verify_cluster import World, edited

pytestmark = pytest.mark.multinode

PRIVATE = "--allow-private-addresses"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with world_with_witnesses(tmp_path_factory.mktemp("i18verify")) as built:
        yield built


def _key(node: NodeProcess, actor: str) -> ed25519.Ed25519PrivateKey:
    (row,) = node.query("SELECT ed25519_private_pem FROM actors WHERE uri = ?", (actor,))
    key = load_pem_private_key(row[0].encode(), None)
    assert isinstance(key, ed25519.Ed25519PrivateKey)
    return key


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _proposal_row(world: World) -> int:
    (row,) = world.b.query("SELECT id FROM proposals WHERE uri = ?", (world.proposal,))
    return int(row[0])


def _ballot_rows(world: World) -> list[sqlite3.Row]:
    return world.b.query("SELECT * FROM ballots WHERE proposal_id = ?", (_proposal_row(world),))


def _insert_ballot(db: sqlite3.Connection, like: sqlite3.Row, document: dict[str, Any]) -> None:
    row = dict(like)
    row.pop("id")
    ballot = json.loads(row["ballot_json"])
    for name in ("id", "uri"):
        if name in ballot:
            ballot[name] = document["id"]
    for name in ("voter", "voter_uri", "attributedTo"):
        if name in ballot:
            ballot[name] = document["attributedTo"]
    row.update(uri=document["id"], voter_uri=document["attributedTo"], document=json.dumps(document),
               ballot_json=json.dumps(ballot))
    if "sequence" in row:  # the database's own uniqueness: an operator edits around it
        row["sequence"] = 1_000_000 + int(row["sequence"] or 0)
    db.execute(f"INSERT INTO ballots ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
               tuple(row.values()))


def test_clean_proposal_pool_and_flood_proposal_hold(world: World) -> None:
    for url, kind in ((world.proposal, "proposal"), (world.b.pool_id, "pool"),
                      (world.flood_proposal, "flood proposal")):
        run = run_verify(url, PRIVATE)
        assert (run.code, run.report["kind"], run.report["target"]) == (0, kind, url), run.verdicts("fail")
        assert run.report["requests"] > 0 and run.report["counts"]["pass"] > 3
    names = {c["check"] for c in run_verify(world.b.pool_id, PRIVATE, "--quiet").report["checks"]}
    assert {"ledger.chain", "ledger.head", "ledger.balances", "tally.recount",
            "flood.attestation.digest", "ballots.proofs"} <= names


def test_human_output_one_line_per_check_and_progress_on_stderr(world: World, tmp_path: Any) -> None:
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "node.cli", "verify", world.proposal, PRIVATE],
                          capture_output=True, text=True, cwd=tmp_path, timeout=120,
                          env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PYTHONPATH": str(REPO)})
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert any(line.strip().startswith("pass  tally.recount") for line in lines), lines
    assert done.stderr.strip(), "no progress on stderr"


def test_a_tally_signed_by_another_pools_key_fails_its_proof(world: World) -> None:
    tally = Reader().get(world.proposal + "/tally")
    # a's pool (another node's pool, whose key is real and published) signs b's tally as itself.
    other = spec.sign(tally, _key(world.a, world.a.pool_id), world.a.pool_id, _now())
    pid = _proposal_row(world)
    with edited(world.b, "tallies", "proposal_id = ?", (pid,), lambda db: db.execute(
            "UPDATE tallies SET document = ? WHERE proposal_id = ?", (json.dumps(other), pid))):
        run = run_verify(world.proposal, PRIVATE, "--quiet")
    assert run.code == 1
    assert "tally.proof" in run.verdicts("fail"), run.verdicts("fail")


def test_a_tally_signed_by_a_member_not_the_pool_fails_its_proof(world: World) -> None:
    tally = Reader().get(world.proposal + "/tally")
    by_bo = spec.sign(tally, _key(world.b, world.b.admin_id), world.b.admin_id, _now())
    pid = _proposal_row(world)
    with edited(world.b, "tallies", "proposal_id = ?", (pid,), lambda db: db.execute(
            "UPDATE tallies SET document = ? WHERE proposal_id = ?", (json.dumps(by_bo), pid))):
        run = run_verify(world.proposal, PRIVATE, "--quiet")
    assert run.code == 1 and "tally.proof" in run.verdicts("fail")


def test_a_ballot_from_a_non_member_is_named(world: World) -> None:
    """The operator slips in a genuine ballot by someone outside the electorate (a's pool: a
    real actor with its own real key): the pool lists it and even counts it."""
    rows = _ballot_rows(world)
    like = next(r for r in rows if r["voter_uri"] == world.b.admin_id)
    original = json.loads(like["document"])
    stranger = world.a.pool_id  # an actor with an Ed25519 key, not in b's electorate
    forged = spec.sign({**original, "id": world.a.base_url + "/ballots/" + uuid.uuid4().hex,
                        "attributedTo": stranger}, _key(world.a, stranger), stranger, _now())
    forged = {**forged}
    pid = _proposal_row(world)
    with edited(world.b, "ballots", "proposal_id = ?", (pid,), lambda db: _insert_ballot(db, like, forged)):
        run = run_verify(world.proposal, PRIVATE, "--quiet")
    assert run.code == 1, run.report
    failed = run.verdicts("fail")
    assert "ballots.rules" in failed, failed
    assert forged["id"] in json.dumps(failed["ballots.rules"]), failed["ballots.rules"]


def test_a_duplicated_ballot_with_one_sequence_is_named(world: World) -> None:
    """bo's ballot copied under a new id with the same sequence and another choice, signed by
    bo's own key: two different ballots of one voter with one sequence."""
    rows = _ballot_rows(world)
    like = next(r for r in rows if r["voter_uri"] == world.b.admin_id)
    original = json.loads(like["document"])
    twin = spec.sign({**original, "id": original["id"] + "-twin", "choice": ["block"]},
                     _key(world.b, world.b.admin_id), world.b.admin_id, original["proof"]["created"])
    pid = _proposal_row(world)
    with edited(world.b, "ballots", "proposal_id = ?", (pid,), lambda db: _insert_ballot(db, like, twin)):
        run = run_verify(world.proposal, PRIVATE, "--quiet")
    assert run.code == 1
    failed = run.verdicts("fail")
    assert "ballots.order" in failed, failed
    assert twin["id"] in json.dumps(failed["ballots.order"]) or twin["id"] in json.dumps(failed)


def test_a_ballot_re_signed_by_someone_else_is_named(world: World) -> None:
    """ana's ballot, changed to disagree and signed by bo (b's operator holds bo's key, not ana's)."""
    rows = _ballot_rows(world)
    row = next(r for r in rows if r["voter_uri"] == world.a.admin_id)
    original = json.loads(row["document"])
    unsigned = {k: v for k, v in original.items() if k != "proof"}
    forged = spec.sign({**unsigned, "choice": ["disagree"]}, _key(world.b, world.b.admin_id),
                       world.b.admin_id, _now())
    with edited(world.b, "ballots", "uri = ?", (row["uri"],), lambda db: db.execute(
            "UPDATE ballots SET document = ? WHERE uri = ?", (json.dumps(forged), row["uri"]))):
        run = run_verify(world.proposal, PRIVATE, "--quiet")
    assert run.code == 1 and "ballots.proofs" in run.verdicts("fail")


def test_an_electorate_re_digested_but_not_the_proposals_is_named(world: World) -> None:
    """A member struck off the electorate, its digest and size recomputed and re-signed: the
    electorate is consistent in itself but not the one the proposal froze."""
    (row,) = world.b.query("SELECT electorate_document FROM proposals WHERE uri = ?", (world.proposal,))
    electorate = json.loads(row[0])
    members = [m for m in electorate["members"] if m != world.a.admin_id]
    digest, size = spec.electorate_digest(members)
    shrunk = spec.sign({**electorate, "members": members, "electorateDigest": digest, "electorateSize": size},
                       _key(world.b, world.b.pool_id), world.b.pool_id, _now())
    with edited(world.b, "proposals", "uri = ?", (world.proposal,), lambda db: db.execute(
            "UPDATE proposals SET electorate_document = ? WHERE uri = ?", (json.dumps(shrunk), world.proposal))):
        run = run_verify(world.proposal, PRIVATE, "--quiet")
    assert run.code == 1
    failed = run.verdicts("fail")
    assert "electorate.proposal" in failed and "electorate.digest" not in failed, failed


def test_an_edited_ledger_entry_with_its_own_hash_recomputed_breaks_the_link(world: World) -> None:
    """Entry 1's amount edited, its entryHash recomputed by the spec and re-signed; entry 2
    still points at the old hash."""
    uri = world.b.pool_id + "/ledger/1"
    entry = Reader().get(uri)
    postings = [{**p, "amount": p["amount"] * 3} for p in entry["postings"]]
    changed = {**entry, "postings": postings}
    changed["entryHash"] = spec.entry_hash(changed)
    changed = spec.sign(changed, _key(world.b, world.b.pool_id), world.b.pool_id, _now())
    with edited(world.b, "ledger_entries", "uri = ?", (uri,), lambda db: db.execute(
            "UPDATE ledger_entries SET document = ? WHERE uri = ?", (json.dumps(changed), uri))):
        run = run_verify(world.b.pool_id, PRIVATE, "--quiet")
    assert run.code == 1
    chain = run.verdicts("fail")["ledger.chain"]
    assert chain["evidence"]["sequence"] == 2 and "previousHash" in json.dumps(chain["evidence"]), chain


def test_a_members_only_record_without_credentials_is_incomplete_not_a_pass(world: World) -> None:
    def members_only(db: sqlite3.Connection) -> None:
        (bylaws,) = db.execute("SELECT bylaws_json FROM pools").fetchone()
        db.execute("UPDATE pools SET bylaws_json = ?", (json.dumps({**json.loads(bylaws), "visibility": "members"}),))

    with edited(world.b, "pools", "1 = 1", (), members_only):
        run = run_verify(world.b.pool_id, PRIVATE, "--quiet")
    assert run.code == 2 and run.report["verdict"] == "incomplete"
    assert run.verdicts("error"), run.report


def test_a_withheld_attestation_after_the_close_is_not_a_pass(world: World) -> None:
    """a's operator deletes a's attestation of the flood proposal, closed more than a minute
    ago (beyond any grace): verify cannot say every check holds."""
    a = world.a
    closes = spec.instant(Reader().get(world.flood_proposal)["closesAt"])
    wait = (closes - datetime.now(UTC)).total_seconds() + 65
    if wait > 0:
        time.sleep(wait)  # the condition is the clock itself: the grace must be over
    where, params = "proposal_uri = ? AND pool_uri = ?", (world.flood_proposal, a.pool_id)
    with edited(a, "flood_attestations", where, params,
                lambda db: db.execute(f"DELETE FROM flood_attestations WHERE {where}", params)):
        key = spec.document_key(world.flood_proposal)
        assert Reader().status(f"{a.pool_id}/floods/attestations/{key}") == 404
        run = run_verify(world.flood_proposal, PRIVATE, "--quiet")
    assert run.code != 0, [c for c in run.report["checks"] if c["verdict"] != "pass"]


def test_a_withheld_flood_electorate_is_named(world: World) -> None:
    """a's operator withdraws a's flood electorate after the close: a's attestation still lists
    it as present, so the record contradicts itself."""
    a = world.a
    rows = a.query("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'flood%'")
    tables = [r[0] for r in rows]
    table = next((t for t in tables if "electorate" in t), None)
    if table is None:
        pytest.skip(f"no flood electorate table among {tables}")
    columns = [r[1] for r in a.query(f"PRAGMA table_info({table})")]
    column = "proposal_uri" if "proposal_uri" in columns else None
    if column is None:
        pytest.skip(f"{table} has no proposal_uri: {columns}")
    where, params = f"{column} = ?", (world.flood_proposal,)
    with edited(a, table, where, params, lambda db: db.execute(f"DELETE FROM {table} WHERE {where}", params)):
        run = run_verify(world.flood_proposal, PRIVATE, "--quiet")
    assert run.code != 0, run.report["checks"]


def test_a_tally_listing_a_ballot_twice_is_named(world: World) -> None:
    tally = Reader().get(world.proposal + "/tally")
    doubled = spec.sign({**tally, "ballots": sorted([*tally["ballots"], tally["ballots"][0]])},
                        _key(world.b, world.b.pool_id), world.b.pool_id, _now())
    pid = _proposal_row(world)
    with edited(world.b, "tallies", "proposal_id = ?", (pid,), lambda db: db.execute(
            "UPDATE tallies SET document = ? WHERE proposal_id = ?", (json.dumps(doubled), pid))):
        run = run_verify(world.proposal, PRIVATE, "--quiet")
    assert run.code == 1 and "tally.ballots" in run.verdicts("fail"), run.verdicts("fail")

"""``poolnode verify`` against real nodes: a clean pool, proposal and flood proposal hold (exit
0); each way an operator can tamper with the record (a dropped ballot, a forged tally, an
edited ledger row re-signed, an electorate that does not match its digest, a forged
attestation) makes it exit 1 naming the check that fails. One cluster serves the module: each
tamper is undone when its test ends."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from node.cli import main
from schemas import validation_errors
from tests.multinode.harness import REPO, Cluster
from tests.multinode.verify_cluster import World, build_world, edited, resigned

pytestmark = pytest.mark.multinode


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    cluster = Cluster(tmp_path_factory.mktemp("verify"))
    try:
        yield build_world(cluster)
    except BaseException:
        print(cluster.logs())
        raise
    finally:
        cluster.close()


def verify(capsys: pytest.CaptureFixture[str], url: str, *extra: str) -> tuple[int, dict[str, Any]]:
    """Run ``poolnode verify URL --json``; (exit code, the report)."""
    capsys.readouterr()
    code = main(["verify", url, "--json", "--quiet", "--allow-private-addresses", *extra])
    out = capsys.readouterr().out
    report = json.loads(out)
    assert validation_errors("verify-report", report) == []
    return code, report


def failing(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["check"]: c for c in report["checks"] if c["verdict"] == "fail"}


def test_a_clean_proposal_holds(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    code, report = verify(capsys, world.proposal)
    assert (code, report["verdict"], report["kind"]) == (0, "pass", "proposal"), report
    checks = {c["check"]: c for c in report["checks"]}
    assert checks["tally.recount"]["detail"].startswith("recounted 2 voters of 2: agree 2")
    assert {"proposal.proof", "electorate.digest", "ballots.proofs", "tally.ballots",
            "tally.final"} <= set(checks)


def test_a_clean_budget_round_holds(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    code, report = verify(capsys, world.round)
    assert code == 0, failing(report)
    checks = {c["check"]: c for c in report["checks"]}
    assert checks["round.result.recount"]["detail"].startswith("recounted: 500 of 1000 funded")
    assert checks["round.allocations"]["verdict"] == "pass"


def test_a_clean_pool_holds_with_its_ledger_and_floods(world: World) -> None:
    # The console command itself, as a person runs it: lines on stdout, progress on stderr.
    done = subprocess.run([sys.executable, "-m", "node.cli", "verify", world.b.pool_id,
                           "--allow-private-addresses"], capture_output=True, text=True,
                          cwd=REPO, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "every check holds" in done.stdout.splitlines()[-1]
    assert "pass  ledger.chain" in done.stdout and "pass  flood.attestation.digest" in done.stdout
    assert "ledger of " + world.b.pool_id in done.stderr


def test_a_clean_flood_proposal_holds_across_both_pools(world: World,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    code, report = verify(capsys, world.flood_proposal)
    assert (code, report["kind"]) == (0, "flood proposal"), report
    attested = [c["subject"] for c in report["checks"] if c["check"] == "flood.attestation.result"
                and c["verdict"] == "pass"]
    assert len(attested) == 2  # each pool's attestation
    (recount,) = [c for c in report["checks"] if c["check"] == "flood.recount"]
    assert "agree 1" in recount["detail"] and "disagree 1" in recount["detail"]


def test_a_dropped_ballot_is_named(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    (row,) = world.b.query("SELECT b.uri FROM ballots b JOIN proposals p ON p.id = b.proposal_id "
                           "WHERE p.uri = ? AND b.voter_uri = ?", (world.proposal, world.b.admin_id))
    dropped = row["uri"]
    with edited(world.b, "ballots", "uri = ?", (dropped,),
                lambda db: db.execute("DELETE FROM ballots WHERE uri = ?", (dropped,))):
        code, report = verify(capsys, world.proposal)
    assert code == 1 and report["verdict"] == "fail"
    found = failing(report)
    assert found["tally.ballots"]["evidence"]["missing"] == [dropped]
    differences = found["tally.recount"]["evidence"]["differences"]
    assert differences["participation"] == {"tally": 2, "recount": 1}


def test_a_forged_tally_is_named(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    tally = json.loads(world.b.query("SELECT t.document FROM tallies t JOIN proposals p ON "
                                     "p.id = t.proposal_id WHERE p.uri = ?", (world.proposal,))[0][0])
    forged = {**tally, "counts": {**tally["counts"], "agree": 1, "disagree": 1},
              "thresholdMet": False, "outcome": "rejected"}
    document = resigned(world.b, forged, world.b.pool_id)
    (row,) = world.b.query("SELECT id FROM proposals WHERE uri = ?", (world.proposal,))
    with edited(world.b, "tallies", "proposal_id = ?", (row["id"],), lambda db: db.execute(
            "UPDATE tallies SET document = ? WHERE proposal_id = ?", (document, row["id"]))):
        code, report = verify(capsys, world.proposal)
    assert code == 1
    found = failing(report)
    assert "tally.proof" not in found  # the pool's key signed the forgery
    differences = found["tally.recount"]["evidence"]["differences"]
    assert differences["outcome"] == {"tally": "rejected", "recount": "passed"}
    assert differences["counts"]["tally"]["agree"] == 1 and differences["counts"]["recount"]["agree"] == 2


def test_an_edited_ledger_row_re_signed_is_named(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    uri = world.b.pool_id + "/ledger/1"
    (row,) = world.b.query("SELECT document FROM ledger_entries WHERE uri = ?", (uri,))
    entry = json.loads(row["document"])
    assert entry["entryKind"] == "contribution"
    inflated = {**entry, "postings": [{**p, "amount": p["amount"] * 10} for p in entry["postings"]]}
    document = resigned(world.b, inflated, world.b.pool_id)
    with edited(world.b, "ledger_entries", "uri = ?", (uri,), lambda db: db.execute(
            "UPDATE ledger_entries SET document = ? WHERE uri = ?", (document, uri))):
        code, report = verify(capsys, world.b.pool_id)
    assert code == 1, [c for c in report["checks"] if c["verdict"] != "pass"]
    chain = failing(report)["ledger.chain"]
    assert chain["evidence"]["sequence"] == 1 and chain["evidence"]["field"] == "entryHash"
    assert chain["evidence"]["found"] == entry["entryHash"] != chain["evidence"]["expected"]
    assert "ledger.proofs" not in failing(report)


def test_an_electorate_that_does_not_match_its_digest_is_named(world: World,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    (row,) = world.b.query("SELECT electorate_document FROM proposals WHERE uri = ?", (world.proposal,))
    electorate = json.loads(row["electorate_document"])
    stuffed = {**electorate, "members": sorted([*electorate["members"], "https://elsewhere.example/users/mallory"])}
    document = resigned(world.b, stuffed, world.b.pool_id)
    with edited(world.b, "proposals", "uri = ?", (world.proposal,), lambda db: db.execute(
            "UPDATE proposals SET electorate_document = ? WHERE uri = ?", (document, world.proposal))):
        code, report = verify(capsys, world.proposal)
    assert code == 1
    digest = failing(report)["electorate.digest"]
    assert digest["evidence"]["found"] == electorate["electorateDigest"]
    assert digest["evidence"]["members"] == 3


def test_a_forged_attestation_is_named(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    a = world.a
    (row,) = a.query("SELECT document FROM flood_attestations WHERE proposal_uri = ? AND pool_uri = ?",
                     (world.flood_proposal, a.pool_id))
    attestation = json.loads(row["document"])
    forged = {**attestation, "counts": {**attestation["counts"], "agree": 2, "disagree": 0}}
    document = resigned(a, forged, a.pool_id)
    with edited(a, "flood_attestations", "proposal_uri = ? AND pool_uri = ?",
                (world.flood_proposal, a.pool_id), lambda db: db.execute(
                    "UPDATE flood_attestations SET document = ? WHERE proposal_uri = ? AND pool_uri = ?",
                    (document, world.flood_proposal, a.pool_id))):
        code, report = verify(capsys, world.flood_proposal)
    assert code == 1
    result = failing(report)["flood.attestation.result"]
    assert result["subject"] == attestation["id"]
    assert result["evidence"]["differences"]["counts"]["attestation"]["agree"] == 2


def test_a_members_only_pool_is_read_with_a_members_key(world: World, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    b = world.b

    def members_only(db: sqlite3.Connection) -> None:
        (bylaws,) = db.execute("SELECT bylaws_json FROM pools").fetchone()
        db.execute("UPDATE pools SET bylaws_json = ?", (json.dumps({**json.loads(bylaws),
                                                                  "visibility": "members"}),))

    (key,) = world.a.query("SELECT rsa_private_pem FROM actors WHERE uri = ?", (world.a.admin_id,))
    key_file = tmp_path / "ana.pem"
    key_file.write_text(key[0])
    # Someone with an account on a, in no pool of b's floods, may not read it.
    subprocess.run([sys.executable, "-m", "node.cli", "member", "add", "zed", "--data",
                    str(world.a.data_dir)], capture_output=True, cwd=REPO, env=world.a.env,
                   timeout=60, check=True)
    zed = world.a.admin_id.rsplit("/", 1)[0] + "/zed"
    (stranger,) = world.a.query("SELECT rsa_private_pem FROM actors WHERE uri = ?", (zed,))
    stranger_file = tmp_path / "zed.pem"
    stranger_file.write_text(stranger[0])
    with edited(b, "pools", "1 = 1", (), members_only):
        code, report = verify(capsys, world.proposal)
        assert code == 2 and report["verdict"] == "incomplete"
        assert "--key-file" in report["checks"][0]["detail"]
        code, report = verify(capsys, world.proposal, "--key-file", str(key_file),
                              "--key-id", world.a.admin_id + "#main-key")
        assert code == 0, failing(report)
        # bo's API token on b, the pool's own node, reads it too (and goes nowhere else).
        code, report = verify(capsys, world.proposal, "--token", b.token)
        assert code == 0, failing(report)
        code, report = verify(capsys, world.proposal, "--key-file", str(stranger_file),
                              "--key-id", zed + "#main-key")
        assert code == 2 and "may not read" in report["checks"][0]["detail"]

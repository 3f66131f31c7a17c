"""``poolnode verify`` uses the witnesses, against real node processes: two pools in a flood
witness each other, and verifying either passes ``ledger.witnessed``; once one operator rewrites
and re-signs its pool's ledger in the database, verifying it exits 1 naming ``ledger.witnessed``
before the witness's next check has raised any alarm, and still does when the operator also
deletes the witness's attestation from the pool's list (the witness's own record shows it);
once the witness checks, the conflict fails ``ledger.conflicts``, even after the operator
deletes it from the pool (the witness holds it, with entries the pool signed)."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from typing import Any

import pytest

from tests.multinode.harness import REPO, Cluster, NodeProcess, poll, set_voting_period
from tests.multinode.test_floods import _flood_pools, _pass_motion
from tests.multinode.test_verify import failing, verify
from tests.multinode.test_witnesses import _alarms, _attested, _book, _head
from tests.multinode.witness_tools import rewrite_ledger

pytestmark = pytest.mark.multinode

PERIOD = "600"  # seconds between a witness's checks: none falls due while the test runs


def _checks(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["check"]: c for c in report["checks"]}


def test_verify_catches_a_rewritten_ledger_through_its_witnesses(
        cluster: Cluster, capsys: pytest.CaptureFixture[str]) -> None:
    a = cluster.node("a", POOLNODE_WITNESS_INTERVAL=PERIOD)
    b = cluster.node("b", POOLNODE_WITNESS_INTERVAL=PERIOD)
    for node in (a, b):
        set_voting_period(node, 4)
    flood = a.pool_id + "/floods/pair"
    _pass_motion(a, proposalKind="join_flood", flood=flood, peer=b.pool_id)
    _pass_motion(b, proposalKind="join_flood", flood=flood, peer=a.pool_id)
    both = sorted([a.pool_id, b.pool_id])
    for node in (a, b):
        poll(lambda node=node: _flood_pools(node, flood) == both, 40, f"the flood at {node.name}")
    _book(b, 1000, 2000)
    poll(lambda: b.query("SELECT 1 FROM ledger_entries WHERE sequence = 2"), 20, "b's two entries")
    # A node syncs its witness links as its clock starts: each checks the other at once.
    b.restart()
    poll(lambda: _attested(b, a, a) == (0, "0" * 64), 30, "b's attestation of a's empty ledger")
    a.restart()
    attested = _head(b)
    poll(lambda: _attested(a, b, b) == attested, 30, "a's attestation of b, kept by b")

    for node in (a, b):
        code, report = verify(capsys, node.pool_id)
        assert code == 0, failing(report)
        checks = _checks(report)
        assert checks["ledger.witnessed"]["verdict"] == "pass", checks["ledger.witnessed"]
        assert checks["ledger.witnessing"]["verdict"] == "pass"
        assert checks["ledger.conflicts"]["verdict"] == "pass"
    assert "1 witness attested" in _checks(report)["ledger.witnessed"]["detail"]

    # b's operator edits entry 1, recomputes the chain and re-signs it with the pool's own key:
    # the ledger replays cleanly, and only a's attestation of entry 2 shows the rewrite.
    b.stop()
    rewrite_ledger(b, 1, 9000)
    b.start()
    rewritten = _head(b)
    assert rewritten[0] == attested[0] and rewritten[1] != attested[1]
    code, report = verify(capsys, b.pool_id)
    assert code == 1 and report["verdict"] == "fail"
    found = failing(report)
    assert set(found) == {"ledger.witnessed"}, found
    (contradicted,) = found["ledger.witnessed"]["evidence"]["contradicted"]
    assert (contradicted["witness"], contradicted["sequence"], contradicted["attestedHash"],
            contradicted["found"]) == (a.pool_id, attested[0], attested[1], rewritten[1])
    assert _alarms(a) == [] and _alarms(b) == []  # the witness has not checked again yet
    # As a person runs it: the failing line, and the evidence under it.
    done = subprocess.run([sys.executable, "-m", "node.cli", "verify", b.pool_id, "--quiet",
                           "--allow-private-addresses"], capture_output=True, text=True, cwd=REPO,
                          timeout=120)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "FAIL  ledger.witnessed" in done.stdout and f'"witness": "{a.pool_id}"' in done.stdout

    # The operator also drops a's attestation from b's list: a's own record still shows it.
    b.stop()
    with_row = b.query("SELECT uri FROM witness_attestations WHERE pool_uri = ?", (b.pool_id,))
    assert with_row
    _sql(b, f"DELETE FROM witness_attestations WHERE pool_uri = '{b.pool_id}'")
    b.start()
    code, report = verify(capsys, b.pool_id)
    assert code == 1
    checks = _checks(report)
    assert checks["ledger.witnesses"]["verdict"] == "pass"  # an empty list, honestly signed
    assert checks["ledger.witnessing"]["evidence"]["unlisted"] == [with_row[0]["uri"]]
    assert set(failing(report)) == {"ledger.witnessed"}
    assert _alarms(a) == []

    # a's next check falls due: it raises the alarm, which b keeps; verify names the conflict.
    a.stop()
    _sql(a, "UPDATE witness_links SET next_check_at = '2000-01-01T00:00:00Z'")
    a.start()
    poll(lambda: [r for r in _alarms(b) if r["role"] == "witnessed"], 30, "b keeps a's conflict")
    code, report = verify(capsys, b.pool_id)
    assert code == 1 and set(failing(report)) == {"ledger.witnessed", "ledger.conflicts"}
    (held,) = failing(report)["ledger.conflicts"]["evidence"]["conflicts"].values()
    assert (held["heldBy"], held["witness"], held["conflict"]) == ("the pool", a.pool_id, "rewritten")

    # The operator deletes the alarm too: a's record holds it, and b's own signatures prove it.
    b.stop()
    _sql(b, "DELETE FROM witness_alarms")
    b.start()
    code, report = verify(capsys, b.pool_id)
    assert code == 1 and set(failing(report)) == {"ledger.witnessed", "ledger.conflicts"}
    (kept,) = failing(report)["ledger.conflicts"]["evidence"]["conflicts"].values()
    assert kept["heldBy"] == a.pool_id and kept["shown"], kept


def _sql(node: NodeProcess, statement: str) -> None:
    """Run one statement on a stopped node's database, as its operator can."""
    assert node.proc is None
    conn = sqlite3.connect(node.data_dir / "poolnode.sqlite3")
    with conn:
        conn.execute(statement)
    conn.close()

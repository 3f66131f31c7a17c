"""``poolnode verify`` needs no data directory; wrong arguments and unreachable records are a
clear exit 2, never a traceback; the report's JSON form is the documented one."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from node.cli import main
from node.verify.report import Report
from schemas import validation_errors


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize(("argv", "message"), [
    (["ftp://pool.example/pools/commons"], "is not an http(s) URL"),
    (["https://pool.example/pools/commons", "--key-file", "k.pem"], "go together"),
    (["https://pool.example/pools/commons", "--key-file", "/nonexistent.pem", "--key-id", "x"],
     "cannot read the key file"),
])
def test_wrong_arguments_exit_2_with_the_reason(argv: list[str], message: str,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify", *argv]) == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize("bound", [["--timeout", "0"], ["--timeout", "nan"], ["--max-requests", "0"],
                                   ["--max-bytes", "-1"]])
def test_bounds_must_be_positive(bound: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["verify", "https://pool.example/pools/commons", *bound])
    assert exited.value.code == 2
    assert "must be" in capsys.readouterr().err


def test_an_unreachable_record_is_incomplete_not_a_pass(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)  # no data directory anywhere near
    url = f"http://127.0.0.1:{_closed_port()}/pools/commons"
    assert main(["verify", url, "--json", "--quiet", "--allow-private-addresses"]) == 2
    report = json.loads(capsys.readouterr().out)
    assert validation_errors("verify-report", report) == []
    assert report["verdict"] == "incomplete" and report["checks"][0]["check"] == "target"
    assert "could not connect" in report["checks"][0]["detail"]
    assert list(tmp_path.iterdir()) == []
    # Without --allow-private-addresses a loopback URL is refused, saying how to allow it.
    assert main(["verify", url, "--quiet"]) == 2
    assert "--allow-private-addresses" in capsys.readouterr().out


def test_the_verdict_and_exit_code_follow_the_worst_check() -> None:
    report = Report("https://pool.example/pools/commons")
    assert (report.verdict, report.exit_code) == ("incomplete", 2)  # nothing checked is no pass
    report.passed("ledger.chain", "x", "ok")
    report.skipped("tally.final", "x", "open")
    assert (report.verdict, report.exit_code) == ("pass", 0)
    report.error("ledger.balances", "x", "HTTP 500")
    assert (report.verdict, report.exit_code) == ("incomplete", 2)
    report.failed("tally.recount", "x", "differs", differences={"outcome": {"tally": "passed",
                                                                           "recount": "rejected"}})
    assert (report.verdict, report.exit_code) == ("fail", 1)
    data = report.to_dict("2025-03-08T12:00:00Z")
    assert validation_errors("verify-report", data) == []
    assert data["counts"] == {"pass": 1, "fail": 1, "skip": 1, "error": 1}
    lines = report.lines()
    assert "  FAIL  tally.recount" in "\n".join(lines)
    assert 'differences: {"outcome": {"tally": "passed", "recount": "rejected"}}' in "\n".join(lines)
    assert lines[-1].endswith("the record does NOT hold")

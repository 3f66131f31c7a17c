"""``poolnode worker`` and ``serve --no-workers`` split a node's work over processes, which
only a database several processes share allows: on SQLite both refuse, saying why
(tests/multinode/test_worker_process.py runs them on PostgreSQL)."""

from __future__ import annotations

from pathlib import Path

import pytest

from node.cli import main


@pytest.fixture
def data(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    data_dir = tmp_path / "data"
    assert main(["init", "--data", str(data_dir), "--url", "http://127.0.0.1:8080", "--json"]) == 0
    capsys.readouterr()
    return data_dir


@pytest.mark.parametrize("argv", [["worker"], ["serve", "--no-workers"]])
def test_splitting_the_work_refuses_a_sqlite_database(data: Path, argv: list[str],
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*argv, "--data", str(data)]) == 1
    err = capsys.readouterr().err
    assert "needs a database several processes share" in err and "postgresql://" in err
    assert "Traceback" not in err

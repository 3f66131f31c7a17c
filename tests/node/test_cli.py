"""The poolnode command line: every command, its --json output, and its errors."""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from node.cli import main

POOLNODE = [sys.executable, "-m", "node.cli"]


def run(capsys, *argv: str) -> tuple[int, dict]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, json.loads(captured.out) if captured.out.strip() else {}


@pytest.fixture
def data(tmp_path, capsys) -> Path:
    data_dir = tmp_path / "data"
    code, out = run(capsys, "init", "--data", str(data_dir), "--url", "http://127.0.0.1:8080", "--json")
    assert code == 0
    assert out["pool"]["id"] == "http://127.0.0.1:8080/pools/commons"
    assert out["admin"]["token"].startswith("pn_")
    return data_dir


def test_init_prints_pool_token_and_curl(tmp_path, capsys):
    code = main(["init", "--data", str(tmp_path / "d"), "--url", "http://127.0.0.1:8080/", "--pool", "garden"])
    out = capsys.readouterr().out
    assert code == 0
    assert "http://127.0.0.1:8080/pools/garden" in out
    assert "token  pn_" in out
    assert "curl -H 'Accept: application/activity+json' http://127.0.0.1:8080/pools/garden" in out
    assert "member signin-link" in out and "/welcome/" in out
    assert stat.S_IMODE((tmp_path / "d").stat().st_mode) == 0o700
    for path in (tmp_path / "d").iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def test_init_refuses_an_existing_node(data, capsys):
    code = main(["init", "--data", str(data), "--url", "http://127.0.0.1:8080"])
    assert code == 1
    assert "already holds a node" in capsys.readouterr().err


def test_init_rejects_a_bad_url_and_leaves_nothing(tmp_path, capsys):
    code = main(["init", "--data", str(tmp_path / "d"), "--url", "not a url"])
    assert code == 1
    assert "absolute http(s) URL" in capsys.readouterr().err
    assert not (tmp_path / "d" / "poolnode.toml").exists()


def test_pools_members_and_tokens(data, capsys):
    code, out = run(capsys, "pool", "create", "--data", str(data), "garden", "--purpose", "Seeds", "--json")
    assert code == 0 and out["id"].endswith("/pools/garden")
    code, out = run(capsys, "pool", "list", "--data", str(data), "--json")
    assert [p["name"] for p in out["pools"]] == ["commons", "garden"]
    assert out["pools"][0]["members"] == 1

    code, out = run(
        capsys, "member", "add", "--data", str(data), "bob", "--pool", "garden", "--role", "treasurer", "--json"
    )
    assert code == 0
    assert out["roles"] == ["member", "treasurer"] and out["token"].startswith("pn_")
    code, out = run(capsys, "member", "list", "--data", str(data), "--pool", "garden", "--json")
    assert [m["id"] for m in out["members"]] == ["http://127.0.0.1:8080/users/bob"]

    code, out = run(capsys, "token", "create", "--data", str(data), "bob", "--label", "phone", "--json")
    token_id = out["token_id"]
    code, out = run(capsys, "token", "list", "--data", str(data), "bob", "--json")
    assert [t["label"] for t in out["tokens"]] == ["created with the account", "phone"]
    code, out = run(capsys, "token", "revoke", "--data", str(data), "bob", "--id", str(token_id), "--json")
    assert out["revoked"] == 1
    code, out = run(capsys, "token", "revoke", "--data", str(data), "bob", "--id", str(token_id), "--json")
    assert code == 1 and "no live token" in out["error"]
    code, out = run(capsys, "token", "revoke", "--data", str(data), "bob", "--all", "--json")
    assert out["revoked"] == 1


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["pool", "create", "Bad Name!"], "invalid name"),
        (["pool", "create", "commons"], "already taken"),
        (["member", "add", "carol", "--pool", "nowhere"], "no pool named 'nowhere'"),
        (["token", "create", "nobody"], "no member named 'nobody'"),
        (["token", "revoke", "admin"], "--id N"),
    ],
)
def test_errors_are_clear_and_exit_1(data, capsys, argv, words):
    code = main([*argv[:2], "--data", str(data), *argv[2:]])
    assert code == 1
    assert words in capsys.readouterr().err


def test_commands_on_a_missing_data_directory(tmp_path, capsys):
    code = main(["pool", "list", "--data", str(tmp_path / "none")])
    assert code == 1
    assert "node.cli init --data" in capsys.readouterr().err  # the command as it ran here


def test_migrate_reports_the_schema_version(data, capsys):
    code, out = run(capsys, "migrate", "--data", str(data), "--json")
    assert code == 0 and out["applied"] == [] and out["schema_version"] >= 1


@pytest.mark.parametrize(
    "argv",
    [[], ["init"], ["serve"], ["migrate"], ["backup"], ["restore"], ["pool", "create"], ["pool", "list"], ["member", "add"],
     ["member", "list"], ["proposal", "list"], ["ledger"], ["token", "create"], ["token", "revoke"], ["token", "list"]],
)
def test_every_command_has_help(argv):
    result = subprocess.run([*POOLNODE, *argv, "--help"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0
    assert "usage: poolnode" in result.stdout


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_refuses_a_changed_base_url(data):
    env = {**os.environ, "POOLNODE_BASE_URL": "http://127.0.0.1:9999"}
    result = subprocess.run(
        [*POOLNODE, "serve", "--data", str(data)], capture_output=True, text=True, env=env, timeout=60
    )
    assert result.returncode == 1
    assert "created for http://127.0.0.1:8080" in result.stderr


def test_serve_answers_webfinger_and_stops_cleanly(tmp_path, capsys):
    port = _free_port()
    data = tmp_path / "served"
    assert main(["init", "--data", str(data), "--url", f"http://127.0.0.1:{port}"]) == 0
    proc = subprocess.Popen(
        [*POOLNODE, "serve", "--data", str(data), "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    try:
        url = f"http://127.0.0.1:{port}/.well-known/webfinger?resource=acct:commons@127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(url, timeout=5) as resp:
                    doc = json.load(resp)
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.1)
        assert doc["links"][0]["href"] == f"http://127.0.0.1:{port}/pools/commons"
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert b"serving http://127.0.0.1" in err


def test_serve_on_a_port_in_use_says_so_without_a_traceback(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        data = tmp_path / "busy"
        assert main(["init", "--data", str(data), "--url", f"http://127.0.0.1:{port}"]) == 0
        result = subprocess.run([*POOLNODE, "serve", "--data", str(data)],
                                capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr and "--port N" in result.stderr
    assert "Traceback" not in result.stderr


def test_pool_with_an_unknown_currency_is_refused(data, capsys):
    code = main(["pool", "create", "--data", str(data), "garden", "--currency", "EURO"])
    assert code == 1
    assert "currency" in capsys.readouterr().err


def test_backup_and_restore_round_trip(data, tmp_path, capsys):
    code, out = run(capsys, "backup", "--data", str(data), str(tmp_path / "bk"), "--json")
    assert code == 0 and out["schema_version"] >= 1
    assert stat.S_IMODE((tmp_path / "bk").stat().st_mode) == 0o700
    code, out = run(capsys, "backup", "--data", str(data), str(tmp_path / "bk"), "--json")
    assert code == 1 and "already exists" in out["error"]
    restored = tmp_path / "restored"
    code, out = run(capsys, "restore", "--data", str(restored), str(tmp_path / "bk"), "--json")
    assert code == 0
    code, out = run(capsys, "pool", "list", "--data", str(restored), "--json")
    assert [p["name"] for p in out["pools"]] == ["commons"]
    code, out = run(capsys, "restore", "--data", str(data), str(tmp_path / "bk"), "--json")
    assert code == 1 and "not empty" in out["error"]
    code, out = run(capsys, "restore", "--data", str(tmp_path / "x"), str(tmp_path), "--json")
    assert code == 1 and "not a poolnode backup" in out["error"]

"""Onboarding from the command line (issue 15): init ends with a one-time sign-in link, printed
hints run as printed, the port is recorded and serve says which it uses, registrations open
and close from the CLI."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from node.cli import main
from node.cli.common import poolnode_command
from node.cli.server import listening_notice
from node.config import load_config

ROOT = Path(__file__).resolve().parents[2]
VENV_POOLNODE = Path(sys.executable).parent / "poolnode"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_init_ends_with_a_one_time_signin_link(tmp_path, capsys) -> None:
    assert main(["init", "--data", str(tmp_path / "d"), "--url", "http://127.0.0.1:8080"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert re.fullmatch(r"  http://127\.0\.0\.1:8080/welcome/[A-Za-z0-9_-]{40,}", lines[-2])
    assert "member signin-link" in lines[-1]
    assert "poolnode member password" not in "\n".join(lines)  # not runnable outside the venv


def test_the_command_in_hints_is_the_one_that_ran(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".venv" / "bin").mkdir(parents=True)
    script = tmp_path / ".venv" / "bin" / "poolnode"
    script.write_text("#!/bin/sh\n")
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    assert poolnode_command(str(script)) == ".venv/bin/poolnode"
    script.chmod(0o755)
    monkeypatch.setenv("PATH", str(script.parent))
    assert poolnode_command(str(script)) == "poolnode"  # on PATH: the short name works
    assert poolnode_command("/somewhere/pytest") == f"{sys.executable} -m node.cli"


@pytest.mark.skipif(not VENV_POOLNODE.exists(), reason="needs the venv's console script")
def test_printed_hints_work_as_printed_outside_the_venv(tmp_path) -> None:
    # As after `make run`: the script is .venv/bin/poolnode and the venv is not on PATH.
    work = tmp_path / "project"
    (work / ".venv").mkdir(parents=True)
    (work / ".venv" / "bin").symlink_to(VENV_POOLNODE.parent)
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    init = subprocess.run([".venv/bin/poolnode", "init", "--data", "data", "--url",
                           "http://127.0.0.1:8080"], cwd=work, env=env, capture_output=True,
                          text=True, timeout=120)
    assert init.returncode == 0, init.stderr
    hint = re.search(r"\(another link: (.+)\)", init.stdout)
    assert hint and hint[1].startswith(".venv/bin/poolnode ")
    again = subprocess.run(shlex.split(hint[1]), cwd=work, env=env, capture_output=True,
                           text=True, timeout=120)
    assert again.returncode == 0, again.stderr
    assert "/welcome/" in again.stdout


def test_init_records_the_port_of_a_loopback_url(tmp_path, capsys) -> None:
    assert main(["init", "--data", str(tmp_path / "d"), "--url", "http://127.0.0.1:18080"]) == 0
    assert load_config(tmp_path / "d", {}).port == 18080
    assert main(["init", "--data", str(tmp_path / "e"), "--url", "https://pools.example"]) == 0
    assert load_config(tmp_path / "e", {}).port == 8080  # behind a proxy
    assert main(["init", "--data", str(tmp_path / "f"), "--url", "https://pools.example",
                 "--port", "9001", "--host", "0.0.0.0"]) == 0
    config = load_config(tmp_path / "f", {})
    assert (config.host, config.port) == ("0.0.0.0", 9001)
    assert main(["init", "--data", str(tmp_path / "g"), "--url", "https://pools.example",
                 "--port", "0"]) == 1
    assert "from 1 to 65535" in capsys.readouterr().err
    assert not (tmp_path / "g").exists()  # nothing made


def test_serve_says_where_its_port_comes_from(tmp_path, capsys) -> None:
    assert main(["init", "--data", str(tmp_path / "d"), "--url", "http://127.0.0.1:18080"]) == 0
    config = load_config(tmp_path / "d", {})
    assert "port 18080 recorded in" in listening_notice(config, None, None)
    moved = load_config(tmp_path / "d", {"POOLNODE_PORT": "9000"})
    told = listening_notice(moved, None, "9000")
    assert "from POOLNODE_PORT=9000" in told and "careful" in told and "18080" in told
    assert "from --port 9000" in listening_notice(moved, 9000, None)


def test_a_later_serve_listens_on_the_recorded_port(tmp_path, capsys) -> None:
    port = _free_port()
    data = tmp_path / "served"
    assert main(["init", "--data", str(data), "--url", f"http://127.0.0.1:{port}"]) == 0
    env = {k: v for k, v in os.environ.items() if k != "POOLNODE_PORT"}
    proc = subprocess.Popen([sys.executable, "-m", "node.cli", "serve", "--data", str(data)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/nodeinfo/2.1", timeout=5):
                    break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.1)
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=30)
    assert f"port {port} recorded in".encode() in err


def test_make_run_passes_the_port_to_init_and_only_an_explicit_one_to_serve(tmp_path) -> None:
    if shutil.which("make") is None:
        pytest.fail("make is missing")
    data = tmp_path / "data"

    def dry(*extra: str) -> str:
        result = subprocess.run(["make", "-s", "-n", "run", f"DATA={data}", *extra], cwd=ROOT,
                                capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        return result.stdout

    first = dry("PORT=18080")
    assert '--url "http://127.0.0.1:18080"' in first and 'init' in first
    assert re.search(r'poolnode init .*--port "18080"', first, re.S)
    assert re.search(r'poolnode serve .*--port "18080"', first)  # told on the command line
    later = [line for line in dry().splitlines() if "poolnode serve" in line]
    assert later and "--port" not in later[0]  # not told: the recorded port


def test_registrations_open_and_close_from_the_cli(tmp_path, capsys, monkeypatch) -> None:
    monkeypatch.delenv("POOLNODE_OPEN_REGISTRATIONS", raising=False)
    data = tmp_path / "d"
    assert main(["init", "--data", str(data), "--url", "http://127.0.0.1:8080"]) == 0
    before = (data / "poolnode.toml").read_text()
    capsys.readouterr()
    assert main(["registrations", "status", "--data", str(data)]) == 0
    assert "Registrations are closed" in capsys.readouterr().out
    assert main(["registrations", "open", "--data", str(data)]) == 0
    out = capsys.readouterr().out
    assert "Registrations are open" in out and "restart the node" in out
    assert load_config(data, {}).open_registrations is True
    after = (data / "poolnode.toml").read_text()
    assert after.replace("open_registrations = true", "open_registrations = false") == before
    assert main(["registrations", "close", "--data", str(data), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["open_registrations"] is False
    assert load_config(data, {}).open_registrations is False
    assert main(["registrations", "open", "--data", str(tmp_path / "nothing")]) == 1
    assert "not a poolnode data directory" in capsys.readouterr().err

"""A throwaway PostgreSQL server for the tests: Debian's binaries, a temp directory, a loopback port.

``POOLNODE_TEST_POSTGRES_URL`` (a database the tests may create schemas in) skips starting one.
As root, ``initdb`` and the server run as the ``postgres`` user (``initdb`` refuses root).
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

__all__ = ["PostgresServer", "find_bindir", "start"]


@dataclass
class PostgresServer:
    """A running server (or one given by the environment) and how to stop it."""

    url: str
    directory: Path | None = None
    bindir: str | None = None

    def stop(self) -> None:
        """Stop the server at once and delete its files (a server we started only)."""
        if self.directory is None or self.bindir is None:
            return
        _run_as_owner([f"{self.bindir}/pg_ctl", "-D", str(self.directory / "data"),
                       "-m", "immediate", "-w", "stop"], check=False)
        shutil.rmtree(self.directory, ignore_errors=True)


def find_bindir() -> str | None:
    """The directory of Debian's PostgreSQL server binaries (newest version), if installed."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                        key=lambda p: int(p.split("/")[4]) if p.split("/")[4].isdigit() else 0)
    if candidates:
        return os.path.dirname(candidates[-1])
    found = shutil.which("initdb")
    return os.path.dirname(found) if found else None


def _as_root() -> bool:
    return os.geteuid() == 0


def _run_as_owner(argv: list[str], *, check: bool = True) -> subprocess.CompletedProcess[str]:
    if _as_root():
        argv = ["runuser", "-u", "postgres", "--", *argv]
    return subprocess.run(argv, check=check, capture_output=True, text=True, timeout=120)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start() -> PostgresServer | str:
    """A server to test against, or the reason there is none."""
    given = os.environ.get("POOLNODE_TEST_POSTGRES_URL")
    if given:
        return PostgresServer(given)
    bindir = find_bindir()
    if bindir is None:
        return "PostgreSQL is not installed (scripts/postgres.sh installs Debian's postgresql)"
    if _as_root() and subprocess.run(["id", "postgres"], capture_output=True).returncode != 0:
        return "running as root, and there is no 'postgres' user to run initdb as"
    directory = Path(tempfile.mkdtemp(prefix="poolnode-pg-"))
    os.chmod(directory, 0o755)
    if _as_root():
        shutil.chown(directory, "postgres", "postgres")
    port = _free_port()
    data, log = directory / "data", directory / "server.log"
    server = PostgresServer(f"postgresql://postgres@127.0.0.1:{port}/poolnode_test", directory, bindir)
    try:
        _run_as_owner([f"{bindir}/initdb", "-D", str(data), "-U", "postgres", "-A", "trust",
                       "-E", "UTF8", "--locale=C", "--no-sync"])
        # A throwaway server: durability off (fsync, synchronous commit), loopback only.
        options = (f"-p {port} -k {directory} -h 127.0.0.1 -c fsync=off"
                   " -c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
        _run_as_owner([f"{bindir}/pg_ctl", "-D", str(data), "-o", options, "-l", str(log),
                       "-w", "-t", "60", "start"])
        _run_as_owner([f"{bindir}/createdb", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres",
                       "poolnode_test"])
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as exc:
        detail = getattr(exc, "stderr", "") or str(exc)
        server.stop()
        return f"could not start a throwaway PostgreSQL server: {detail.strip()[:300]}"
    return server

"""The servers ``python -m bench.peers`` compares: each started on a loopback port, stopped after.

A :class:`Peer` says whether it can run here (and if not, why), starts its server and names
the inbox URL the load generator POSTs to. Fedify and bovine-herd are installed by
scripts/peers-deps.sh into bench/peers/ (never globally, never in poolnode's virtualenv).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.procs import ROOT, NodeProcess, free_port, stop, wait_http

__all__ = ["PEERS", "Peer", "Running"]

HERE = Path(__file__).resolve().parent
FEDIFY = HERE / "fedify"
BOVINE_PYTHON = HERE / ".venv-bovine" / "bin" / "python"
INSTALL = "run scripts/peers-deps.sh (make peers-deps)"


@dataclass
class Running:
    """A started server: the inbox to load, its process (for CPU), and how to stop it."""

    name: str
    inbox: str
    pid: int
    _stop: list[object] = field(default_factory=list)

    def stop(self) -> None:
        for item in reversed(self._stop):
            if isinstance(item, NodeProcess):
                item.stop()
            elif isinstance(item, subprocess.Popen):
                stop(item)
            elif isinstance(item, tempfile.TemporaryDirectory):
                item.cleanup()


@dataclass(frozen=True)
class Peer:
    """One server to compare; ``missing()`` is None when it can run here, else the reason."""

    name: str
    kind: str

    def missing(self) -> str | None:
        if self.kind == "fedify":
            if shutil.which("node") is None:
                return "Node.js is not installed"
            if not (FEDIFY / "node_modules" / "@fedify" / "fedify" / "package.json").exists():
                return f"@fedify/fedify is not installed in {FEDIFY.relative_to(ROOT)}: {INSTALL}"
        if self.kind == "bovine" and not BOVINE_PYTHON.exists():
            return f"bovine-herd is not installed in bench/peers/.venv-bovine: {INSTALL}"
        return None

    def start(self, deadline_seconds: float = 60.0) -> Running:
        """Start the server and wait until it answers."""
        deadline = time.monotonic() + deadline_seconds
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        if self.kind == "poolnode":
            tmp = tempfile.TemporaryDirectory(prefix="poolnode-peers-")
            node = NodeProcess(Path(tmp.name) / "node", port)
            node.init()
            node.start()
            assert node.proc is not None
            return Running(self.name, base + "/inbox", node.proc.pid, [tmp, node])
        if self.kind == "baseline":
            proc = subprocess.Popen([sys.executable, "-m", "bench.baseline_server", str(port)],
                                    cwd=ROOT)
            ready = base + "/nodeinfo/2.1"
        elif self.kind == "fedify":
            proc = subprocess.Popen(["node", str(FEDIFY / "inbox.mjs"), str(port)], cwd=FEDIFY)
            ready = base + "/ready"
        else:
            tmp = tempfile.TemporaryDirectory(prefix="bovine-peers-")
            proc = subprocess.Popen(
                [str(BOVINE_PYTHON), str(HERE / "bovine_inbox.py"), str(port),
                 str(Path(tmp.name) / "bovine.sqlite3")],
                cwd=tmp.name, stdout=subprocess.PIPE, text=True)
            try:
                assert proc.stdout is not None
                inbox = json.loads(proc.stdout.readline())["inbox"]
                wait_http(base + "/ready", deadline, proc)
            except (ValueError, KeyError, RuntimeError):
                stop(proc)
                tmp.cleanup()
                raise
            return Running(self.name, inbox, proc.pid, [tmp, proc])
        try:
            wait_http(ready, deadline, proc)
        except RuntimeError:
            stop(proc)
            raise
        return Running(self.name, base + "/inbox", proc.pid, [proc])


PEERS = (
    Peer("bare aiohttp 202", "baseline"),
    Peer("poolnode", "poolnode"),
    Peer("Fedify", "fedify"),
    Peer("bovine-herd", "bovine"),
)

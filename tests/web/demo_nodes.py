"""The demo's state for tests: ``scripts/demo.py --once --data DIR`` run once, then its three data
directories served in the test's own event loop (``create_app``) on the ports they were made for.

Serving them in-process lets a test see which templates the pages rendered. The demo itself
only uses the web pages (tests/web/test_demo.py checks that it imports nothing of the node).
"""

from __future__ import annotations

import dataclasses
import json
import random
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from node.app import create_app
from node.appkeys import TEMPLATES
from node.config import load_config

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "scripts" / "demo.py"
VOTE_SECONDS = 8  # long enough for seven ballots from three nodes on a busy machine


def free_ports(count: int) -> int:
    """The first of ``count`` consecutive free loopback ports."""
    for _ in range(50):
        base = random.randrange(10000, 32000, 10)  # below the kernel's ephemeral ports (32768-)
        try:
            for port in range(base, base + count):
                with socket.socket() as sock:
                    sock.bind(("127.0.0.1", port))
        except OSError:
            continue
        return base
    raise RuntimeError("no free loopback ports")


def run_demo(root: Path) -> dict[str, Any]:
    """Run the demo once into ``root``; its summary (demo.json) with the printed output."""
    done = subprocess.run(
        [sys.executable, str(DEMO), "--once", "--data", str(root), "--base-port", str(free_ports(3)),
         "--vote-seconds", str(VOTE_SECONDS)],
        capture_output=True, text=True, timeout=400, cwd=ROOT,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    made: dict[str, Any] = json.loads((root / "demo.json").read_text("utf-8"))
    made["stdout"] = done.stdout
    return made


@dataclass
class DemoNodes:
    """The demo's summary, its nodes' apps by node name, and the templates the pages rendered."""

    made: dict[str, Any]
    apps: dict[str, web.Application]
    rendered: set[str] = field(default_factory=set)

    def url(self, node: str) -> str:
        return next(str(n["url"]) for n in self.made["nodes"] if n["name"] == node)

    def node(self, name: str) -> dict[str, Any]:
        return next(n for n in self.made["nodes"] if n["name"] == name)


def _recording(app: web.Application, rendered: set[str]) -> None:
    env = app[TEMPLATES]
    load = env.get_template

    def get_template(name: Any, *args: Any, **kwargs: Any) -> Any:
        rendered.add(str(name))
        return load(name, *args, **kwargs)

    env.get_template = get_template  # type: ignore[method-assign]


@asynccontextmanager
async def serving(made: dict[str, Any]) -> AsyncIterator[DemoNodes]:
    """Serve the demo's three nodes here, as `poolnode serve` would, until the block ends."""
    nodes = DemoNodes(made, {})
    runners = []
    try:
        for node in made["nodes"]:
            # Read the file only (no POOLNODE_* of the test's environment); loopback nodes
            # federate only with private addresses allowed, as the demo runs them.
            config = dataclasses.replace(load_config(Path(node["data"]), {}),
                                         allow_private_addresses=True)
            app = create_app(config)
            _recording(app, nodes.rendered)
            runner = web.AppRunner(app, access_log=None)
            await runner.setup()
            runners.append(runner)
            await web.TCPSite(runner, "127.0.0.1", urlsplit(node["url"]).port).start()
            nodes.apps[node["name"]] = app
        yield nodes
    finally:
        for runner in runners:
            await runner.cleanup()


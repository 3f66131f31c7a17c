"""Separate network hosts for multi-node tests: one Linux network namespace per node, each
with a veth pair into a bridge on a private test subnet (10.77.N.0/24, N from the process id
so concurrent runs do not meet). Cutting a node's link (``ip link set <veth> down`` on the
bridge side) truly drops every packet between it and the others; the node can still be
reached from inside its own namespace (``request_inside``). Everything made here is removed
by ``close`` even when the test fails. Needs root and iproute2; ``unavailable`` says why not.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from typing import Any

from tests.multinode.harness import AP, REPO, NodeProcess

__all__ = ["Network", "request_inside", "unavailable"]

PORT = 8000


def _ip(*args: str, check: bool = True) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["ip", *args], capture_output=True, timeout=20, check=check)


def unavailable() -> str | None:
    """Why namespaces cannot be used here, or None when they can."""
    if shutil.which("ip") is None:
        return "iproute2 ('ip') is not installed"
    if os.geteuid() != 0:
        return "network namespaces need root"
    probe = f"pnprobe{os.getpid()}"
    made = _ip("netns", "add", probe, check=False)
    if made.returncode != 0:
        return f"'ip netns add' failed: {made.stderr.decode(errors='replace').strip()}"
    _ip("netns", "del", probe, check=False)
    return None


@dataclass
class Network:
    """A bridge and one namespace per node name."""

    names: list[str]
    tag: str = field(default_factory=lambda: str(os.getpid() % 100000))
    made_ns: list[str] = field(default_factory=list)
    made_links: list[str] = field(default_factory=list)

    @property
    def subnet(self) -> str:
        return f"10.77.{int(self.tag) % 250}"

    @property
    def bridge(self) -> str:
        return f"pnb{self.tag}"

    def namespace(self, name: str) -> str:
        return f"pn{self.tag}{name}"

    def address(self, name: str) -> str:
        return f"{self.subnet}.{self.names.index(name) + 1}"

    def _veth(self, name: str) -> str:
        return f"pv{self.tag}{name}"[:15]

    def up(self) -> None:
        """Make the bridge (with an address, so the test process reaches every node) and the namespaces."""
        _ip("link", "add", self.bridge, "type", "bridge")
        self.made_links.append(self.bridge)
        _ip("addr", "add", f"{self.subnet}.254/24", "dev", self.bridge)
        _ip("link", "set", self.bridge, "up")
        for name in self.names:
            ns, outside, inside = self.namespace(name), self._veth(name), f"eth{self.tag}"[:15]
            _ip("netns", "add", ns)
            self.made_ns.append(ns)
            _ip("link", "add", outside, "type", "veth", "peer", "name", inside)
            self.made_links.append(outside)
            _ip("link", "set", inside, "netns", ns)
            _ip("-n", ns, "addr", "add", f"{self.address(name)}/24", "dev", inside)
            _ip("-n", ns, "link", "set", inside, "up")
            _ip("-n", ns, "link", "set", "lo", "up")
            _ip("link", "set", outside, "master", self.bridge)
            _ip("link", "set", outside, "up")

    def place(self, node: NodeProcess, name: str) -> None:
        """Make ``node`` (not started yet) listen on its namespace's address."""
        node.host, node.port = self.address(name), PORT
        node.wrap = ["ip", "netns", "exec", self.namespace(name)]

    def cut(self, name: str) -> None:
        """Drop every packet between ``name`` and the rest (its bridge port goes down)."""
        _ip("link", "set", self._veth(name), "down")

    def heal(self, name: str) -> None:
        _ip("link", "set", self._veth(name), "up")

    def close(self) -> None:
        """Remove everything ``up`` made (namespaces first: their veth ends go with them)."""
        for ns in self.made_ns:
            _ip("netns", "del", ns, check=False)
        for link in self.made_links:
            _ip("link", "del", link, check=False)


_CLIENT = """
import json, sys, urllib.error, urllib.request
args = json.load(sys.stdin)
req = urllib.request.Request(args["url"], data=args["data"] and args["data"].encode(),
                             headers=args["headers"], method=args["method"])
try:
    with urllib.request.urlopen(req, timeout=30) as resp:
        print(json.dumps([resp.status, json.loads(resp.read() or b"{}")]))
except urllib.error.HTTPError as exc:
    print(json.dumps([exc.code, json.loads(exc.read() or b"{}")]))
"""


def request_inside(node: NodeProcess, method: str, path: str, body: dict[str, Any] | None = None,
                   token: str | None = None) -> tuple[int, dict[str, Any]]:
    """``node.request`` made from inside the node's namespace (it works while its link is cut)."""
    headers = {"Accept": AP, **({"Content-Type": AP} if body is not None else {}),
               **({"Authorization": f"Bearer {token}"} if token else {})}
    url = path if path.startswith("http") else node.base_url + path
    args = {"url": url, "method": method, "headers": headers,
            "data": json.dumps(body) if body is not None else None}
    out = subprocess.run([*node.wrap, sys.executable, "-c", _CLIENT], input=json.dumps(args).encode(),
                         capture_output=True, timeout=60, cwd=REPO, check=True)
    status, answer = json.loads(out.stdout)
    return int(status), dict(answer)

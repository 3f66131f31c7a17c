"""Reading a live pool's public record over plain HTTP, as an outside implementer would, and
recomputing it with tests/acceptance/issue18_spec.py (which imports nothing of the node)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from unittest import mock

import jsonschema

from tests.acceptance import issue18_spec as spec
from tests.multinode.harness import REPO, Cluster, NodeProcess, poll
from tests.multinode.verify_cluster import World, _open, _vote, build_world

__all__ = ["PERIOD", "Reader", "Run", "changed_vote", "html", "run_verify", "world_with_witnesses"]

AP = "application/activity+json"
PERIOD = 2  # the nodes' witness_interval, seconds


@contextmanager
def world_with_witnesses(root: Any) -> Iterator[World]:
    """verify_cluster's two-node world, its nodes witnessing each other every PERIOD s."""
    cluster = Cluster(root)
    try:
        with mock.patch.dict(os.environ, {"POOLNODE_WITNESS_INTERVAL": str(PERIOD)}):
            world = build_world(cluster)
        yield world
    except BaseException:
        print(cluster.logs())
        raise
    finally:
        cluster.close()


def changed_vote(world: World) -> str:
    """A decision of b's pool where bo votes agree, then disagree; ana agrees. Closed."""
    a, b = world.a, world.b
    proposal = _open(b, b, proposalKind="decision", content="Paint the shed green")
    _vote(b, b, proposal, "agree")
    _vote(a, b, proposal, "agree")
    _vote(b, b, proposal, "disagree")
    poll(lambda: Reader().get(proposal + "/tally")["final"], 40, "the decision's close")
    return proposal


def html(node: NodeProcess, url: str) -> str:
    request = urllib.request.Request(url, headers={"Accept": "text/html"})
    with urllib.request.urlopen(request, timeout=20) as response:
        return str(response.read().decode())


class Reader:
    """Unauthenticated GETs of ActivityPub documents, and their verification by the spec."""

    def __init__(self) -> None:
        self.actors: dict[str, dict[str, Any]] = {}

    def get(self, url: str) -> dict[str, Any]:
        request = urllib.request.Request(url, headers={"Accept": AP})
        with urllib.request.urlopen(request, timeout=20) as response:
            return dict(json.loads(response.read()))

    def status(self, url: str) -> int:
        try:
            self.get(url)
            return 200
        except urllib.error.HTTPError as exc:
            return int(exc.code)

    def items(self, url: str) -> list[Any]:
        """Every item of a collection: ``first`` then each ``next``."""
        collection = self.get(url)
        if "orderedItems" in collection:
            return list(collection["orderedItems"])
        out: list[Any] = []
        page_url = collection.get("first")
        seen = set()
        while page_url:
            page_url = page_url if isinstance(page_url, str) else page_url["id"]
            assert page_url not in seen and len(seen) < 200, page_url
            seen.add(page_url)
            page = self.get(page_url)
            out += page.get("orderedItems", [])
            page_url = page.get("next")
        return out

    def actor(self, actor_id: str) -> dict[str, Any]:
        if actor_id not in self.actors:
            self.actors[actor_id] = self.get(actor_id)
        return self.actors[actor_id]

    def proof_problem(self, document: dict[str, Any]) -> str | None:
        method = document.get("proof", {}).get("verificationMethod", "")
        return spec.verify_proof(document, self.actor(method.split("#")[0]))

    def document(self, item: Any) -> dict[str, Any]:
        return self.get(item) if isinstance(item, str) else dict(item)


class Run:
    """One ``poolnode verify`` process: its exit code, the JSON report, stderr, seconds."""

    def __init__(self, code: int, report: dict[str, Any], stderr: str, seconds: float) -> None:
        self.code, self.report, self.stderr, self.seconds = code, report, stderr, seconds

    def verdicts(self, verdict: str) -> dict[str, dict[str, Any]]:
        return {c["check"]: c for c in self.report["checks"] if c["verdict"] == verdict}


SCHEMA = json.loads((REPO / "schemas" / "json" / "verify-report.json").read_text("utf-8"))


def run_verify(url: str, *extra: str, within: float = 240) -> Run:
    """``poolnode verify URL --json`` as a person runs it where no node lives: HOME and the
    working directory an empty temporary directory, which must stay empty."""
    with tempfile.TemporaryDirectory() as empty:
        env = {k: v for k, v in os.environ.items() if not k.startswith("POOLNODE_")}
        env.update(HOME=empty, PYTHONPATH=str(REPO), XDG_CONFIG_HOME=empty, XDG_DATA_HOME=empty)
        started = time.monotonic()
        done = subprocess.run([sys.executable, "-m", "node.cli", "verify", url, "--json", *extra],
                              capture_output=True, text=True, cwd=empty, env=env, timeout=within)
        seconds = time.monotonic() - started
        assert os.listdir(empty) == [], f"verify wrote {os.listdir(empty)}"
    assert "Traceback" not in done.stderr + done.stdout, done.stderr[-3000:]
    report = json.loads(done.stdout)
    jsonschema.validate(report, SCHEMA)
    assert {"pass": 0, "fail": 1, "incomplete": 2}[report["verdict"]] == done.returncode, report
    counts = {v: sum(1 for c in report["checks"] if c["verdict"] == v) for v in report["counts"]}
    assert counts == report["counts"]
    return Run(done.returncode, report, done.stderr, seconds)

"""`make demo`: three nodes on loopback, three pools with members, a flood, decisions.

Starts three `poolnode serve` processes, then drives them the way members would (C2S posts
with each member's token): money paid in, the three pools vote to link into a flood, a pool
decides a disbursement, the flood decides one together. It prints what it did and the URLs
to open, then keeps the nodes running until Ctrl-C, which stops them and deletes the data.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

from governance import AdmissionPolicy
from node.pools import load_bylaws
from node.storage import ActorStore, Database, WebStore

AP = "application/activity+json"
PASSWORD = "poolnode-demo"
T = TypeVar("T")

# (node, pool, purpose, admin, other members, money each member pays in, in cents)
POOLS = [
    ("a", "garden", "Seeds, tools and a shed for the Green Street allotments.", "ana", ["dan", "eve"], 2000),
    ("b", "bikes", "A repair stand and spare parts for the neighbourhood bike kitchen.", "ben", ["finn"], 1500),
    ("c", "kitchen", "Pots, pans and a freezer for the community kitchen.", "cleo", ["gus"], 1000),
]


def say(text: str) -> None:
    print(text, flush=True)


def poll(check: Callable[[], T | None], seconds: float, what: str) -> T:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.5)
    raise SystemExit(f"demo: timed out waiting for {what}")


@dataclasses.dataclass
class Node:
    name: str
    url: str
    data: Path
    pool: str
    pool_id: str
    tokens: dict[str, str]
    process: subprocess.Popen[bytes] | None = None

    def request(self, method: str, url: str, body: dict[str, Any] | None = None,
                token: str | None = None) -> tuple[int, dict[str, Any]]:
        headers = {"Accept": AP}
        data = json.dumps(body).encode() if body is not None else None
        if data is not None:
            headers["Content-Type"] = AP
        if token:
            headers["Authorization"] = f"Bearer {token}"
        req = urllib.request.Request(url if url.startswith("http") else self.url + url,
                                     data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                return resp.status, json.loads(resp.read() or b"{}")
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read() or b"{}")
        except (urllib.error.URLError, ConnectionError):
            return 0, {}

    def post(self, member: str, document: dict[str, Any]) -> dict[str, Any]:
        status, body = self.request("POST", f"{self.url}/users/{member}/outbox", document,
                                    self.tokens[member])
        if status != 201:
            raise SystemExit(f"demo: {member}@{self.name} could not post {document['type']}: {body}")
        return body

    def proposals(self) -> list[dict[str, Any]]:
        return list(self.request("GET", self.pool_id + "/proposals?page=true")[1].get("orderedItems", []))


def poolnode(*args: str, stdin: str | None = None) -> dict[str, Any]:
    exe = Path(sys.executable).with_name("poolnode")
    done = subprocess.run([str(exe), *args, "--json"], input=stdin, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"demo: poolnode {' '.join(args)} failed: {done.stderr.strip()}")
    return json.loads(done.stdout) if done.stdout.strip() else {}


async def demo_bylaws(data: Path, pool: str, purpose: str, seconds: int) -> None:
    """Demo bylaws: open admission, no minimum share, votes that last seconds, not days."""
    db = Database.in_data_dir(data)
    await db.open()
    try:
        actors = ActorStore(db)
        record = await actors.get(pool, "pool")
        bylaws = await load_bylaws(actors, record)
        changed = dataclasses.replace(bylaws, voting_period=timedelta(seconds=seconds), purpose=purpose,
                                      admission=AdmissionPolicy.OPEN, min_share=0)
        await actors.set_bylaws_json(record.id, json.dumps(changed.to_dict()))
        await WebStore(db).set_summary(record.id, purpose)
    finally:
        await db.close()


def setup(root: Path, base_port: int, vote_seconds: int) -> list[Node]:
    nodes = []
    for index, (name, pool, purpose, admin, members, _) in enumerate(POOLS):
        url = f"http://127.0.0.1:{base_port + index}"
        data = root / name
        init = poolnode("init", "--data", str(data), "--url", url, "--pool", pool, "--admin", admin)
        tokens = {admin: init["admin"]["token"]}
        for member in members:
            added = poolnode("member", "add", "--data", str(data), member, "--pool", pool)
            tokens[member] = added["token"]
        for member in tokens:
            poolnode("member", "password", "--data", str(data), member, "--password-stdin",
                     stdin=PASSWORD + "\n")
        asyncio.run(demo_bylaws(data, pool, purpose, vote_seconds))
        nodes.append(Node(name, url, data, pool, f"{url}/pools/{pool}", tokens))
        say(f"  node {name}: {url}  pool '{pool}' with {', '.join(tokens)}")
    return nodes


def start(node: Node, port: int, log: Path) -> None:
    env = {**os.environ, "POOLNODE_ALLOW_PRIVATE_ADDRESSES": "true",
           "POOLNODE_OPEN_REGISTRATIONS": "true", "POOLNODE_LOG_LEVEL": "WARNING"}
    exe = Path(sys.executable).with_name("poolnode")
    node.process = subprocess.Popen(
        [str(exe), "serve", "--data", str(node.data), "--host", "127.0.0.1", "--port", str(port)],
        env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT,
    )
    poll(lambda: node.request("GET", "/nodeinfo/2.1")[0] == 200, 30, f"node {node.name} to start")


def vote_everyone(node: Node, proposal: str, choice: str = "agree") -> None:
    for member in node.tokens:
        node.post(member, {"type": "Ballot", "pool": node.pool_id, "proposal": proposal,
                           "choice": [choice]})


def open_proposal(node: Node, author: str, fields: dict[str, Any]) -> str:
    before = {p["id"] for p in node.proposals()}
    node.post(author, {"type": "Proposal", "pool": node.pool_id, **fields})
    new = poll(lambda: [p for p in node.proposals() if p["id"] not in before], 15, "the proposal")
    return str(new[0]["id"])


def outcome(node: Node, proposal: str) -> str | None:
    path = proposal.removeprefix(node.url)
    status, body = node.request("GET", path + "/tally")
    return str(body.get("outcome")) if status == 200 and body.get("final") else None


def flood_pools(node: Node, flood: str) -> list[str]:
    for entry in node.request("GET", node.pool_id + "/floods")[1].get("floods", []):
        if entry["id"] == flood:
            return list(entry["pools"])
    return []


def run(nodes: list[Node], vote_seconds: int) -> None:
    wait = vote_seconds + 30
    say("\n1. Members pay in; each pool's treasurer records it in the ledger.")
    for node, (_, _, _, admin, _, amount) in zip(nodes, POOLS, strict=True):
        for member in node.tokens:
            node.post(admin, {"type": "LedgerEntry", "pool": node.pool_id, "entryKind": "contribution",
                              "person": f"{node.url}/users/{member}", "amount": amount,
                              "reference": "paid at the first meeting"})
        say(f"   {node.pool}: {len(node.tokens)} x {amount / 100:.2f} EUR")

    say("\n2. Each pool votes to link with the other two: a flood forms by mutual follows.")
    flood = nodes[0].pool_id + "/floods/commons"
    for node in nodes:
        admin = next(iter(node.tokens))
        for peer in nodes:
            if peer is not node:
                proposal = open_proposal(node, admin, {"name": f"Join the commons flood with {peer.pool}",
                                                       "proposalKind": "join_flood", "flood": flood,
                                                       "peer": peer.pool_id})
                vote_everyone(node, proposal)
    everyone = sorted(n.pool_id for n in nodes)
    say(f"   votes cast; the proposals close after {vote_seconds} s ...")
    for node in nodes:
        poll(lambda node=node: flood_pools(node, flood) == everyone, wait + 30, f"the flood at {node.name}")
    say(f"   flood formed: {flood}  ({', '.join(n.pool for n in nodes)})")

    say("\n3. A pool decides on its own: garden buys seed trays.")
    garden = nodes[0]
    proposal = open_proposal(garden, "dan", {"name": "Buy seed trays", "proposalKind": "disbursement",
                                            "amount": 1500, "currency": "EUR", "payee": "Garden centre",
                                            "purpose": "forty seed trays for the spring"})
    members = list(garden.tokens)
    for member, choice in zip(members, ["agree", "agree", "disagree"], strict=False):
        garden.post(member, {"type": "Ballot", "pool": garden.pool_id, "proposal": proposal, "choice": [choice]})
    result = poll(lambda: outcome(garden, proposal), wait, "the garden decision")
    say(f"   {proposal}\n   result: {result} (2 agree, 1 disagree; threshold more than half)")

    say("\n4. The flood decides together: bikes proposes a shared cargo bike for all three pools.")
    bikes = nodes[1]
    bikes.post("ben", {"type": "Proposal", "pool": bikes.pool_id, "name": "A shared cargo bike",
                       "flood": flood, "proposalKind": "disbursement", "amount": 1200, "currency": "EUR",
                       "payee": "Cargo bike co-op", "purpose": "a cargo bike every pool can borrow"})

    def flood_proposal() -> str | None:
        for entry in bikes.request("GET", bikes.pool_id + "/floods")[1].get("floods", []):
            if entry["id"] == flood and entry.get("proposals"):
                return str(entry["proposals"][-1])
        return None

    flood_uri = poll(flood_proposal, 30, "the flood proposal")
    time.sleep(2)  # each pool freezes its electorate and pledge
    for node in nodes:
        for member in node.tokens:
            node.post(member, {"type": "Ballot", "pool": node.pool_id, "proposal": flood_uri,
                               "choice": ["agree"]})

    def final() -> dict[str, Any] | None:
        status, body = bikes.request("GET", bikes.pool_id + "/floods/tally?proposal=" + flood_uri)
        return body if status == 200 and body.get("final") else None

    tally = poll(final, wait, "the flood result")
    result_doc = tally.get("result") or {}
    say(f"   {flood_uri}\n   result: {result_doc.get('outcome')} with {result_doc.get('participation')} of "
        f"{result_doc.get('electorateSize')} people across {len(tally.get('pools', []))} pools")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-port", type=int, default=8101, help="first of three ports (default 8101)")
    parser.add_argument("--vote-seconds", type=int, default=15, help="how long votes last (default 15)")
    parser.add_argument("--no-wait", action="store_true", help="stop after the steps (for tests)")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="poolnode-demo-"))
    nodes: list[Node] = []
    stopping = False

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    try:
        say(f"Creating three nodes in {root} ...")
        nodes = setup(root, args.base_port, args.vote_seconds)
        for index, node in enumerate(nodes):
            start(node, args.base_port + index, root / f"{node.name}.log")
        run(nodes, args.vote_seconds)
        say("\nOpen in a browser (sign in as any member above, password: " + PASSWORD + "):")
        for node in nodes:
            say(f"  {node.pool_id}            the pool")
            say(f"  {node.pool_id}/proposals  {node.pool_id}/ledger  {node.pool_id}/floods")
        if args.no_wait:
            return 0
        say("\nThe nodes keep running. Press Ctrl-C to stop them (the demo data is deleted).")
        while all(n.process is not None and n.process.poll() is None for n in nodes):
            time.sleep(1)
        say("demo: a node stopped; see its log in " + str(root))
        return 1
    except KeyboardInterrupt:
        say("\nStopping ...")
        return 0
    finally:
        for node in nodes:
            if node.process is not None and node.process.poll() is None:
                node.process.send_signal(signal.SIGTERM)
        for node in nodes:
            if node.process is not None:
                try:
                    node.process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    node.process.kill()
        shutil.rmtree(root, ignore_errors=True)
        say("Stopped the three nodes and removed " + str(root) + ".")


if __name__ == "__main__":
    sys.exit(main())

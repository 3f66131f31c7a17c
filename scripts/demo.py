"""`make demo`: three nodes on loopback, three pools with members, a flood, decisions, budget rounds.

The operator's part is the command line: `poolnode init` creates each node (printing the
founder's one-time sign-in link) and `poolnode registrations open` opens sign-up on two of
them; then `poolnode serve` runs them. Everything else is done by people in their browsers,
through the web pages (scripts/demo_story.py, demo_assets.py, demo_budget.py, demo_talk.py,
demo_web.py): no JSON is posted and no database is touched. The demo prints each step, the results and the URLs to open.

Without --once the nodes keep running until Ctrl-C. With --once the demo stops them after
the summary. The data is deleted at the end unless --data names a directory to keep it in
(then `demo.json` there lists what was made, for scripts/screenshots.py and the tests).
"""

from __future__ import annotations

import argparse
import asyncio
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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from demo_story import PASSWORD, POOLS, Story, run
from demo_talk import talk
from demo_web import DemoError

SUMMARY = "demo.json"


def say(text: str) -> None:
    print(text, flush=True)


@dataclass
class Node:
    """One `poolnode serve` process of the demo."""

    name: str
    url: str
    data: Path
    process: subprocess.Popen[bytes] | None = None


def poolnode(*args: str) -> dict[str, Any]:
    """Run the operator's command line (`--json` output)."""
    exe = Path(sys.executable).with_name("poolnode")
    done = subprocess.run([str(exe), *args, "--json"], capture_output=True, text=True)
    if done.returncode != 0:
        raise DemoError(f"poolnode {' '.join(args)} failed: {done.stderr.strip()}")
    return json.loads(done.stdout) if done.stdout.strip() else {}


def create_nodes(root: Path, base_port: int) -> tuple[list[Node], dict[str, str]]:
    """`poolnode init` for each node; the founders' one-time sign-in links by node name."""
    nodes, links = [], {}
    for index, pool in enumerate(POOLS):
        url = f"http://127.0.0.1:{base_port + index}"
        data = root / pool.node
        made = poolnode("init", "--data", str(data), "--url", url, "--admin", pool.founder)
        links[pool.node] = made["signin_link"]["url"]
        if pool.open_registrations:
            poolnode("registrations", "open", "--data", str(data))
        nodes.append(Node(pool.node, url, data))
        say(f"  node {pool.node}: {url}  (sign-up {'open' if pool.open_registrations else 'closed'})")
    return nodes, links


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/nodeinfo/2.1", timeout=5) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def start(node: Node, log: Path) -> None:
    # Loopback nodes federate only with private addresses allowed (docs/OPERATIONS.md).
    env = {**os.environ, "POOLNODE_ALLOW_PRIVATE_ADDRESSES": "true", "POOLNODE_LOG_LEVEL": "WARNING"}
    exe = Path(sys.executable).with_name("poolnode")
    node.process = subprocess.Popen([str(exe), "serve", "--data", str(node.data)], env=env,
                                    stdout=log.open("wb"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while not answers(node.url):
        if time.monotonic() > deadline or node.process.poll() is not None:
            raise DemoError(f"node {node.name} did not start; see {log}")
        time.sleep(0.3)


def stop(nodes: list[Node]) -> None:
    for node in nodes:
        if node.process is not None and node.process.poll() is None:
            node.process.send_signal(signal.SIGTERM)
    for node in nodes:
        if node.process is not None:
            try:
                node.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                node.process.kill()
                node.process.wait()


def summary(story: Story, nodes: list[Node]) -> dict[str, Any]:
    """What the demo made, with the URLs to open (printed, and kept as demo.json)."""
    return {
        "password": PASSWORD,
        "nodes": [{"name": node.name, "url": node.url, "data": str(node.data), "pool": pool.handle,
                   "pool_name": pool.name, "founder": pool.founder, "admission": pool.admission,
                   "members": story.members[pool.handle],
                   "open_registrations": pool.open_registrations}
                  for node, pool in zip(nodes, POOLS, strict=True)],
        "applicant": {"node": "a", "pool": "garden", "username": "hana"},
        "flood": story.flood,
        "invites": story.invites,
        "proposals": story.proposals,
        "results": story.results,
        "discussions": story.discussions,
        "comments": story.comments,
        "assets": story.assets,
    }


def print_summary(made: dict[str, Any]) -> None:
    say(f"\nOpen in a browser; sign in as anyone named below, password: {made['password']}")
    for node in made["nodes"]:
        pool = f"{node['url']}/pools/{node['pool']}"
        say(f"  {node['pool_name']}: {pool}   ({', '.join(node['members'])})")
        say(f"    {pool}/proposals  {pool}/ledger  {pool}/floods")
    say(f"  the flood:         {made['flood']}")
    say(f"  a ranked result:   {made['proposals']['work day']}")
    say(f"  an open vote:      {made['proposals']['hall']}   (ana has not voted yet)")
    say(f"  a budget round:    {made['proposals']['spring round']}   (closed: one bucket funded)")
    say(f"  an open round:     {made['proposals']['summer round']}")
    say(f"  waiting to join:   hana at {made['nodes'][0]['url']}/pools/garden/application")
    say(f"  a discussion:      {made['discussions']['raised beds']}   (an advert hidden, a proposal from it)")
    say(f"  an outcome stated: {made['proposals']['seed trays']}")
    say(f"  invite links:      {made['invites']['garden']}  (garden)")
    say(f"                     {made['invites']['kitchen']}  (kitchen, where sign-up is closed)")


async def play(nodes: list[Node], links: dict[str, str], vote_seconds: int) -> dict[str, Any]:
    story = Story({n.name: n.url for n in nodes}, links, vote_seconds, say)
    try:
        await run(story)
        await talk(story)
    finally:
        await story.close()
    return summary(story, nodes)


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--base-port", type=int, default=8101, help="first of three ports (default 8101)")
    parser.add_argument("--vote-seconds", type=int, default=15, help="how long votes last (default 15)")
    parser.add_argument("--once", action="store_true",
                        help="stop the nodes after the summary instead of serving until Ctrl-C")
    parser.add_argument("--data", type=Path, help="a new directory to keep the nodes' data in "
                        "(default: a temporary one, deleted at the end)")
    args = parser.parse_args()
    if args.vote_seconds < 3:
        parser.error("--vote-seconds must be at least 3: people need time to vote")
    if args.data is not None and args.data.exists() and any(args.data.iterdir()):
        parser.error(f"--data {args.data} is not empty")
    root = args.data or Path(tempfile.mkdtemp(prefix="poolnode-demo-"))
    root.mkdir(parents=True, exist_ok=True)
    nodes: list[Node] = []

    def interrupted(*_: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupted)
    try:
        say(f"Creating three nodes in {root} ...")
        nodes, links = create_nodes(root, args.base_port)
        for node in nodes:
            start(node, root / f"{node.name}.log")
        made = asyncio.run(play(nodes, links, args.vote_seconds))
        (root / SUMMARY).write_text(json.dumps(made, indent=2), encoding="utf-8")
        print_summary(made)
        if args.once:
            return 0
        say("\nThe nodes keep running. Press Ctrl-C to stop them.")
        while all(n.process is not None and n.process.poll() is None for n in nodes):
            time.sleep(1)
        say("demo: a node stopped; see its log in " + str(root))
        return 1
    except DemoError as exc:
        say(f"demo: {exc}")
        for log in sorted(root.glob("*.log")):  # kept with --data; shown before a temporary dir goes
            lines = log.read_text("utf-8", "replace").splitlines()[-15:]
            say(f"--- the last lines of {log.name}:\n" + "\n".join(lines))
        return 1
    except KeyboardInterrupt:
        say("\nStopping ...")
        return 0
    finally:
        stop(nodes)
        if args.data is None:
            shutil.rmtree(root, ignore_errors=True)
            say(f"Stopped the three nodes and removed {root}.")
        else:
            say(f"Stopped the three nodes; their data is in {root}.")


if __name__ == "__main__":
    sys.exit(main())

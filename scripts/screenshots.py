"""Screenshots of the web app for docs/screenshots/: `.venv/bin/python scripts/screenshots.py`.

Builds the demo's state (`scripts/demo.py --once --data DIR`: three nodes, pools, members, an
applicant, every kind of decision, money, a flood, discussions), serves the three nodes again with
`poolnode serve`, and opens each page in Chromium (Playwright, /usr/bin/chromium) as the person
who sees the most of it: one PNG per page at 1024 px, and a few key pages at 390 px. The file
names are the ones README's web-app section lists (SHOTS below). Nothing else is changed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from demo import Node, poolnode, start, stop

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "screenshots"
CHROMIUM = os.environ.get("POOLNODE_CHROMIUM", "/usr/bin/chromium")
DESKTOP = {"width": 1024, "height": 768}
PHONE = {"width": 390, "height": 844}


@dataclass(frozen=True)
class Shot:
    """One screenshot: file name, node, who is signed in (None: nobody), the page, what to do."""

    name: str
    node: str
    who: str | None
    path: str
    phone: bool = False
    action: str = ""  # "fill-pool", "submit", "pay-too-much", "allocate-too-much"


def _path(url: str) -> str:
    return "/" + url.split("/", 3)[3]


def shots(made: dict[str, Any], welcome: str) -> list[Shot]:
    """Every page, named as README lists it."""
    proposals = {label: _path(url) for label, url in made["proposals"].items()}
    invite = _path(made["invites"]["garden"])
    seeds = made["proposals"]["seed trays"]
    return [
        Shot("landing", "a", None, "/"),
        Shot("home-needs-vote", "a", "ana", "/"),
        Shot("signin", "c", None, "/signin"),
        Shot("signup", "a", None, "/signup"),
        Shot("signup-closed", "c", None, "/signup"),
        Shot("welcome", "a", None, welcome),
        Shot("settings", "a", "ana", "/settings"),
        Shot("create-pool", "a", "dan", "/create-pool", action="fill-pool"),
        Shot("create-pool-errors", "a", "dan", "/create-pool", action="submit"),
        Shot("pool", "a", "ana", "/pools/garden"),
        Shot("member", "a", None, "/users/dan"),
        Shot("bylaws", "a", None, "/pools/garden/bylaws"),
        Shot("join", "b", None, "/pools/bikes/join"),
        Shot("application", "a", "hana", "/pools/garden/application"),
        Shot("invitations", "a", "ana", "/pools/garden/invitations"),
        Shot("invite", "a", None, invite),
        Shot("proposals", "a", "dan", "/pools/garden/proposals"),
        Shot("ranked-ballot", "a", "ana", proposals["hall"]),
        Shot("result", "a", "dan", proposals["seed trays"]),
        Shot("ranked-result", "a", "dan", proposals["work day"]),
        Shot("approval-result", "a", "dan", proposals["tools"]),
        Shot("bylaws-change", "a", "dan", proposals["quorum"]),
        Shot("admission-vote", "c", "cleo", proposals["admit gus"]),
        Shot("ledger", "a", "ana", "/pools/garden/ledger"),
        Shot("payment", "a", "ana", f"/pools/garden/ledger/pay?proposal={seeds}"),
        Shot("payment-error", "a", "ana", f"/pools/garden/ledger/pay?proposal={seeds}",
             action="pay-too-much"),
        Shot("capital", "a", "ana", "/pools/garden/capital"),
        Shot("leave", "a", "dan", "/pools/garden/leave"),
        Shot("flood", "b", "finn", "/pools/bikes/floods"),
        Shot("discussion", "a", "ana", _path(made["discussions"]["raised beds"])),
        Shot("not-found", "a", None, "/pools/no_such_pool"),
        Shot("pool-phone", "a", "ana", "/pools/garden", phone=True),
        Shot("ledger-phone", "a", "ana", "/pools/garden/ledger", phone=True),
        Shot("ranked-result-phone", "a", "dan", proposals["work day"], phone=True),
        Shot("invite-phone", "c", None, _path(made["invites"]["kitchen"]), phone=True),
        Shot("flood-phone", "c", "gus", "/pools/kitchen/floods", phone=True),
        Shot("budget-round", "a", "ana", proposals["summer round"]),
        Shot("budget-allocation-error", "a", "ana", proposals["summer round"], action="allocate-too-much"),
        Shot("budget-result", "a", "dan", proposals["spring round"]),
        Shot("bylaws-es", "a", None, "/pools/garden/bylaws?lang=es"),
        Shot("proposal-es", "a", "dan", proposals["work day"] + "?lang=es"),
    ]


async def act(page: Any, action: str) -> None:
    if action == "fill-pool":
        await page.get_by_label("Name of the pool").fill("Riverside Tool Library")
        await page.get_by_label("What is the pool for?").fill("Ladders, drills and a pressure washer to lend.")
        await page.get_by_label("Minimum share").fill("10")
        await page.get_by_label("A steward admits").check()
        await page.get_by_label("Simple majority (more than half)").check()
    elif action == "submit":
        await page.get_by_role("button", name="Create the pool and see its bylaws").click()
        await page.wait_for_load_state()
    elif action == "pay-too-much":
        await page.get_by_label("Payment reference").fill("invoice 312")
        await page.get_by_label("Amount paid to Garden centre in EUR").fill("50")
        await page.get_by_role("button", name="Record the payment").click()
        await page.wait_for_load_state()
    elif action == "allocate-too-much":
        await page.get_by_label("To Hall chairs").fill("45")
        await page.get_by_role("button", name="Save my allocation").click()
        await page.wait_for_load_state()


async def take(made: dict[str, Any], welcome: str, out: Path) -> list[Path]:
    from playwright.async_api import async_playwright

    urls = {node["name"]: node["url"] for node in made["nodes"]}
    saved = []
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox"])
        signed_in: dict[tuple[str, str | None], Any] = {}
        for shot in shots(made, welcome):
            if (shot.node, shot.who) not in signed_in:
                context = await browser.new_context(viewport=DESKTOP)
                if shot.who is not None:
                    page = await context.new_page()
                    await page.goto(urls[shot.node] + "/signin")
                    await page.get_by_label("Username").fill(shot.who)
                    await page.get_by_label("Password").fill(made["password"])
                    await page.get_by_role("button", name="Sign in").click()
                    await page.wait_for_url(urls[shot.node] + "/")
                    await page.close()
                signed_in[shot.node, shot.who] = await context.storage_state()
                await context.close()
            context = await browser.new_context(
                viewport=PHONE if shot.phone else DESKTOP, is_mobile=shot.phone,
                storage_state=signed_in[shot.node, shot.who])
            page = await context.new_page()
            await page.goto(urls[shot.node] + shot.path)
            if shot.action:
                await act(page, shot.action)
            path = out / f"{shot.name}.png"
            await page.screenshot(path=str(path), full_page=True)
            saved.append(path)
            await context.close()
        await browser.close()
    return saved


def _free_ports() -> int:
    while True:
        base = random.randrange(10000, 32000, 10)  # below the kernel's ephemeral ports (32768-)
        try:
            for port in range(base, base + 3):
                with socket.socket() as sock:
                    sock.bind(("127.0.0.1", port))
        except OSError:
            continue
        return base


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT, help=f"where to save the PNGs (default {OUT})")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="poolnode-screenshots-"))
    nodes: list[Node] = []
    try:
        print("Building the demo's state (scripts/demo.py --once) ...", flush=True)
        done = subprocess.run([sys.executable, str(ROOT / "scripts" / "demo.py"), "--once", "--data",
                               str(root / "demo"), "--base-port", str(_free_ports()), "--vote-seconds", "8"],
                              capture_output=True, text=True)
        if done.returncode != 0:
            print(done.stdout[-3000:], done.stderr[-3000:], sep="\n")
            return 1
        made = json.loads((root / "demo" / "demo.json").read_text("utf-8"))
        for node in made["nodes"]:
            nodes.append(Node(node["name"], node["url"], Path(node["data"])))
            start(nodes[-1], root / f"{node['name']}.log")
        # A fresh one-time sign-in link for the page that sets a password (hana's: she has one).
        link = poolnode("member", "signin-link", "--data", made["nodes"][0]["data"], "hana")
        welcome = _path(str(link["url"]))
        args.out.mkdir(parents=True, exist_ok=True)
        saved = asyncio.run(take(made, welcome, args.out))
        print(f"Saved {len(saved)} screenshots in {args.out}:")
        for path in saved:
            print(f"  {path.name}")
        return 0
    finally:
        stop(nodes)
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

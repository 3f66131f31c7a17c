"""``poolnode verify URL``: check a pool, a proposal or a flood proposal from outside.

Needs no node, data directory or database: only the URL. Exit 0 when every check holds, 1 when
one fails, 2 when some could not be made (or the arguments are wrong).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import aiohttp

from federation.fetch import Fetcher
from node.cli.common import Output
from node.http import USER_AGENT
from node.verify import Limits, RecordReader, Report, key_signer, reader_credentials, verify_url

__all__ = ["add_verify"]


def _usage(message: str) -> int:
    print(f"poolnode verify: error: {message}", file=sys.stderr)
    return 2


async def _verify(args: argparse.Namespace, out: Output) -> int:
    url = str(args.url)
    if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).netloc:
        return _usage(f"{url!r} is not an http(s) URL of a proposal, a flood proposal or a pool")
    if (args.key_file is None) != (args.key_id is None):
        return _usage("--key-file and --key-id go together: the key, and the id its actor publishes")
    signer = None
    if args.key_file is not None:
        try:
            signer = key_signer(Path(args.key_file), args.key_id)
        except ValueError as exc:
            return _usage(str(exc))
    sign = reader_credentials(url, signer=signer, token=args.token or None)
    limits = Limits(max_requests=args.max_requests, max_bytes=args.max_bytes,
                    allow_private_addresses=args.allow_private_addresses)

    def progress(message: str) -> None:
        if not args.quiet:
            print(message, file=sys.stderr, flush=True)

    report = Report(url)
    async with aiohttp.ClientSession(headers={"User-Agent": USER_AGENT}) as session:
        fetcher = Fetcher(session, sign_get=sign, allow_private_addresses=limits.allow_private_addresses,
                          total_timeout=limits.request_timeout, max_bytes=limits.max_bytes)
        reader = RecordReader(fetcher, limits, progress, signed=sign is not None)
        try:
            async with asyncio.timeout(args.timeout):
                await verify_url(reader, url, datetime.now(UTC), report)
        except TimeoutError:
            report.error("time", url, f"stopped after {args.timeout:g} s (--timeout): the checks "
                         "above were made, the rest were not")
        report.requests = reader.requests
    checked_at = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    if out.as_json:
        print(json.dumps(report.to_dict(checked_at), indent=2, ensure_ascii=False))
    else:
        print("\n".join(report.lines()))
    return report.exit_code


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def _seconds(text: str) -> float:
    value = float(text)
    if not 0 < value <= 86400:
        raise argparse.ArgumentTypeError("must be more than 0 and at most 86400 seconds")
    return value


def add_verify(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The ``verify`` command (no ``--data``: it needs no node)."""
    verify = commands.add_parser(
        "verify", help="check a pool, proposal or flood proposal from its public record",
        description="Check a pool, a proposal or a flood proposal from outside: every proof against "
                    "its author's key, the tally recounted from the signed electorate and ballots, "
                    "the ledger replayed, flood attestations compared. Needs no node. Exit 0: every "
                    "check holds; 1: one fails; 2: some could not be made.")
    verify.add_argument("url", help="the URL of a proposal, a flood proposal or a pool")
    verify.add_argument("--json", action="store_true", help="print the report as JSON (schema: "
                        "schemas/json/verify-report.json)")
    verify.add_argument("--token", default=os.environ.get("POOLNODE_TOKEN"),
                        help="a member's API token on the pool's node (default: $POOLNODE_TOKEN), "
                             "for a pool whose record is visible to its members only; sent to that "
                             "node alone")
    verify.add_argument("--key-file", help="a PEM private key (RSA or Ed25519) to sign the GETs with, "
                        "for a pool whose record is visible to its members only")
    verify.add_argument("--key-id", help="the id of that key in its actor's document "
                        "(e.g. https://node.example/users/ana#main-key)")
    verify.add_argument("--allow-private-addresses", action="store_true",
                        help="also read from loopback and private addresses (a node on your own network)")
    verify.add_argument("--timeout", type=_seconds, default=600.0,
                        help="stop after this many seconds in all (default 600)")
    verify.add_argument("--max-requests", type=_positive, default=5000,
                        help="read at most this many documents (default 5000)")
    verify.add_argument("--max-bytes", type=_positive, default=4 * 1024 * 1024,
                        help="refuse a response larger than this (default 4 MiB)")
    verify.add_argument("--quiet", action="store_true", help="no progress on stderr")
    verify.set_defaults(run=_verify)

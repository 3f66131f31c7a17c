"""``poolnode worker``: drain a node's queues and run its clocks, with no HTTP listener.

A provider who runs its web processes with ``serve --no-workers`` runs one or more of these on
the same PostgreSQL database (docs/OPERATIONS.md, "Several processes"). A worker builds the
same application as ``serve`` (stores, caches, the inbox and delivery workers, the clocks) and
starts it without listening anywhere. SIGTERM or SIGINT stops it as ``serve`` stops: the
workers stop claiming, rows claimed but not done go back to the queue, results are written.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal

from node import __version__
from node.cli.common import Output, data_config
from node.cli.server import check_database, require_shared_database, setup_logging
from node.storage import Database

__all__ = ["add_worker"]

WORK = ("the inbox and delivery queues, and the clocks: closing due proposals, money owed, "
        "flood proposals, inbox retention, notifications and mail, witnessing ledgers")


async def _worker(args: argparse.Namespace, out: Output) -> int:
    from aiohttp import web

    from node.app import create_app

    config = data_config(args)
    require_shared_database(config, "poolnode worker")
    setup_logging(config)
    await check_database(config)
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    received: list[str] = []

    def on_signal(sig: signal.Signals) -> None:
        received.append(sig.name)
        stop.set()

    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, on_signal, sig)
    runner = web.AppRunner(create_app(config, workers=True), handle_signals=False)
    try:
        await runner.setup()  # the app's cleanup contexts start: database, workers, clocks
        out.progress(f"poolnode {__version__} worker {os.getpid()} for {config.base_url} on "
                     f"{Database.for_config(config).location}: started")
        out.progress(f"  works on {WORK}; no HTTP listener. Stop it with SIGTERM (or Ctrl-C).")
        await stop.wait()
        out.progress(f"poolnode worker {os.getpid()}: {received[0]} received, stopping (rows "
                     "claimed and not done go back to the queue) ...")
    finally:
        await runner.cleanup()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
    out.progress(f"poolnode worker {os.getpid()}: stopped")
    return 0


def add_worker(commands: argparse._SubParsersAction[argparse.ArgumentParser],
               common: argparse.ArgumentParser) -> None:
    """The ``worker`` command."""
    worker = commands.add_parser(
        "worker", parents=[common],
        help="drain the queues and run the clocks, without HTTP (beside 'serve --no-workers'; "
             "PostgreSQL only)")
    worker.set_defaults(run=_worker)

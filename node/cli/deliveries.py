"""``poolnode deliveries``: outgoing deliveries by state, and failing hosts."""

from __future__ import annotations

import argparse

from node.cli.common import Output, Stores, data_config, with_stores
from node.storage import DeliveryStore

__all__ = ["add_deliveries"]


async def _deliveries(args: argparse.Namespace, out: Output) -> int:
    config = data_config(args)

    async def work(stores: Stores) -> int:
        deliveries = DeliveryStore(stores.db)
        counts = await deliveries.counts()
        hosts = await deliveries.failing_hosts()
        rows = [
            {
                "host": h.host, "queued": h.queued, "failed": h.failed, "skipped": h.skipped,
                "consecutive_failures": h.consecutive_failures,
                "failing_since": h.failing_since, "unavailable": h.unavailable,
                "last_error": h.last_error,
            }
            for h in hosts
        ]
        lines = ["  ".join(f"{state} {n}" for state, n in counts.items())]
        for h in hosts:
            mark = "unavailable" if h.unavailable else f"{h.consecutive_failures} failures"
            lines.append(
                f"{h.host:<32} {mark:<14} queued {h.queued} failed {h.failed} "
                f"skipped {h.skipped}  {h.last_error or ''}"
            )
        out.emit({"counts": counts, "failing_hosts": rows}, lines)
        return 0

    return await with_stores(config, work)


def add_deliveries(commands: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser) -> None:
    """The ``deliveries`` command."""
    deliveries = commands.add_parser(
        "deliveries", parents=[common], help="outgoing deliveries by state, and failing hosts"
    )
    deliveries.set_defaults(run=_deliveries)

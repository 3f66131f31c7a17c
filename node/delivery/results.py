"""Writing the delivery workers' results: one transaction per batch, nothing lost on failure.

The queue buffers each attempt's result and each row it gives back unsent; the flusher hands
them here with the hosts' changed health. A write that fails (a database busy or gone for a
moment) leaves everything it took where it was, so the next flush writes it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from node.delivery.hosts import HostBook
from node.storage import DeliveryResult, DeliveryStore

__all__ = ["write_results"]

log = logging.getLogger("poolnode.delivery")


async def write_results(store: DeliveryStore, hosts: HostBook, clock: Callable[[], float],
                        results: list[DeliveryResult], unlock: list[int]) -> bool:
    """Write ``results``, the hosts' changed health and ``unlock`` in one transaction, then
    skip the queued rows of hosts newly unavailable and make due those of hosts that answer
    again; whether any host answered again.

    On failure the caller's lists are left to give back; the hosts' changes that were not
    written go back to ``hosts`` for the next call."""
    changed, skip = hosts.take_changes()
    try:
        await store.record(results, changed, clock(), unlock)
    except BaseException:
        hosts.give_back(changed, skip, set())
        raise
    skip_left, revived = set(skip), hosts.take_revived()
    revived_left = set(revived)
    try:
        for host in skip:
            skipped = await store.skip_host(host, clock())
            skip_left.discard(host)
            log.warning("skipped %d queued deliveries to unavailable host %s", skipped, host)
        for host in revived:
            hastened = await store.hasten(host, clock())
            revived_left.discard(host)
            if hastened:
                log.info("host %s answers again: %d waiting deliveries are due now", host, hastened)
    except BaseException:
        hosts.give_back([], skip_left, revived_left)
        raise
    return bool(revived)

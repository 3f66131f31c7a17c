"""The delivery queue of a process that leaves delivering to ``poolnode worker`` processes
(``serve --no-workers``): it queues rows as every process does, and wakes the workers."""

from __future__ import annotations

from collections.abc import Callable

from node.delivery.queue import DeliveryQueue

__all__ = ["DeliveryFront"]


class DeliveryFront(DeliveryQueue):
    """A DeliveryQueue that claims and sends nothing: ``wake`` calls ``on_wake`` (a notice to
    the worker processes), and hosts found unavailable are those known when it started."""

    on_wake: Callable[[], None] = staticmethod(lambda: None)

    async def start(self) -> None:
        """Load host health (new deliveries to an unavailable host are queued as skipped)."""
        self._hosts.load(await self.store.hosts())

    async def stop(self) -> None:
        """Close the HTTP client and the signing threads (never used here)."""
        await self.http.close()
        self._signer.shutdown(wait=False, cancel_futures=True)

    def wake(self) -> None:
        """New rows are due: tell the processes that deliver."""
        self.on_wake()

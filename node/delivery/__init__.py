"""Outgoing federation: the durable delivery queue, its workers, retries and breaker.

``enqueue_activity`` writes one row per (activity, inbox); the workers started by
``delivery_ctx`` sign and POST them, retry with backoff and skip dead hosts.
See docs/FEDERATION.md, "Sending".
"""

from node.delivery.service import (
    delivery_ctx,
    enqueue_activity,
    mark_host_alive,
    settings_from_config,
)

__all__ = ["delivery_ctx", "enqueue_activity", "mark_host_alive", "settings_from_config"]

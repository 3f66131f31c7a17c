"""Kept for imports written before replies moved below the handlers: see node.delivery.replies."""

from node.delivery import enqueue_activity
from node.delivery.replies import reply

__all__ = ["enqueue_activity", "reply"]

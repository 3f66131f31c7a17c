"""A pool's bylaws as the node stores and serves them."""

from __future__ import annotations

import json

__all__ = ["default_bylaws_json"]


def default_bylaws_json(name: str, purpose: str, currency: str) -> str:
    """Bylaws a new pool starts with (placeholder until the governance core provides them)."""
    return json.dumps({"name": name, "purpose": purpose, "currency": currency})

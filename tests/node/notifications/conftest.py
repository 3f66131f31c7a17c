"""The notification tests read what they just wrote: no commit lag (tests/.../test_horizon.py
checks the lag itself)."""

from __future__ import annotations

from typing import Any

import pytest

from node.app import create_app
from node.notifications.notifier import HORIZON


def no_commit_lag(client: Any) -> Any:
    client.app[HORIZON].lag = 0.0
    return client


@pytest.fixture
async def client(node, aiohttp_client):  # type: ignore[no-untyped-def]
    return no_commit_lag(await aiohttp_client(create_app(node.config)))


@pytest.fixture
async def fed_client(fed, aiohttp_client):  # type: ignore[no-untyped-def]
    return no_commit_lag(await aiohttp_client(create_app(fed.config)))

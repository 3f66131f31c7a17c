"""Fixtures for black-box acceptance tests: the shared node fixtures, and a real served node."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.conftest import NodeSetup, make_node
from tests.multinode.conftest import cluster, pytest_runtest_makereport
from tests.multinode.harness import FAST_DELIVERY, NodeProcess, free_port
from tests.node.conftest import fed, fed_client, remote

__all__ = ["PUBLIC", "NodeSetup", "cluster", "fed", "fed_client", "make_node",
           "pytest_runtest_makereport", "remote", "s2s"]

BODY_READ_TIMEOUT = "2"
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"


@pytest.fixture
def s2s(fed_client):  # type: ignore[no-untyped-def]
    """A test client on the ``fed`` node (loopback fetches and deliveries allowed)."""
    return fed_client


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NodeProcess]:
    """One real ``poolnode serve`` (aiohttp's own server) with a 2 s body read timeout."""
    root = tmp_path_factory.mktemp("served")
    env = {**os.environ, **FAST_DELIVERY, "POOLNODE_BODY_READ_TIMEOUT": BODY_READ_TIMEOUT,
           "POOLNODE_ALLOW_PRIVATE_ADDRESSES": "true"}
    env.pop("POOLNODE_DATA", None)
    process = NodeProcess("served", root, free_port(), env)
    process.initialise()
    process.start()
    try:
        yield process
    finally:
        process.stop()


@pytest.fixture(scope="module")
def patient(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NodeProcess]:
    """A real served node with a long body read timeout (60 s): slow clients stay slow."""
    root = tmp_path_factory.mktemp("patient")
    env = {**os.environ, **FAST_DELIVERY, "POOLNODE_BODY_READ_TIMEOUT": "60"}
    env.pop("POOLNODE_DATA", None)
    process = NodeProcess("patient", root, free_port(), env)
    process.initialise()
    process.start()
    try:
        yield process
    finally:
        process.stop()

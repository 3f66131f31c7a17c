"""Acceptance tests reuse the node fixtures (tests/conftest.py) and real node processes."""

from __future__ import annotations

from tests.multinode.conftest import cluster, pytest_runtest_makereport

__all__ = ["cluster", "pytest_runtest_makereport"]

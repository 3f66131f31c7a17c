"""The ``cluster`` fixture for the live half of the independent implementation's tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.multinode.harness import Cluster


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    nodes = Cluster(tmp_path)
    try:
        yield nodes
    except BaseException:
        print(nodes.logs())
        raise
    finally:
        nodes.close()

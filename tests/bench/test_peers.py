"""The peer comparison's bookkeeping: alternating order, ratios per round, clear skips.

The comparison itself (servers, loads) is not run here: ``python -m bench.peers`` is
optional and needs Fedify and bovine-herd installed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.peers.__main__ import Measure, compare, rows
from bench.peers.servers import PEERS, Peer, Running


def _server(name: str) -> Running:
    return Running(name, f"http://127.0.0.1:1/{name}", 0)


def test_every_round_loads_every_server_and_the_order_rotates() -> None:
    servers = [_server("a"), _server("poolnode"), _server("c")]
    order: list[str] = []

    def measure(server: Running, prefix: str) -> Measure:
        order.append(server.name)
        return Measure(10, 1.0, 0.01, {"202": 10})

    got = compare(servers, 3, measure)
    assert order == ["a", "poolnode", "c", "poolnode", "c", "a", "c", "a", "poolnode"]
    assert {name: len(m) for name, m in got.items()} == {"a": 3, "poolnode": 3, "c": 3}


def test_ratios_are_per_round_and_skips_say_why() -> None:
    got = {
        "poolnode": [Measure(100, 1.0, 0.05, {"202": 100}), Measure(100, 2.0, 0.05, {"202": 100})],
        "Fedify": [Measure(100, 10.0, 0.5, {"202": 100}), Measure(100, 10.0, 0.5, {"202": 100})],
        "broken": [Measure(0, 1.0, 0.0, {"401": 100})],
    }
    table = {r.metric: r for r in rows(got, {"bovine-herd": "not installed"}, 100)}
    ratio = table["poolnode / Fedify, accepted/s"]
    assert ratio.rounds == (10.0, 5.0) and ratio.value == 7.5
    assert "10.00x poolnode's CPU" in ratio.note
    assert table["poolnode: server CPU per activity until idle"].value == 0.5
    assert table["broken: accepted/s"].value is None
    assert table["broken: accepted/s"].note.startswith("not available: no 202")
    assert table["bovine-herd: accepted/s"].note == "not available: not installed"
    assert "poolnode / broken, accepted/s" not in table


def test_a_peer_not_installed_names_the_install_step(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("bench.peers.servers.BOVINE_PYTHON", Path("/nonexistent/python"))
    reason = Peer("bovine-herd", "bovine").missing()
    assert reason is not None and "scripts/peers-deps.sh" in reason
    assert Peer("poolnode", "poolnode").missing() is None
    assert [p.name for p in PEERS] == ["bare aiohttp 202", "poolnode", "Fedify", "bovine-herd"]

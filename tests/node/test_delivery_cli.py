"""`poolnode deliveries`: counts by state and the hosts that are failing."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from node.cli import main
from node.storage import Database, DeliveryResult, DeliveryStore, DeliveryTarget, HostRecord
from tests.conftest import make_node


async def _queue_some(data_dir: Path) -> None:
    node = await make_node(data_dir)
    db = Database.for_config(node.config)
    await db.open()
    try:
        store = DeliveryStore(db)
        targets = [
            DeliveryTarget("https://ok.example/inbox", "ok.example"),
            DeliveryTarget("https://down.example/inbox", "down.example"),
            DeliveryTarget("https://gone.example/inbox", "gone.example", "skipped"),
        ]
        await store.enqueue(
            sender_id=node.pool.id, activity_uri="urn:a", body=b"{}", targets=targets,
            local_owner_ids=[], now=1000.0, now_iso="2025-01-01T00:00:00Z",
        )
        await store.record(
            [DeliveryResult(1, "delivered", 1, 1000.0, 202, None)],
            [HostRecord("down.example", "https://down.example", consecutive_failures=4,
                        failing_since=900.0, last_error="HTTP 503")],
            1000.0,
        )
    finally:
        await db.close()


def test_deliveries_lists_counts_and_failing_hosts(tmp_path, capsys):
    data_dir = tmp_path / "data"
    asyncio.run(_queue_some(data_dir))
    assert main(["deliveries", "--data", str(data_dir), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["counts"] == {"queued": 1, "delivered": 1, "failed": 0, "skipped": 1}
    hosts = {h["host"]: h for h in report["failing_hosts"]}
    assert set(hosts) == {"down.example", "gone.example"}
    assert hosts["down.example"]["consecutive_failures"] == 4
    assert hosts["down.example"]["last_error"] == "HTTP 503"
    assert hosts["gone.example"]["skipped"] == 1

    assert main(["deliveries", "--data", str(data_dir)]) == 0
    text = capsys.readouterr().out
    assert "queued 1  delivered 1  failed 0  skipped 1" in text
    assert "down.example" in text and "4 failures" in text

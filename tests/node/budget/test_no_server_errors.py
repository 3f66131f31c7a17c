"""Budget round activities with fields replaced by arbitrary JSON never cause a server error:
every refusal is a 4xx with a reason, and the round's pages and documents answer odd input."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.node.budget.helpers import POOL, bucket, contribute, open_round
from tests.node.pools.helpers import AP

_TEMPLATES: list[dict[str, Any]] = [
    {"type": "Proposal", "pool": POOL, "name": "Round", "proposalKind": "budget_round", "pot": 100,
     "currency": "EUR", "purpose": "p"},
    {"type": "Bucket", "pool": POOL, "proposal": "ROUND", "name": "Tools", "content": "why",
     "minGoal": 10, "maxGoal": 20},
    {"type": "Allocation", "pool": POOL, "proposal": "ROUND",
     "amounts": [{"bucket": "BUCKET", "amount": 10}]},
]
_FIELDS = ["type", "pool", "name", "proposalKind", "pot", "currency", "purpose", "proposal",
           "content", "minGoal", "maxGoal", "amounts", "bucket", "amount", "ballotType", "sequence",
           "published", "id", "attributedTo", "bucketsCloseAt", "allowance", "proof", "@context"]
_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.integers(min_value=10**15, max_value=10**40)
    | st.floats(allow_nan=False) | st.text(max_size=30)
    | st.sampled_from(["", "ROUND", "BUCKET", POOL, "EUR", "2025-01-01T00:00:00Z", "http://x:²/"]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(_FIELDS), inner, max_size=3),
    max_leaves=8,
)


@st.composite
def _activity(draw: st.DrawFn) -> dict[str, Any]:
    body = json.loads(json.dumps(draw(st.sampled_from(_TEMPLATES))))
    for _ in range(draw(st.integers(1, 3))):
        field = draw(st.sampled_from(_FIELDS))
        if draw(st.booleans()) and field in body:
            del body[field]
        elif field in ("bucket", "amount") and isinstance(body.get("amounts"), list) and body["amounts"]:
            body["amounts"][0][field] = draw(_json)
        else:
            body[field] = draw(_json)
    return body


def _filled(value: Any, round_id: str) -> Any:
    if value == "ROUND":
        return round_id
    if value == "BUCKET":
        return round_id + "/buckets/1"
    if isinstance(value, list):
        return [_filled(v, round_id) for v in value]
    if isinstance(value, dict):
        return {k: _filled(v, round_id) for k, v in value.items()}
    return value


async def test_budget_activities_with_arbitrary_fields_never_cause_a_server_error(client, node) -> None:  # type: ignore[no-untyped-def]
    await contribute(client, node, 100000)
    round_id = (await open_round(client, node))["id"]
    assert (await bucket(client, "alice", node.alice_token, round_id, "Seeds", 10, 20)).status == 201
    bodies: list[tuple[str, dict[str, Any]]] = []

    @settings(max_examples=200, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(_activity(), st.sampled_from(["admin", "alice"]))
    def check(body: dict[str, Any], user: str) -> None:
        bodies.append((user, _filled(body, round_id)))

    check()
    tokens = {"admin": node.admin_token, "alice": node.alice_token}
    statuses: dict[int, int] = {}
    failures = []
    for user, body in bodies:
        resp = await client.post(f"/users/{user}/outbox", json=body,
                                 headers={"Authorization": f"Bearer {tokens[user]}"})
        statuses[resp.status] = statuses.get(resp.status, 0) + 1
        if resp.status >= 500:
            failures.append((body, resp.status, (await resp.text())[:300]))
        elif resp.status >= 400:
            assert (await resp.json())["error"], body
    assert failures == []
    assert statuses.get(201, 0) > 5 and sum(n for s, n in statuses.items() if 400 <= s < 500) > 50, statuses
    path = round_id.removeprefix("http://node.test")
    for suffix in ("", "/result", "/buckets", "/buckets?page=true&before=x", "/buckets/1",
                   "/buckets/999999999", "/allocations?page=true", "/tally", "/question", "/live"):
        for accept in (AP, "text/html"):
            resp = await client.get(path + suffix, headers={"Accept": accept})
            assert resp.status < 500, (suffix, accept, resp.status)

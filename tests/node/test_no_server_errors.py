"""Bad input never causes a 500: every read route with odd path parts and query strings,
and client-to-server activities with fields replaced by arbitrary JSON.

A 4xx with a reason is the answer to bad input (see README, "Errors"); a 5xx here is a bug.
"""

from __future__ import annotations

import itertools
import json
import logging
import re
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from federation.errors import FederationError
from node.errors import NodeError
from tests.node.pools.helpers import AP, POOL, propose

AUTH = "Authorization"

# Values for each path parameter: real ones (so handlers go past the lookup), then odd ones.
_ODD = ["nope", "0", "-1", "99999999999999999999999", "%C3%BC", "%00", "a%2Fb", "..", "²", "x" * 300]
_PATH_VALUES: dict[str, list[str]] = {
    "kind": ["pools", "users", "objects", *_ODD],
    "name": ["commons", "admin", *_ODD],
    "key": [*_ODD],
    "sequence": ["1", "0", *_ODD],
    "what": ["objects", "activities", *_ODD],
    "slug": ["some-flood", *_ODD],
    "membership": ["1", *_ODD],
    "token_id": ["1", *_ODD],
}
_QUERIES = [
    "", "?page=true", "?page=x", "?page=true&before=abc", "?page=true&before=-1",
    "?page=true&before=99999999999999999999999", "?page=true&before=%C2%B2", "?before=1",
    "?resource=acct:admin@node.test", "?resource=acct:%00@x", "?resource=https://x:%C2%B2/",
    "?pool=http://x:%C2%B2/", "?pool=" + POOL, "?pool=javascript:alert(1)", "?after=%FF",
    "?page=" + "9" * 400,
]
_ACCEPTS = [AP, "text/html", "application/json", "*/*", "image/png"]


def _read_routes(app: Any) -> list[str]:
    seen: list[str] = []
    for route in app.router.routes():
        path = route.resource.canonical if route.resource is not None else ""
        if route.method == "GET" and path not in seen and not path.startswith("/static"):
            seen.append(path)
    return seen


def _fill(path: str, n: int, proposal_key: str) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        values = _PATH_VALUES.get(name, _ODD)
        if name == "key":
            values = [proposal_key, *values]
        return values[n % len(values)]

    return re.sub(r"\{(\w+)\}", value, path)


async def test_every_read_route_answers_odd_paths_and_queries_without_a_server_error(client, node) -> None:  # type: ignore[no-untyped-def]
    proposal = await propose(client, "admin", node.admin_token)
    key = proposal["id"].rsplit("/", 1)[1]
    failures = []
    tried = 0
    for path in _read_routes(client.app):
        variants = max(len(v) for v in _PATH_VALUES.values()) if "{" in path else 1
        for n, query in itertools.product(range(variants), _QUERIES):
            url = _fill(path, n, key) + query
            headers = {"Accept": _ACCEPTS[tried % len(_ACCEPTS)]}
            if tried % 3 == 0:
                headers[AUTH] = f"Bearer {node.admin_token}"
            tried += 1
            resp = await client.get(url, headers=headers, allow_redirects=False)
            if resp.status >= 500:
                failures.append((url, headers["Accept"], resp.status, (await resp.text())[:200]))
    assert tried > 1000
    assert failures == []


# ---- client-to-server activities ------------------------------------------------------------

_TEMPLATES: list[dict[str, Any]] = [
    {"type": "Proposal", "pool": POOL, "name": "Buy a drill"},
    {"type": "Proposal", "pool": POOL, "name": "Spend", "proposalKind": "disbursement",
     "amount": 3000, "currency": "EUR", "payee": "Tool shop", "purpose": "a drill"},
    {"type": "Proposal", "pool": POOL, "name": "Rules", "proposalKind": "bylaws_change",
     "proposedBylaws": {"name": "Commons", "purpose": "Tools", "currency": "EUR",
                        "minimumShare": 2500, "quorum": "1/2", "threshold": "1/2"}},
    {"type": "Proposal", "pool": POOL, "name": "Expel", "proposalKind": "expulsion",
     "person": "http://node.test/users/alice"},
    {"type": "Proposal", "pool": POOL, "name": "Pick", "ballotType": "single",
     "options": ["a", "b"]},
    {"type": "Ballot", "pool": POOL, "proposal": "PROPOSAL", "choice": ["agree"]},
    {"type": "LedgerEntry", "pool": POOL, "entryKind": "contribution",
     "person": "http://node.test/users/alice", "amount": 5000, "reference": "bank 17"},
    {"type": "LedgerEntry", "pool": POOL, "entryKind": "payment", "proposal": "PROPOSAL",
     "amount": 3000, "reference": "invoice"},
    {"type": "Join", "object": POOL},
    {"type": "Leave", "object": POOL},
    {"type": "Follow", "object": "http://node.test/pools/commons"},
    {"type": "Undo", "object": {"type": "Follow", "object": POOL}},
    {"type": "Note", "content": "hello", "to": ["https://www.w3.org/ns/activitystreams#Public"]},
    {"type": "Create", "object": {"type": "Note", "content": "hi"}},
    {"type": "Update", "object": {"type": "Note", "id": "http://node.test/objects/x"}},
    {"type": "Delete", "object": "http://node.test/objects/x"},
    {"type": "Note", "content": "<p>a comment</p>", "inReplyTo": "PROPOSAL"},
    {"type": "Note", "content": "outcome", "inReplyTo": "PROPOSAL", "outcomeOf": "PROPOSAL"},
    {"type": "Page", "name": "A discussion", "content": "<p>hi</p>", "audience": POOL},
    {"type": "Block", "object": "http://elsewhere.example/users/x"},
    {"type": "Undo", "object": {"type": "Block", "object": "http://elsewhere.example/users/x"}},
]
_FIELDS = ["type", "pool", "name", "proposalKind", "amount", "currency", "payee", "purpose",
           "proposedBylaws", "person", "ballotType", "options", "proposal", "choice", "entryKind",
           "reference", "object", "content", "to", "cc", "closesAt", "opensAt", "votingPeriod",
           "quorum", "threshold", "id", "actor", "attributedTo", "inReplyTo", "@context",
           "published", "proof", "minimumShare", "memo", "flood", "pledge", "ranking",
           "audience", "outcomeOf", "tag", "source", "discussion"]

_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.integers(min_value=10**15, max_value=10**40)
    | st.floats(allow_nan=False) | st.text(max_size=40)
    | st.sampled_from(["", "1/2", "-1/2", "1/0", "P30D", "2025-01-01T00:00:00Z", "²", "\x00",
                       "agree", "PROPOSAL", POOL, "http://x:²/", "https://", "EUR", "XXX"]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(_FIELDS), inner,
                                                                 max_size=4),
    max_leaves=8,
)


@st.composite
def _activity(draw: st.DrawFn) -> dict[str, Any]:
    body = json.loads(json.dumps(draw(st.sampled_from(_TEMPLATES))))
    for _ in range(draw(st.integers(1, 3))):
        field = draw(st.sampled_from(_FIELDS))
        if draw(st.booleans()) and field in body:
            del body[field]
        else:
            body[field] = draw(_json)
    return body


def _with_proposal(value: Any, proposal: str) -> Any:
    if value == "PROPOSAL":
        return proposal
    if isinstance(value, list):
        return [_with_proposal(v, proposal) for v in value]
    if isinstance(value, dict):
        return {k: _with_proposal(v, proposal) for k, v in value.items()}
    return value


async def test_client_activities_with_arbitrary_fields_never_cause_a_server_error(client, node) -> None:  # type: ignore[no-untyped-def]
    proposal = (await propose(client, "admin", node.admin_token))["id"]
    failures: list[tuple[dict[str, Any], int, str]] = []

    @settings(max_examples=250, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(_activity(), st.sampled_from(["admin", "alice"]))
    def check(body: dict[str, Any], user: str) -> None:
        bodies.append((user, _with_proposal(body, proposal)))

    bodies: list[tuple[str, dict[str, Any]]] = []
    check()  # draws the examples; the requests run on the test's own event loop below
    statuses: dict[int, int] = {}
    tokens = {"admin": node.admin_token, "alice": node.alice_token}
    for user, body in bodies:
        resp = await client.post(f"/users/{user}/outbox", json=body,
                                 headers={AUTH: f"Bearer {tokens[user]}"})
        statuses[resp.status] = statuses.get(resp.status, 0) + 1
        if resp.status >= 500:
            failures.append((body, resp.status, (await resp.text())[:300]))
    assert len(bodies) >= 200
    assert statuses.get(201, 0) > 10, statuses  # some still valid: the mutations are not all fatal
    assert failures == []


async def test_a_fractional_or_unsafe_number_is_a_400_with_the_reason(client, node) -> None:  # type: ignore[no-untyped-def]
    for amount in (12.5, 2**60):
        resp = await client.post("/users/admin/outbox", headers={AUTH: f"Bearer {node.admin_token}"},
                                 json={"type": "Proposal", "pool": POOL, "name": "Spend",
                                       "proposalKind": "disbursement", "amount": amount,
                                       "currency": "EUR", "payee": "Shop", "purpose": "x"})
        assert resp.status == 400, await resp.text()
        expected = "minor units" if amount == 12.5 else "the amount is too large: at most EUR"
        assert expected in (await resp.json())["error"]


# ---- web forms ------------------------------------------------------------------------------

_FORM_FIELDS = ["admission", "amount", "choice", "currency", "current", "display_name", "handle",
                "kind", "label", "min_share", "name", "new_admission", "new_amendment_comparator",
                "new_amendment_threshold", "new_block_vetoes", "new_min_share", "new_quorum",
                "new_threshold", "new_threshold_comparator", "new_voting_period", "next",
                "password", "payee", "person", "proposal", "purpose", "quorum", "reason",
                "reference", "text", "threshold", "title", "username", "voting_days"]
_FORM_VALUES = ["", "0", "-1", "1.5", "1e9", "99999999999999999999999", "²", "½", "1/0", "0/0",
                "2/3", " 12 ", "NaN", "Infinity", "\x00", "x" * 5000, "agree", "block", "EUR",
                "steward", "vote", "open", "disbursement", "bylaws_change", "at_least",
                "https://x:²/", "http://node.test/users/alice", "//evil.example", "1"]


async def test_web_forms_with_arbitrary_fields_never_cause_a_server_error(client, node) -> None:  # type: ignore[no-untyped-def]
    from tests.web.helpers import HTML, csrf_of, page, set_password, sign_in

    proposal = await propose(client, "admin", node.admin_token)
    key = proposal["id"].rsplit("/", 1)[1]
    await set_password(client, "admin")
    await sign_in(client, "admin")
    csrf = csrf_of(await page(client, "/pools/commons/proposals/" + key))
    paths = ["/create-pool", "/pools/commons/join", "/pools/commons/propose",
             f"/pools/commons/proposals/{key}/vote", "/pools/commons/ledger/record",
             "/pools/commons/ledger/pay", "/pools/commons/floods/vote", "/settings/tokens",
             "/settings/tokens/1/revoke", "/settings/tokens/x/revoke", "/settings/password",
             "/pools/commons/applicants/1/admit", "/pools/commons/applicants/x/reject",
             "/signup"]
    forms: list[dict[str, str]] = []

    @settings(max_examples=200, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(st.dictionaries(st.sampled_from(_FORM_FIELDS),
                           st.sampled_from(_FORM_VALUES) | st.text(max_size=20), max_size=8))
    def draw(form: dict[str, str]) -> None:
        forms.append(form)

    draw()
    failures = []
    statuses: dict[int, int] = {}
    for n, form in enumerate(forms):
        path = paths[n % len(paths)]
        resp = await client.post(path, data={"csrf": csrf, **form}, headers=HTML,
                                 allow_redirects=False)
        statuses[resp.status] = statuses.get(resp.status, 0) + 1
        if resp.status >= 500:
            failures.append((path, form, resp.status))
    assert len(forms) >= 150
    # Most forms got past the session and CSRF checks to the handlers' own validation.
    assert statuses.get(403, 0) < len(forms) // 2, statuses
    assert failures == []


# ---- activities received from other servers ---------------------------------------------------

_INBOUND_TYPES = ["Create", "Follow", "Undo", "Accept", "Reject", "Announce", "Update", "Delete",
                  "Join", "Leave", "Like"]
_INBOUND_OBJECTS: list[Any] = [
    {"type": "Note", "content": "hi", "to": [POOL]},
    {"type": "Ballot", "proposal": "PROPOSAL", "choice": ["agree"], "pool": POOL},
    {"type": "Proposal", "pool": POOL, "name": "Theirs"},
    {"type": "LedgerEntry", "pool": POOL, "entryKind": "contribution", "amount": 100},
    {"type": "Follow", "object": POOL},
    {"type": "Tally", "proposal": "PROPOSAL"},
    {"type": "Question", "name": "poll", "oneOf": [{"type": "Note", "name": "a"}]},
    {"type": "Note", "name": "a", "inReplyTo": "PROPOSAL"},
    POOL, "PROPOSAL", "http://node.test/users/admin", "https://elsewhere.example/x",
]


async def test_received_activities_with_arbitrary_fields_fail_only_with_expected_errors(fed_client, fed, remote, caplog) -> None:  # type: ignore[no-untyped-def]
    """The inbox worker treats an unexpected exception as a bug (logged with its trace);
    anything a peer sends must end in success or in one of the errors it expects, one at a
    time and in the worker's batches alike."""
    from node.inbox.batch import process_batch
    from node.inbox.origin import check_origins, check_shape
    from node.inbox.worker import _RETRYABLE, process_item
    from node.storage import InboxItem

    client = fed_client
    actor = remote.add("peer")
    proposal = (await propose(client, "admin", fed.admin_token))["id"]
    activities: list[dict[str, Any]] = []

    @settings(max_examples=200, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(st.sampled_from(_INBOUND_TYPES), st.sampled_from(_INBOUND_OBJECTS),
           st.dictionaries(st.sampled_from([*_FIELDS, "oneOf", "anyOf", "endTime"]), _json,
                           max_size=3), st.booleans())
    def draw(kind: str, obj: Any, extra: dict[str, Any], nested: bool) -> None:
        body = json.loads(json.dumps(obj))
        if isinstance(body, dict):
            # On the actor's origin and by the actor, so the inbox's origin rules let it in.
            body = {"id": f"{actor.uri}/objects/{len(activities)}", "attributedTo": actor.uri,
                    **body}
            if nested:
                body.update(extra)
                extra = {}
        activity = {**actor.activity(kind, body), **extra}
        activity["actor"] = actor.uri  # the worker only sees activities whose actor signed
        activities.append(_with_proposal(activity, proposal))

    draw()
    unexpected = []
    admitted = 0
    batched: list[InboxItem] = []
    for n, activity in enumerate(activities):
        try:  # what the inbox checks before it queues an activity (a 4xx otherwise)
            activity = check_origins(check_shape(activity))
        except (NodeError, FederationError):
            continue
        admitted += 1
        item = InboxItem(n + 1, str(activity.get("id")), str(activity.get("type")), actor.uri,
                         None, activity, "queued", 0, None)
        again = {**activity, "id": f"{activity['id']}/again"}  # a new activity, in a batch
        batched.append(InboxItem(100_000 + n, again["id"], item.activity_type, actor.uri, None,
                                 again, "queued", 0, None))
        try:
            await process_item(client.app, item)
        except _RETRYABLE:
            pass
        except Exception as exc:
            obj = activity.get("object")
            what = obj.get("type") if isinstance(obj, dict) else type(obj).__name__
            unexpected.append((activity["type"], what, f"{type(exc).__name__}: {exc}"))
    assert len(activities) >= 150 and admitted >= 100
    assert sorted(set(unexpected), key=str) == []

    # Through the worker's batches an error nobody foresaw is logged as a failed item (or an
    # item that had to go one at a time), never raised out of the batch.
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="poolnode.inbox"):
        for start in range(0, len(batched), 16):
            await process_batch(client.app, batched[start:start + 16])
    surprises = [r.getMessage() for r in caplog.records
                 if r.levelno >= logging.ERROR or "one at a time" in r.getMessage()
                 or "deciding on it failed" in r.getMessage()]
    assert surprises == []

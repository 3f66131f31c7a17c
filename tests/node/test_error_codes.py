"""Every JSON error body carries a machine ``code`` (docs/PROTOCOL.md §Errors), whatever raised it."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp import web

from federation import errors as federation_errors
from node import errors as node_errors
from node.errors import NodeError, error_middleware, json_error, status_code
from node.web.errors import TooManyAttempts
from node.wire import errors as wire_errors

AP = "application/activity+json"


def _classes(module: Any, base: type[Exception]) -> list[type[Exception]]:
    return [
        value for value in vars(module).values()
        if isinstance(value, type) and issubclass(value, base) and value is not base
    ]


ERRORS = [
    *_classes(node_errors, NodeError),
    *_classes(wire_errors, NodeError),
    *_classes(federation_errors, federation_errors.FederationError),
]


@pytest.mark.parametrize("error", ERRORS, ids=[e.__name__ for e in ERRORS])
async def test_each_error_class_answers_with_its_code(error: type[Exception], aiohttp_client) -> None:  # type: ignore[no-untyped-def]
    async def handler(request: web.Request) -> web.Response:
        raise error("the reason")  # type: ignore[call-arg]

    app = web.Application(middlewares=[error_middleware])
    app.router.add_get("/", handler)
    client = await aiohttp_client(app)
    resp = await client.get("/")
    body = await resp.json()
    assert resp.status == error.status  # type: ignore[attr-defined]
    assert body["error"] == "the reason"
    assert isinstance(body["code"], str) and body["code"]
    assert body["code"] == (getattr(error, "code", None) or status_code(resp.status))


async def test_codes_name_the_failure(aiohttp_client) -> None:  # type: ignore[no-untyped-def]
    raised: list[Exception] = [
        wire_errors.ProofRejected("proof rejected: proof does not verify"),
        wire_errors.InvalidDocument("invalid ballot: no", code="invalid_choice"),
        TooManyAttempts("slow down", 30),
        node_errors.NotFound("no such pool"),
    ]

    async def handler(request: web.Request) -> web.Response:
        raise raised[int(request.query["i"])]

    app = web.Application(middlewares=[error_middleware])
    app.router.add_get("/", handler)
    client = await aiohttp_client(app)
    codes = []
    for i in range(len(raised)):
        codes.append((await (await client.get(f"/?i={i}")).json())["code"])
    assert codes == ["proof_rejected", "invalid_choice", "rate_limited", "not_found"]


async def test_aiohttp_errors_get_the_code_of_their_status(client) -> None:  # type: ignore[no-untyped-def]
    missing = await client.get("/no/such/route", headers={"Accept": AP})
    assert missing.status == 404 and (await missing.json())["code"] == "not_found"
    wrong = await client.delete("/users/alice/outbox", headers={"Accept": AP})
    assert wrong.status == 405 and (await wrong.json())["code"] == "method_not_allowed"


def test_json_error_always_has_a_code() -> None:
    import json

    assert json.loads(json_error(418, "teapot").text or "")["code"] == "http_418"
    assert json.loads(json_error(409, "taken", code="ballot_id_conflict").text or "") == {
        "error": "taken",
        "code": "ballot_id_conflict",
    }

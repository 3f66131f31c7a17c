"""The load generator: run as ``python -m bench.loadgen`` with one JSON request on stdin.

It serves the signing remote actor's document on 127.0.0.1 (so the node can fetch the
key), pre-signs every request (draft-cavage rsa-sha256) before the clock starts, sends a
few warm-up requests one by one (the first makes the node fetch the key), then POSTs the
measured requests with a fixed concurrency. It is bounded by ``requests`` and by
``time_limit`` seconds. The answer (one JSON line on stdout): statuses, elapsed time,
sorted latencies, the ids the target accepted and when the measured load started (epoch
seconds, to compare with the node's processing times).

Request fields: target (URL, must be 127.0.0.1), requests, concurrency, warmup, time_limit,
id_prefix (distinct per run, so every activity id is new).
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import rsa

from federation.httpsig import sign_request
from federation.keys import public_key_to_pem

__all__ = ["main"]

AS2 = "https://www.w3.org/ns/activitystreams"
CONTENT_TYPE = "application/activity+json"


def _actor_document(base: str, public_pem: str) -> dict[str, Any]:
    actor = f"{base}/actor"
    return {
        "@context": [AS2, "https://w3id.org/security/v1"],
        "id": actor,
        "type": "Person",
        "preferredUsername": "loadgen",
        "inbox": f"{base}/inbox",
        "outbox": f"{base}/outbox",
        "publicKey": {"id": f"{actor}#main-key", "owner": actor, "publicKeyPem": public_pem},
    }


async def _serve_actor(public_pem: str) -> tuple[web.AppRunner, str]:
    holder: dict[str, bytes] = {}

    async def actor(request: web.Request) -> web.Response:
        return web.Response(body=holder["doc"], content_type=CONTENT_TYPE)

    app = web.Application()
    app.router.add_get("/actor", actor)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    base = f"http://127.0.0.1:{port}"
    holder["doc"] = json.dumps(_actor_document(base, public_pem)).encode()
    return runner, base


def _create(base: str, prefix: str, n: int, published: str) -> bytes:
    actor = f"{base}/actor"
    note = f"{base}/notes/{prefix}-{n}"
    return json.dumps({
        "@context": AS2,
        "id": f"{base}/activities/{prefix}-{n}",
        "type": "Create",
        "actor": actor,
        "published": published,
        "to": [f"{AS2}#Public"],
        "object": {
            "id": note, "type": "Note", "attributedTo": actor, "published": published,
            "to": [f"{AS2}#Public"], "content": f"Benchmark note {n}: hello, pool.",
        },
    }, separators=(",", ":")).encode()


def _presign(target: str, base: str, prefix: str, count: int, key: rsa.RSAPrivateKey,
             ) -> list[tuple[str, bytes, dict[str, str]]]:
    now = datetime.now(UTC)
    published = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    key_id = f"{base}/actor#main-key"
    out = []
    for n in range(count):
        body = _create(base, prefix, n, published)
        headers = sign_request("POST", target, body, key_id, key, now)
        headers["Content-Type"] = CONTENT_TYPE
        out.append((f"{base}/activities/{prefix}-{n}", body, headers))
    return out


async def _post(session: aiohttp.ClientSession, target: str, body: bytes,
                headers: dict[str, str]) -> int:
    async with session.post(target, data=body, headers=headers) as resp:
        await resp.read()
        return resp.status


async def run(request: dict[str, Any]) -> dict[str, Any]:
    """Serve the actor, pre-sign, warm up, then send the measured load."""
    target: str = request["target"]
    if urlsplit(target).hostname != "127.0.0.1":
        raise SystemExit("the load generator only targets 127.0.0.1")
    count, concurrency = int(request["requests"]), int(request["concurrency"])
    warmup, time_limit = int(request.get("warmup", 3)), float(request.get("time_limit", 60))
    prefix = str(request["id_prefix"])
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    runner, base = await _serve_actor(public_key_to_pem(key.public_key()))
    try:
        signing_started = time.perf_counter()
        signed = _presign(target, base, prefix, warmup + count, key)
        signing_seconds = time.perf_counter() - signing_started
        connector = aiohttp.TCPConnector(limit=concurrency, force_close=False)
        timeout = aiohttp.ClientTimeout(total=min(30.0, time_limit))
        async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
            warm_statuses = [await _post(session, target, b, h) for _, b, h in signed[:warmup]]
            measured = signed[warmup:]
            latencies: list[float] = []
            statuses: dict[str, int] = {}
            accepted = [i for (i, _, _), s in zip(signed, warm_statuses, strict=False) if s == 202]
            errors = 0
            next_index = 0

            async def worker() -> None:
                nonlocal next_index, errors
                while next_index < len(measured):
                    activity_id, body, headers = measured[next_index]
                    next_index += 1
                    t0 = time.perf_counter()
                    try:
                        status = await _post(session, target, body, headers)
                    except (aiohttp.ClientError, TimeoutError):
                        errors += 1
                        continue
                    latencies.append(time.perf_counter() - t0)
                    statuses[str(status)] = statuses.get(str(status), 0) + 1
                    if status == 202:
                        accepted.append(activity_id)

            started = time.perf_counter()
            started_at = time.time()  # the same clock as the node's processed_at
            cpu_started = time.process_time()
            timed_out = False
            try:
                async with asyncio.timeout(time_limit):
                    await asyncio.gather(*(worker() for _ in range(concurrency)))
            except TimeoutError:
                timed_out = True
            elapsed = time.perf_counter() - started
            cpu = time.process_time() - cpu_started
    finally:
        await runner.cleanup()
    latencies.sort()
    return {
        "warmup_statuses": warm_statuses,
        "statuses": statuses,
        "errors": errors,
        "timed_out": timed_out,
        "elapsed": elapsed,
        "started_at": started_at,
        "completed": len(latencies),
        "latencies": latencies,
        "accepted_ids": accepted,
        "signing_seconds": signing_seconds,
        "cpu_seconds": cpu,  # this generator's own CPU during the measured phase
    }


def main() -> None:
    """Read the request from stdin, print the answer as one JSON line."""
    request = json.loads(sys.stdin.read())
    print(json.dumps(asyncio.run(run(request))))


if __name__ == "__main__":
    main()

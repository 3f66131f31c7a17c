"""Remote members of a pool and their signed ballots: run as ``python -m bench.ballot_loadgen``.

Two JSON lines in on stdin, two out on stdout:

1. ``{"members": N, "hosts": H}``: make N members spread over H loopback servers (one
   port each, as if on H instances). Each member has its own Ed25519 key, published in
   its actor document's ``assertionMethod`` (FEP-521a); they share one RSA key (2,048-bit
   generation would otherwise dominate the set-up), each under its own key id. Every
   server serves ``/users/{name}`` and a shared inbox that answers 202 and counts.
   Answer, once every server listens: ``{"members": [actor ids]}``.
2. ``{"inbox", "pool", "proposal", "tally", "concurrency", "time_limit"}`` (and optionally
   ``"voters"``: only the first that many members vote): pre-sign one ``Create(Ballot)`` per
   voter (FEP-8b32 eddsa-jcs-2022 proof by the voter, HTTP signature rsa-sha256 by the
   voter) before the clock starts, POST them with the given concurrency, and poll ``tally``
   (every 50 ms) until its participation counts every voter or ``time_limit`` passes.
   Answer: statuses, latencies, and in seconds from the first POST the times of the last 202,
   of the first answer by which the pool had counted every ballot (the signed running Tally's
   participation plus its ``Poolnode-Unsigned-Ballots`` header: ballots verified, stored and
   counted since it was signed; ``pool_counted_at``) and of the first signed running Tally
   that counted them all (``counted_at``; the pool signs on its ``tally_interval`` clock).
   A request with ``"more": true`` says another one follows (another node or proposal).
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
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from federation.httpsig import sign_request
from federation.keys import ed25519_public_to_multibase, public_key_to_pem
from federation.proofs import create_proof
from governance.ballots import CONSENT_CHOICES
from schemas import OBJECT_CONTEXT

__all__ = ["main"]

AS2 = "https://www.w3.org/ns/activitystreams"
AP = "application/activity+json"
POLL_SECONDS = 0.05
UNSIGNED_BALLOTS = "Poolnode-Unsigned-Ballots"  # docs/PROTOCOL.md, "Running tallies"
# Ballots that neither block nor end the proposal: every one is counted.
CHOICES = tuple(c for c in CONSENT_CHOICES if c != "block")


def actor_document(uri: str, shared_inbox: str, rsa_pem: str, proof_key: str) -> dict[str, Any]:
    """A remote Person with an RSA key (HTTP signatures) and an Ed25519 assertionMethod."""
    return {
        "@context": [AS2, "https://w3id.org/security/v1", "https://w3id.org/security/multikey/v1"],
        "id": uri,
        "type": "Person",
        "preferredUsername": uri.rsplit("/", 1)[1],
        "inbox": uri + "/inbox",
        "outbox": uri + "/outbox",
        "followers": uri + "/followers",
        "endpoints": {"sharedInbox": shared_inbox},
        "publicKey": {"id": uri + "#main-key", "owner": uri, "publicKeyPem": rsa_pem},
        "assertionMethod": [{
            "id": uri + "#ed25519-key", "type": "Multikey", "controller": uri,
            "publicKeyMultibase": proof_key,
        }],
    }


class Members:
    """N members on H loopback servers; counts what the node sends to their shared inboxes."""

    def __init__(self, count: int, hosts: int) -> None:
        self.count, self.hosts = count, max(1, min(hosts, count))
        self.rsa = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.keys = [ed25519.Ed25519PrivateKey.generate() for _ in range(count)]
        self.documents: dict[str, bytes] = {}
        self.uris: list[str] = []
        self.received = 0
        self.fetches = 0
        self._runners: list[web.AppRunner] = []

    async def start(self) -> None:
        """Listen on H ports, then build every member's document under its server's base."""
        bases = []
        for _ in range(self.hosts):
            app = web.Application(client_max_size=16 * 1024 * 1024)
            app.router.add_get("/users/{name}", self._actor)
            app.router.add_post("/inbox", self._inbox)
            app.router.add_post("/users/{name}/inbox", self._inbox)
            runner = web.AppRunner(app, access_log=None)
            await runner.setup()
            await web.TCPSite(runner, "127.0.0.1", 0).start()
            self._runners.append(runner)
            bases.append(f"http://127.0.0.1:{runner.addresses[0][1]}")
        pem = public_key_to_pem(self.rsa.public_key())
        for i, key in enumerate(self.keys):
            base = bases[i % self.hosts]
            uri = f"{base}/users/m{i}"
            self.uris.append(uri)
            document = actor_document(uri, base + "/inbox", pem,
                                      ed25519_public_to_multibase(key.public_key()))
            self.documents[urlsplit(uri).netloc + urlsplit(uri).path] = json.dumps(document).encode()

    async def stop(self) -> None:
        """Stop every server."""
        for runner in self._runners:
            await runner.cleanup()

    async def _actor(self, request: web.Request) -> web.Response:
        body = self.documents.get(request.host + request.path)
        if body is None:
            raise web.HTTPNotFound()
        self.fetches += 1
        return web.Response(body=body, content_type=AP)

    async def _inbox(self, request: web.Request) -> web.Response:
        await request.read()
        self.received += 1
        return web.Response(status=202)

    def signed_ballots(self, inbox: str, pool: str, proposal: str, voters: int | None = None
                       ) -> list[tuple[str, bytes, dict[str, str]]]:
        """One Create(Ballot) per voter (the first ``voters`` members, default all): voter's
        proof, then the voter's HTTP signature."""
        now = datetime.now(UTC)
        published = now.replace(microsecond=0).isoformat().replace("+00:00", "Z")
        out = []
        count = self.count if voters is None else min(voters, self.count)
        for i, (uri, key) in enumerate(zip(self.uris[:count], self.keys[:count], strict=True)):
            ballot = {
                "@context": OBJECT_CONTEXT, "id": f"{uri}/ballots/1", "type": "Ballot",
                "attributedTo": uri, "pool": pool, "proposal": proposal, "inReplyTo": proposal,
                "choice": [CHOICES[i % len(CHOICES)]], "to": [pool], "published": published,
            }
            ballot = create_proof(ballot, key, uri + "#ed25519-key", now)
            activity: dict[str, Any] = {
                "@context": AS2, "id": f"{uri}/activities/ballot-1", "type": "Create",
                "actor": uri, "object": ballot, "to": [pool], "published": published,
            }
            body = json.dumps(activity, separators=(",", ":")).encode()
            headers = sign_request("POST", inbox, body, uri + "#main-key", self.rsa, now)
            headers["Content-Type"] = AP
            out.append((activity["id"], body, headers))
        return out


async def _participation(session: aiohttp.ClientSession, tally: str) -> tuple[int, int]:
    """(the signed running Tally's participation, ballots the pool counted since it signed it);
    (-1, 0) while there is no tally to read."""
    async with session.get(tally, headers={"Accept": AP}) as resp:
        if resp.status != 200:
            await resp.read()
            return -1, 0
        document = await resp.json(content_type=None)
        unsigned = resp.headers.get(UNSIGNED_BALLOTS, "0")
    value = document.get("participation")
    if not isinstance(value, int):
        return -1, 0
    return value, int(unsigned) if unsigned.isdigit() else 0


async def send(members: Members, request: dict[str, Any]) -> dict[str, Any]:
    """POST every member's ballot, then wait for the tally to count them all."""
    inbox, tally = str(request["inbox"]), str(request["tally"])
    if urlsplit(inbox).hostname != "127.0.0.1" or urlsplit(tally).hostname != "127.0.0.1":
        raise SystemExit("the ballot load generator only targets 127.0.0.1")
    concurrency, time_limit = int(request["concurrency"]), float(request["time_limit"])
    t0 = time.perf_counter()
    voters = int(request.get("voters", members.count))
    signed = members.signed_ballots(inbox, str(request["pool"]), str(request["proposal"]), voters)
    signing = time.perf_counter() - t0
    fetches_before, received_before = members.fetches, members.received
    statuses: dict[str, int] = {}
    latencies: list[float] = []
    accepted: list[str] = []
    errors = 0
    last_accepted = 0.0
    counted_at: float | None = None
    pool_counted_at: float | None = None
    seen = -1
    next_index = 0
    connector = aiohttp.TCPConnector(limit=concurrency + 1)
    timeout = aiohttp.ClientTimeout(total=min(30.0, time_limit))
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        started = time.perf_counter()
        cpu_started = time.process_time()

        async def worker() -> None:
            nonlocal next_index, errors, last_accepted
            while next_index < len(signed):
                activity_id, body, headers = signed[next_index]
                next_index += 1
                sent = time.perf_counter()
                try:
                    async with session.post(inbox, data=body, headers=headers) as resp:
                        await resp.read()
                        status = resp.status
                except (aiohttp.ClientError, TimeoutError):
                    errors += 1
                    continue
                done = time.perf_counter()
                latencies.append(done - sent)
                statuses[str(status)] = statuses.get(str(status), 0) + 1
                if status == 202:
                    accepted.append(activity_id)
                    last_accepted = done - started

        async def poll() -> None:
            nonlocal counted_at, pool_counted_at, seen
            while True:
                try:
                    seen, unsigned = await _participation(session, tally)
                except (aiohttp.ClientError, TimeoutError, ValueError):
                    seen, unsigned = -1, 0
                if pool_counted_at is None and seen >= 0 and seen + unsigned >= len(signed):
                    pool_counted_at = time.perf_counter() - started
                if seen >= len(signed):
                    counted_at = time.perf_counter() - started
                    return
                await asyncio.sleep(POLL_SECONDS)

        poller = asyncio.create_task(poll())
        timed_out = False
        try:
            async with asyncio.timeout(time_limit):
                await asyncio.gather(*(worker() for _ in range(concurrency)))
                sending = time.perf_counter() - started
                await poller
        except TimeoutError:
            timed_out = True
            sending = time.perf_counter() - started
        finally:
            poller.cancel()
        cpu = time.process_time() - cpu_started
    latencies.sort()
    return {
        "signing_seconds": signing,
        "statuses": statuses,
        "errors": errors,
        "accepted_ids": accepted,
        "latencies": latencies,
        "sending_seconds": sending,
        "last_accepted": last_accepted,
        "counted_at": counted_at,
        "pool_counted_at": pool_counted_at,
        "last_participation": seen,
        "timed_out": timed_out,
        "actor_fetches_during_load": members.fetches - fetches_before,
        "actor_fetches": members.fetches,
        "deliveries_received": members.received - received_before,
        "cpu_seconds": cpu,  # this generator's own CPU from the first POST to the end
    }


async def _read_line() -> dict[str, Any]:
    line = await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    if not line:
        raise SystemExit("stdin closed before the request")
    answer: dict[str, Any] = json.loads(line)
    return answer


def _answer(document: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(document) + "\n")
    sys.stdout.flush()


async def run() -> None:
    """Serve the members, announce them, then send their ballots when asked."""
    setup = await _read_line()
    members = Members(int(setup["members"]), int(setup.get("hosts", 1)))
    await members.start()
    try:
        _answer({"members": members.uris})
        request = await _read_line()
        _answer(await send(members, request))
        while request.get("more"):  # another vote follows (another node or proposal)
            request = await _read_line()
            _answer(await send(members, request))
    finally:
        await members.stop()


def main() -> None:
    """Entry point."""
    asyncio.run(run())


if __name__ == "__main__":
    main()

"""Setting up a node's pool for the governance benchmarks (2, 6, 7).

* ``init_node``: `poolnode init --json` (the pool's id and the admin's token).
* ``seed_members``: memberships of the pool, written through the storage layer before the
  node starts (as accepted Joins leave them).
* ``open_proposal``: the admin proposes through C2S on a running node; the pool opens it,
  freezing the electorate from the memberships.
* ``seed_ballots``: opened proposals and stored ballots through the storage layer
  (``GovernanceStore.add_proposal`` / ``add_ballot``), each ballot a voter-signed document
  as the pool stores it after verification, and a stored running tally per proposal (signed
  and published: the running-tally clock finds nothing to do).
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import time
import urllib.request
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ed25519

from bench.procs import ROOT, NodeProcess, _env, _poolnode, read_only_db
from federation.proofs import create_proof
from governance import Ballot, BallotType, Bylaws, Decision, Electorate, Proposal, tally
from governance import open_proposal as open_proposal_value
from governance.ballots import CONSENT_CHOICES
from node.storage import ActorStore, Database, GovernanceStore
from node.wire import ballot_document, electorate_document, proposal_document, tally_document

__all__ = [
    "InitInfo",
    "drained",
    "init_node",
    "open_proposal",
    "queued_deliveries",
    "seed_ballots",
    "seed_members",
    "skip_opening_notices",
]

AP = "application/activity+json"
OPENS = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
_CHUNK = 2000


@dataclass(frozen=True, slots=True)
class InitInfo:
    """What `poolnode init --json` printed."""

    pool: str
    pool_name: str
    admin: str
    admin_name: str
    token: str


def init_node(node: NodeProcess) -> InitInfo:
    """`poolnode init --json` in the node's data directory."""
    try:
        done = subprocess.run(
            [*_poolnode(), "init", "--data", str(node.data_dir), "--url", node.base_url, "--json"],
            cwd=ROOT, env=_env(), check=True, capture_output=True, text=True, timeout=60,
        )
    except subprocess.CalledProcessError as exc:
        last = (exc.stderr or "").strip().splitlines()[-1:] or ["no output"]
        raise RuntimeError(f"poolnode init failed: {last[0]}") from None
    out = json.loads(done.stdout)
    return InitInfo(out["pool"]["id"], out["pool"]["name"], out["admin"]["id"],
                    out["admin"]["name"], out["admin"]["token"])


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


async def seed_members(data_dir: Path, pool_uri: str, people: Iterable[str]) -> int:
    """Make each person a member of the pool (``ActorStore.add_membership``); how many."""
    db = Database.in_data_dir(data_dir)
    await db.open()
    try:
        actors = ActorStore(db)
        pool = await actors.by_uri(pool_uri)
        assert pool is not None, pool_uri
        count = 0
        for person in people:
            await actors.add_membership(pool.id, person, ("member",), _iso(OPENS - timedelta(days=30)))
            count += 1
        return count
    finally:
        await db.close()


def _request(url: str, data: dict[str, Any] | None = None, token: str | None = None) -> Any:
    headers = {"Accept": AP}
    body = None
    if data is not None:
        body = json.dumps(data).encode()
        headers["Content-Type"] = AP
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    req = urllib.request.Request(url, data=body, headers=headers, method="POST" if body else "GET")
    with urllib.request.urlopen(req, timeout=120) as resp:
        return json.loads(resp.read() or b"null")


def get_json(url: str) -> Any:
    """GET an ActivityStreams document."""
    return _request(url)


def open_proposal(node: NodeProcess, info: InitInfo, title: str) -> str:
    """The admin's draft through C2S; the id of the proposal the pool opened."""
    _request(f"{node.base_url}/users/{info.admin_name}/outbox",
             {"type": "Proposal", "pool": info.pool, "name": title}, info.token)
    page = get_json(f"{info.pool}/proposals?page=true")
    proposal: str = page["orderedItems"][0]["id"]
    return proposal


# ---- stored ballots, through the storage layer ----------------------------------------------


def queued_deliveries(node: NodeProcess) -> int:
    """Deliveries the node has queued and not yet sent, read-only."""
    with read_only_db(node.database) as conn:
        (queued,) = conn.execute("SELECT count(*) FROM deliveries WHERE state = 'queued'").fetchone()
    return int(queued)


def drained(node: NodeProcess, deadline: float) -> None:
    """Wait until the node's delivery queue is empty (or the deadline passes)."""
    while queued_deliveries(node) and time.monotonic() < deadline:
        time.sleep(0.05)


def _notices(node: NodeProcess) -> int:
    with read_only_db(node.database) as conn:
        (count,) = conn.execute("SELECT count(*) FROM remote_notices").fetchone()
    return int(count)


def skip_opening_notices(node: NodeProcess, members: int, deadline: float) -> None:
    """Opening a proposal records a direct message to every remote member, which the notifier
    sends at 50 a second: not a vote's work. Wait until they are recorded, mark them sent, let
    the notifier's round that may have read some before finish them (its interval is 1 s) and
    the delivery queue drain."""
    while _notices(node) < members and time.monotonic() < deadline:
        time.sleep(0.05)
    conn = sqlite3.connect(node.database, timeout=10)
    try:
        with conn:
            conn.execute("UPDATE remote_notices SET queued_at = '2025-01-01T00:00:00Z'"
                         " WHERE queued_at IS NULL")
    finally:
        conn.close()
    time.sleep(1.1)
    drained(node, deadline)


def ballot_counts(total: int, proposals: int, members: int) -> list[int]:
    """How many ballots each proposal holds: the first (largest) has every member voting
    twice (a changed vote), the others share the rest equally."""
    if proposals <= 1:
        return [total]
    largest = min(total, 2 * members)
    rest = total - largest
    share, extra = divmod(rest, proposals - 1)
    return [largest, *(share + (1 if i < extra else 0) for i in range(proposals - 1))]


class _Signer:
    """Voters' Ed25519 keys, made on first use (one per voter)."""

    def __init__(self) -> None:
        self.keys: dict[str, ed25519.Ed25519PrivateKey] = {}

    def sign(self, document: dict[str, Any], voter: str, at: datetime) -> dict[str, Any]:
        key = self.keys.get(voter)
        if key is None:
            key = self.keys[voter] = ed25519.Ed25519PrivateKey.generate()
        return create_proof(document, key, voter + "#ed25519-key", at)


async def seed_ballots(
    data_dir: Path, pool_uri: str, members: list[str], counts: list[int], *, sign: bool = True
) -> list[str]:
    """Open one proposal per entry of ``counts`` (electorate: ``members``) and store that many
    ballots on it, cycling over the members (later rounds replace earlier answers); each
    proposal's stored tally is the recount of its ballots. Returns the proposals' ids.

    Ballot documents carry real eddsa-jcs-2022 proofs by per-voter keys when ``sign``;
    otherwise a proof of the same shape and size whose signature is not checked (the node
    never re-verifies stored ballots).
    """
    db = Database.in_data_dir(data_dir)
    await db.open()
    try:
        pool = await ActorStore(db).by_uri(pool_uri)
        assert pool is not None, pool_uri
        governance = GovernanceStore(db)
        electorate = Electorate.of(members)
        bylaws = Bylaws("Bench", "", "EUR")
        signer = _Signer()
        uris = []
        for number, count in enumerate(counts):
            proposal = _proposal(pool_uri, number, members[0], bylaws, electorate)
            published = _iso(OPENS)
            document = proposal_document(proposal, pool_uri, published)
            electorate_doc = electorate_document(proposal, pool_uri, published)
            ballots, ballot_uris = [], []
            rows: list[tuple[Any, ...]] = []
            for n in range(count):
                voter = members[n % len(members)]
                cast = OPENS + timedelta(minutes=1 + n // len(members))
                ballot = Ballot(f"{voter}/ballots/{number}-{n}", proposal.id, voter, cast,
                                (CONSENT_CHOICES[(n * 7 + number) % 3],))
                doc = ballot_document(ballot, pool_uri)
                doc = signer.sign(doc, voter, cast) if sign else _fake_proof(doc, voter, cast)
                ballots.append(ballot)
                ballot_uris.append(ballot.id)
                rows.append((ballot, doc, _iso(cast)))
            result = tally(proposal.rule, proposal.electorate, ballots)
            first = tally_document(result, pool_uri, ballot_uris, final=False, updated=_iso(OPENS))
            await governance.add_proposal(
                pool_id=pool.id, uri=proposal.id, source_uri=None, author_uri=proposal.author,
                kind=proposal.kind.value, closes_at=_iso(proposal.rule.closes_at),
                proposal=proposal.to_dict(), document=document, electorate_document=electorate_doc,
                tally_document=first, outcome=result.outcome.value, created_at=published,
            )
            stored = await governance.proposal(proposal.id)
            assert stored is not None
            await _insert_ballots(db, stored.id, rows)
            uris.append(proposal.id)
        return uris
    finally:
        await db.close()


def _proposal(pool_uri: str, number: int, author: str, bylaws: Bylaws,
              electorate: Electorate) -> Proposal:
    """A consent proposal of the pool, open for ten years (never closes during a run)."""
    return open_proposal_value(
        id=f"{pool_uri}/proposals/{uuid.uuid5(uuid.NAMESPACE_URL, f'bench-{number}')}", author=author, title=f"Bench {number}",
        motion=Decision(f"Benchmark decision {number}"), bylaws=bylaws, electorate=electorate,
        opens_at=OPENS, ballot_type=BallotType.CONSENT, closes_at=OPENS + timedelta(days=3650),
    )


def _fake_proof(document: dict[str, Any], voter: str, at: datetime) -> dict[str, Any]:
    return {**document, "proof": {
        "type": "DataIntegrityProof", "cryptosuite": "eddsa-jcs-2022",
        "verificationMethod": voter + "#ed25519-key", "proofPurpose": "assertionMethod",
        "created": _iso(at), "proofValue": "z" + "5" * 87,
    }}


async def _insert_ballots(db: Database, proposal_id: int, rows: list[tuple[Any, ...]]) -> None:
    """``GovernanceStore.add_ballot``'s insert, many rows per transaction (seeding speed)."""
    def dumps(value: Any) -> str:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)

    for start in range(0, len(rows), _CHUNK):
        chunk = rows[start:start + _CHUNK]
        async with db.transaction() as conn:
            await conn.executemany(
                "INSERT INTO ballots (proposal_id, uri, voter_uri, cast_at, ballot_json, document,"
                " attested_by, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [(proposal_id, b.id, b.voter, cast, dumps(b.to_dict()), dumps(doc), None, cast)
                 for b, doc, cast in chunk],
            )
    # The stored running Tally counted them all (it was made from them), and was published.
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE tallies SET ballot_row = (SELECT coalesce(max(id), 0) FROM ballots"
            " WHERE proposal_id = ?), signed_at = 1 WHERE proposal_id = ?", (proposal_id, proposal_id))
        await conn.execute("UPDATE tallies SET published_row = ballot_row WHERE proposal_id = ?",
                           (proposal_id,))

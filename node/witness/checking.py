"""One check of a witnessed ledger: read its head and the entries since the head this pool
attested, judge them (``governance.witness.check_extension``), then attest the new head, or
raise the alarm with the evidence.

A check that cannot be made (the pool unreachable, a page malformed, an entry not signed by the
pool) attests nothing and is tried again at the next period; the reason is shown with the link.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from aiohttp import web

from federation.errors import FetchError
from governance import LedgerEntry
from governance.witness import Extension, Fork, ForkKind, Head, Problem, check_extension
from node.appkeys import ACTORS, CONFIG
from node.errors import NodeError
from node.http import fetch_as
from node.pool_engine.common import iso, publish, signed
from node.storage import ActorRecord, WitnessLink
from node.wire import InvalidDocument
from node.wire.errors import ProofRejected
from node.wire.witness import attestation_path, head_attestation_document
from node.witness.alarms import keep_alarm, sign_conflict
from node.witness.common import RESTATE_AFTER, witnesses
from node.witness.reading import MAX_STEP, ledger_head, ledger_stretch, signed_entry

__all__ = ["check_link"]

log = logging.getLogger("poolnode.witness")

_UNREADABLE = (FetchError, InvalidDocument, ProofRejected)


async def check_link(app: web.Application, link: WitnessLink, now: datetime) -> str:
    """Check the ledger ``link`` witnesses: 'attested', 'unchanged', 'conflict' or 'problem'."""
    pool = await app[ACTORS].by_id(link.pool_id)
    if pool is None:
        return "problem"
    target = link.target_uri
    attested = (Head(link.sequence, link.head_hash)
                if link.sequence is not None and link.head_hash is not None else None)
    try:
        current = await ledger_head(app, target, pool)
        upto, documents = await _read(app, target, pool, attested, current)
        entries: dict[int, LedgerEntry] = {}
        for sequence, document in documents.items():
            entries[sequence] = (await signed_entry(app, target, sequence, document))[0]
    except _UNREADABLE as exc:
        return await _problem(app, link, now, exc.reason)
    verdict = check_extension(attested, current, entries, upto)
    if isinstance(verdict, Problem):
        return await _problem(app, link, now, verdict.reason)
    if isinstance(verdict, Fork):
        assert attested is not None  # a first check finds no fork
        return await _conflict(app, pool, link, verdict, attested, documents, current, now)
    return await _attest(app, pool, link, verdict, attested, documents, now)


async def _read(app: web.Application, target: str, pool: ActorRecord, attested: Head | None,
                current: Head) -> tuple[int, dict[int, dict[str, Any]]]:
    """(how far this check goes, the entry documents it needs)."""
    if attested is None:  # a first check: the head entry alone
        if current.sequence == 0:
            return 0, {}
        document = await fetch_as(app, f"{target}/ledger/{current.sequence}", pool)
        return current.sequence, {current.sequence: document}
    if current.sequence < attested.sequence:
        return current.sequence, {}
    upto = min(current.sequence, attested.sequence + MAX_STEP)
    first = max(attested.sequence, 1)
    if upto < first:
        return upto, {}
    return upto, await ledger_stretch(app, target, first, upto, pool)


async def _problem(app: web.Application, link: WitnessLink, now: datetime, reason: str) -> str:
    log.info("witnessing %s for pool %s: %s", link.target_uri, link.pool_id, reason)
    await witnesses(app).checked(link.id, iso(now), reason)
    return "problem"


async def _attest(app: web.Application, pool: ActorRecord, link: WitnessLink, verdict: Extension,
                  attested: Head | None, documents: dict[int, dict[str, Any]], now: datetime) -> str:
    store = witnesses(app)
    head = verdict.head
    latest = await store.attestation(pool.uri, link.target_uri)
    restate = max(RESTATE_AFTER, timedelta(seconds=app[CONFIG].witness_interval))
    if (attested == head and latest is not None
            and latest.published > iso(now - restate)):
        await store.checked(link.id, iso(now), None)
        return "unchanged"
    number = 1
    prefix = attestation_path(pool.uri, link.target_uri, 0)[:-1]
    if latest is not None and latest.uri.startswith(prefix) and latest.uri[len(prefix):].isdigit():
        number = int(latest.uri[len(prefix):]) + 1
    document = signed(head_attestation_document(
        attestation_path(pool.uri, link.target_uri, number), pool.uri, link.target_uri, head,
        iso(now), attested), pool, now)
    entry = documents.get(head.sequence, link.entry_document if attested == head else None)
    await store.put_attestation(document, iso(now))
    await store.attested(link.id, head.sequence, head.hash, entry, iso(now))
    await _send(app, pool, link.target_uri, document, now)
    return "attested"


async def _conflict(app: web.Application, pool: ActorRecord, link: WitnessLink, fork: Fork,
                    attested: Head, documents: dict[int, dict[str, Any]], current: Head,
                    now: datetime) -> str:
    """Keep and send the alarm; the next check witnesses the ledger afresh from its head."""
    store = witnesses(app)
    latest = await store.attestation(pool.uri, link.target_uri)
    if latest is None or (latest.sequence, latest.head_hash) != (attested.sequence, attested.hash):
        return await _problem(app, link, now, "the attestation of the attested head is not kept")
    evidence = await _evidence(app, pool, link, fork, documents, current)
    document = sign_conflict(pool, link.target_uri, fork, latest.document, evidence, current, now)
    if await keep_alarm(app, pool, "witness", document, now):
        await _send(app, pool, link.target_uri, document, now, everyone=True)
    # Witnessed afresh from here: the alarm stays; the next attestation has no "extends".
    await store.attested_reset(link.id, iso(now))
    return "conflict"


async def _evidence(app: web.Application, pool: ActorRecord, link: WitnessLink, fork: Fork,
                    documents: dict[int, dict[str, Any]], current: Head) -> list[dict[str, Any]]:
    """The pool-signed entries the conflict rests on: the attested entry as it was served then,
    and what is served now in its place (or, for a broken link, the entry before it)."""
    before = link.entry_document
    if fork.kind is ForkKind.TRUNCATED:
        now_head = None
        if current.sequence >= 1:
            try:
                fetched = await fetch_as(app, f"{link.target_uri}/ledger/{current.sequence}", pool)
                now_head = (await signed_entry(app, link.target_uri, current.sequence, fetched))[1]
            except _UNREADABLE:
                now_head = None
        return [d for d in (before, now_head) if d is not None]
    if fork.kind is ForkKind.REWRITTEN:
        return [d for d in (before, documents.get(fork.sequence)) if d is not None]
    previous = documents.get(fork.sequence - 1)
    if previous is None and link.sequence == fork.sequence - 1:
        previous = before
    return [d for d in (previous, documents.get(fork.sequence)) if d is not None]


async def _send(app: web.Application, pool: ActorRecord, target: str, document: dict[str, Any],
                now: datetime, *, everyone: bool = False) -> None:
    """Deliver to the witnessed pool (and, for an alarm, to our members and followers); a local
    witnessed pool is handed the document at once, as its inbox would be."""
    await publish(app, pool, "Create", document, [target], followers=everyone, members=everyone)
    local = await app[ACTORS].by_uri(target)
    if local is not None and local.is_pool:
        from node.witness.receiving import receive

        try:
            await receive(app, pool.uri, document, now)
        except NodeError as exc:  # refused as the inbox would refuse it (e.g. too many witnesses)
            log.info("%s refused %s: %s", target, document["id"], exc.reason)

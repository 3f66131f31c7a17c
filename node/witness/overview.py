"""What a pool's page shows of witnessing: its own ledger head, who witnessed it (each
witness's latest attestation, and whether our ledger still holds that head), the ledgers it
witnesses and how their last check went, and every alarm."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from governance.witness import Head
from node.pool_engine.common import store
from node.storage import ActorRecord, StoredAlarm, StoredHeadAttestation, WitnessLink
from node.witness.common import MAX_WITNESSES, witnesses
from node.witness.receiving import our_head

__all__ = ["WitnessOverview", "Witnessed", "WitnessedBy", "overview"]


@dataclass(frozen=True, slots=True)
class WitnessedBy:
    """A witness of our ledger: its latest attestation, and whether we still hold that head."""

    attestation: StoredHeadAttestation
    agrees: bool


@dataclass(frozen=True, slots=True)
class Witnessed:
    """A ledger our pool witnesses, and our latest attestation of it (None before the first)."""

    link: WitnessLink
    latest: StoredHeadAttestation | None


@dataclass(frozen=True, slots=True)
class WitnessOverview:
    head: Head
    witnesses: list[WitnessedBy]
    witnessing: list[Witnessed]
    alarms: list[StoredAlarm]


async def overview(app: web.Application, pool: ActorRecord) -> WitnessOverview:
    """The witnessing of ``pool`` as its page shows it."""
    store_ = witnesses(app)
    head, _ = await our_head(app, pool)
    seen = []
    for attestation in await store_.witnesses_of(pool.uri, MAX_WITNESSES):
        entry = (await store(app).entry(f"{pool.uri}/ledger/{attestation.sequence}")
                 if attestation.sequence >= 1 else None)
        agrees = (attestation.sequence == 0 or
                  (entry is not None and entry.document.get("entryHash") == attestation.head_hash))
        seen.append(WitnessedBy(attestation, agrees))
    witnessing = [Witnessed(link, await store_.attestation(pool.uri, link.target_uri))
                  for link in await store_.links(pool.id) if link.active]
    return WitnessOverview(head, seen, witnessing, await store_.alarms(pool.id))

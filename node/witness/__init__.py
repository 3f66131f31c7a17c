"""Witnessed ledger heads (docs/PROTOCOL.md, "Witnessed ledger heads").

Pools that share a flood, and pools whose stewards chose to, witness each other's ledgers:
every ``witness_interval`` seconds a witness reads the other pool's ledger head and the entries
since the head it attested last, checks that they extend that head (the pure judgement is
``governance.witness.check_extension``) and signs a ``HeadAttestation`` of the new head, sent to
the witnessed pool, which keeps the latest of each witness. A head inconsistent with one
witnessed before is an alarm on both sides, kept for good with its signed evidence (a
``LedgerConflict``, sent to the witnessed pool), never dropped.

* clock: ``witness_ctx`` (the durable clock), ``witness_round``, ``sync_flood_links``
* checking: ``check_link`` (one check: attest, or raise the alarm); reading: the remote ledger
* receiving: ``receive`` (a witness's attestation, conflict or recount for a local pool)
* recounts: ``report_recounts`` (this node's recounts of a witnessed pool's final tallies,
  told back as signed ``Recount``\\ s), ``recounts_of`` (those told to a local proposal)
* links: ``witness_by_steward``, ``stop_witnessing``; overview: what a pool's page shows
"""

from node.witness.checking import check_link
from node.witness.clock import WITNESS_CLOCK, sync_flood_links, witness_ctx, witness_round
from node.witness.common import witnesses
from node.witness.links import MAX_WITNESSED, stop_witnessing, witness_by_steward
from node.witness.overview import WitnessOverview, overview
from node.witness.receiving import receive
from node.witness.recounts import recounts_of, report_recounts

__all__ = [
    "MAX_WITNESSED",
    "WITNESS_CLOCK",
    "WitnessOverview",
    "check_link",
    "overview",
    "receive",
    "recounts_of",
    "report_recounts",
    "stop_witnessing",
    "sync_flood_links",
    "witness_by_steward",
    "witness_ctx",
    "witness_round",
    "witnesses",
]

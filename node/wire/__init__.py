"""Governance values <-> ActivityStreams documents, with FEP-8b32 proofs and schema checks.

Each module maps one kind of document: ``proposals`` (member drafts, pool-opened proposals,
electorates, the Mastodon-readable Question), ``ballots``, ``tallies`` and ``ledger``.
Building and parsing are pure; ``proofs`` signs with a local actor's key and verifies
with a key resolver handed in (the node passes one backed by ``resolve_actor``).
"""

from node.wire.ballots import attested_ballot_document, ballot_document, ballot_from_document
from node.wire.errors import InvalidDocument
from node.wire.ledger import entry_from_document, ledger_entry_document, replay_documents
from node.wire.proofs import ProofAuthor, sign_document, verify_author_proof
from node.wire.proposals import (
    ProposalDraft,
    draft_from_document,
    electorate_document,
    proposal_document,
    proposal_from_documents,
    question_document,
)
from node.wire.tallies import tally_document
from node.wire.validate import check_document

__all__ = [
    "InvalidDocument",
    "ProofAuthor",
    "ProposalDraft",
    "attested_ballot_document",
    "ballot_document",
    "ballot_from_document",
    "check_document",
    "draft_from_document",
    "electorate_document",
    "entry_from_document",
    "ledger_entry_document",
    "proposal_document",
    "proposal_from_documents",
    "question_document",
    "replay_documents",
    "sign_document",
    "tally_document",
    "verify_author_proof",
]

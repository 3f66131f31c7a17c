"""Proposals, ballots, tallies, ledger entries and membership changes of local pools: one
store made of a part per table family (``governance_memberships``, ``governance_proposals``,
``governance_ballots``, ``governance_ledger``)."""

from __future__ import annotations

from node.storage.governance_ballots import BallotQueries
from node.storage.governance_ledger import LedgerQueries, write_entry
from node.storage.governance_memberships import MembershipQueries, write_membership
from node.storage.governance_proposals import ProposalQueries
from node.storage.governance_rows import (
    CountedBallot,
    ProposalHead,
    StoredBallot,
    StoredEntry,
    StoredProposal,
)

__all__ = [
    "CountedBallot",
    "GovernanceStore",
    "ProposalHead",
    "StoredBallot",
    "StoredEntry",
    "StoredProposal",
    "write_entry",
    "write_membership",
]


class GovernanceStore(MembershipQueries, ProposalQueries, BallotQueries, LedgerQueries):
    """Queries behind the pool engine (node/pool_engine)."""

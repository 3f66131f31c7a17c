"""The rows of the governance store: proposals, ballots, ledger entries, as the engine reads them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, NamedTuple

from node.storage.actors import Membership
from node.storage.database import Row

__all__ = [
    "CountedBallot",
    "ProposalHead",
    "StoredBallot",
    "StoredEntry",
    "StoredProposal",
    "ballot_from_row",
    "dumps",
    "entry_from_row",
    "membership_from_row",
    "proposal_from_row",
]


@dataclass(frozen=True, slots=True)
class StoredProposal:
    """An opened proposal: the governance value's dict and the pool-signed documents."""

    id: int
    pool_id: int
    uri: str
    source_uri: str | None
    author_uri: str
    kind: str
    state: str
    closes_at: str
    outcome: str | None
    proposal: dict[str, Any]
    document: dict[str, Any]
    electorate_document: dict[str, Any]
    created_at: str
    closed_at: str | None
    effect: str = "none"
    effect_reason: str | None = None
    effect_at: str | None = None


@dataclass(frozen=True, slots=True)
class StoredBallot:
    """An accepted ballot and the signed document that proves it."""

    id: int
    uri: str
    voter_uri: str
    ballot: dict[str, Any]
    document: dict[str, Any]
    attested_by: str | None


@dataclass(frozen=True, slots=True)
class ProposalHead:
    """What receiving a ballot reads of a proposal on every ballot: no documents decoded."""

    id: int
    pool_id: int
    uri: str
    state: str


class CountedBallot(NamedTuple):
    """The fields of a stored ballot a count reads, as stored; ``choice`` is still JSON text.

    A tuple rather than a frozen dataclass: one is built per ballot of a recount. ``row`` is
    the ballot's row id: a proposal's ballots are stored in its order (docs/OPERATIONS.md,
    "Several processes"), so a count that read up to a row reads only the rows after it next.
    """

    id: str
    voter: str
    cast_at: str
    choice: str
    sequence: int
    row: int


@dataclass(frozen=True, slots=True)
class StoredEntry:
    """A booked ledger entry and its pool-signed document."""

    sequence: int
    uri: str
    entry: dict[str, Any]
    document: dict[str, Any]


def proposal_from_row(row: Row) -> StoredProposal:
    return StoredProposal(
        id=row["id"], pool_id=row["pool_id"], uri=row["uri"], source_uri=row["source_uri"],
        author_uri=row["author_uri"], kind=row["kind"], state=row["state"],
        closes_at=row["closes_at"], outcome=row["outcome"],
        proposal=json.loads(row["proposal_json"]), document=json.loads(row["document"]),
        electorate_document=json.loads(row["electorate_document"]),
        created_at=row["created_at"], closed_at=row["closed_at"],
        effect=row["effect"], effect_reason=row["effect_reason"], effect_at=row["effect_at"],
    )


def ballot_from_row(row: Row) -> StoredBallot:
    return StoredBallot(row["id"], row["uri"], row["voter_uri"], json.loads(row["ballot_json"]),
                        json.loads(row["document"]), row["attested_by"])


def entry_from_row(row: Row) -> StoredEntry:
    return StoredEntry(row["sequence"], row["uri"], json.loads(row["entry_json"]),
                       json.loads(row["document"]))


def membership_from_row(row: Row) -> Membership:
    return Membership(row["id"], row["pool_id"], row["person_uri"],
                      tuple(r for r in row["roles"].split(",") if r), row["state"], row["joined_at"],
                      row["member_class"])


def dumps(value: Any) -> str:
    """The compact JSON a governance row keeps."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)

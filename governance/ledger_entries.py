"""The ledger's records: accounts, postings, balanced transactions and the hash chain of entries.

:mod:`governance.ledger` keeps the balances and the operations that build transactions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from governance.codec import (
    canonical_json,
    datetime_from_str,
    datetime_to_str,
    get_field,
    sha256_hex,
    utc,
)
from governance.errors import RuleViolation
from governance.money import check_currency

__all__ = [
    "FUND",
    "GENESIS",
    "EntryKind",
    "LedgerEntry",
    "Posting",
    "Transaction",
    "asset_account",
    "capital_account",
    "commitment_account",
    "external_account",
    "owed_account",
    "reserve_account",
    "share_account",
    "verify_chain",
]

FUND = "fund"
GENESIS = "0" * 64
_PREFIXES = ("asset:", "capital:", "commitment:", "external:", "owed:", "reserve:", "shares:")


def capital_account(person: str) -> str:
    """The capital account of ``person``."""
    return f"capital:{person}"


def commitment_account(ref: str) -> str:
    """The commitment account of a disbursement proposal or budget bucket."""
    return f"commitment:{ref}"


def owed_account(person: str) -> str:
    """The account of a refund the pool owes ``person``."""
    return f"owed:{person}"


def share_account(person: str) -> str:
    """The account of the co-op shares ``person`` holds (share capital, a credit balance)."""
    return f"shares:{person}"


def reserve_account(name: str) -> str:
    """The account of one of the pool's reserves (money set aside from a surplus)."""
    return f"reserve:{name}"


def asset_account(asset: str) -> str:
    """The account of an asset the pool owns (what its purchase cost)."""
    return f"asset:{asset}"


def external_account(party: str) -> str:
    """The account standing for an outside party."""
    return f"external:{party}"


class EntryKind(StrEnum):
    """What a transaction records."""

    CONTRIBUTION = "contribution"
    DONATION = "donation"
    COMMITMENT = "commitment"
    PAYMENT = "payment"
    RELEASE = "release"
    REFUND = "refund"
    REFUND_OWED = "refund_owed"
    SHARE_ISSUE = "share_issue"
    """Paid-in capital becomes co-op shares (capital +V, shares -V)."""
    SHARE_REDEMPTION = "share_redemption"
    """Shares are redeemed at their value back into capital (shares +V, capital -V)."""
    RESERVE = "reserve"
    """Money of the fund set aside in a reserve (reserve +R, fund -R)."""
    ASSET_PURCHASE = "asset_purchase"
    """Committed money paid for an asset the pool now owns (asset +P, commitment -P)."""
    CALL_PAYMENT = "call_payment"
    """A member pays toward an investment's capital call: its commitment +x, their capital -x."""


@dataclass(frozen=True, slots=True)
class Posting:
    """One leg of a transaction: debit (positive) or credit (negative) ``amount`` to ``account``."""

    account: str
    amount: int

    def __post_init__(self) -> None:
        account = self.account
        if not isinstance(account, str) or not (
            account == FUND or (account.startswith(_PREFIXES) and account.split(":", 1)[1])
        ):
            raise RuleViolation("invalid_account", f"unknown account {account!r}")
        if isinstance(self.amount, bool) or not isinstance(self.amount, int) or not self.amount:
            raise RuleViolation("invalid_amount", "postings are non-zero integer minor units")


@dataclass(frozen=True, slots=True)
class Transaction:
    """The content of a ledger entry: balanced postings plus what they record."""

    id: str
    at: datetime
    kind: EntryKind
    currency: str
    postings: tuple[Posting, ...]
    memo: str = ""
    reference: str | None = None
    recorded_by: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id:
            raise RuleViolation("invalid_entry", "an entry needs an id")
        object.__setattr__(self, "at", utc(self.at, "entry time"))
        check_currency(self.currency)
        postings = tuple(self.postings)
        object.__setattr__(self, "postings", postings)
        if len(postings) < 2:
            raise RuleViolation("unbalanced", "a transaction needs at least two postings")
        if len({p.account for p in postings}) != len(postings):
            raise RuleViolation("invalid_entry", "each account may appear once per transaction")
        if sum(p.amount for p in postings) != 0:
            raise RuleViolation("unbalanced", "postings must sum to zero")

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form."""
        return {
            "id": self.id,
            "at": datetime_to_str(self.at),
            "kind": self.kind.value,
            "currency": self.currency,
            "postings": [{"account": p.account, "amount": p.amount} for p in self.postings],
            "memo": self.memo,
            "reference": self.reference,
            "recorded_by": self.recorded_by,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Transaction:
        """Inverse of ``to_dict``."""
        kind = get_field(data, "kind", str)
        if kind not in EntryKind.__members__.values():
            raise RuleViolation("invalid_document", f"unknown entry kind {kind!r}")
        reference, recorded_by = data.get("reference"), data.get("recorded_by")
        if not isinstance(reference, (str, type(None))) or not isinstance(
            recorded_by, (str, type(None))
        ):
            raise RuleViolation("invalid_document", "reference and recorded_by are text or null")
        return cls(
            id=get_field(data, "id", str),
            at=datetime_from_str(get_field(data, "at", str)),
            kind=EntryKind(kind),
            currency=get_field(data, "currency", str),
            postings=tuple(
                Posting(get_field(p, "account", str), get_field(p, "amount", int))
                for p in get_field(data, "postings", list)
            ),
            memo=get_field(data, "memo", str),
            reference=reference,
            recorded_by=recorded_by,
        )


def _entry_hash(transaction: Transaction, prev_hash: str) -> str:
    return sha256_hex(canonical_json({**transaction.to_dict(), "prev_hash": prev_hash}))


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """A transaction sealed into the chain: ``hash`` covers the content and ``prev_hash``."""

    transaction: Transaction
    prev_hash: str
    hash: str

    @classmethod
    def seal(cls, transaction: Transaction, prev_hash: str) -> LedgerEntry:
        """Chain ``transaction`` after the entry whose hash is ``prev_hash``."""
        return cls(transaction, prev_hash, _entry_hash(transaction, prev_hash))

    @property
    def id(self) -> str:
        """The transaction id."""
        return self.transaction.id

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form: the transaction's fields plus ``prev_hash`` and ``hash``."""
        return {**self.transaction.to_dict(), "prev_hash": self.prev_hash, "hash": self.hash}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LedgerEntry:
        """Inverse of ``to_dict``; does not check the hash (use ``verify_chain``)."""
        return cls(
            Transaction.from_dict(data),
            get_field(data, "prev_hash", str),
            get_field(data, "hash", str),
        )


def verify_chain(entries: Sequence[LedgerEntry], start: str = GENESIS) -> int | None:
    """Index of the first entry whose link or hash is wrong, or None if the chain is intact.

    ``start`` is the hash the first entry must follow: GENESIS for a whole ledger, or the hash
    of the entry before ``entries[0]`` for a stretch of one (a witness checking that a ledger
    extends the head it attested before)."""
    prev = start
    for index, entry in enumerate(entries):
        if entry.prev_hash != prev or _entry_hash(entry.transaction, prev) != entry.hash:
            return index
        prev = entry.hash
    return None

"""A double-entry, hash-chained ledger of the pool's money, in integer minor units.

Sign convention: a posting's amount is a *debit* when positive and a *credit* when negative
(the usual accounting convention), and every transaction's postings sum to zero.

* ``fund`` (asset): the pool's free money. Debit balance; never below zero.
* ``commitment:<ref>`` (asset): money approved for a disbursement or budget bucket but not
  yet paid. Debit balance; never below zero.
* ``capital:<person>`` (equity): what the pool holds as the person's paid-in capital. Credit
  balance, so its balance is zero or negative; it never goes above zero.
* ``owed:<person>`` (liability): a refund owed to someone who left or was expelled while the
  fund could not cover their capital. Credit balance; never above zero. Paid from the fund,
  whole, when the fund allows (``pay_owed_refund``).
* ``shares:<person>`` (equity): the co-op shares the person holds, at the value they were
  issued at (governance.shares). Credit balance; never above zero.
* ``reserve:<name>`` (asset): money set aside in a reserve from a surplus. Never below zero.
* ``asset:<id>`` (asset): what the pool paid for an asset it owns. Never below zero.
* ``external:<party>``: the outside world (payees, donors). Unconstrained.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import MappingProxyType

from governance.codec import utc
from governance.errors import Conflict, NotPermitted, RuleViolation
from governance.ledger_entries import (
    FUND,
    GENESIS,
    EntryKind,
    LedgerEntry,
    Posting,
    Transaction,
    capital_account,
    commitment_account,
    external_account,
    owed_account,
    share_account,
    verify_chain,
)
from governance.membership import MemberState, Role, Roster
from governance.money import check_currency
from governance.proposals import Disbursement, Proposal
from governance.tally import Outcome, Tally

__all__ = [
    "FUND",
    "GENESIS",
    "EntryKind",
    "Ledger",
    "LedgerEntry",
    "Posting",
    "StatementLine",
    "Transaction",
    "capital_account",
    "commit_disbursement",
    "commitment_account",
    "contribution",
    "donation",
    "external_account",
    "lapse_commitment",
    "owe_refund",
    "owed_account",
    "pay",
    "pay_disbursement",
    "pay_owed_refund",
    "refund",
    "release",
    "verify_chain",
]

@dataclass(frozen=True, slots=True)
class StatementLine:
    """One movement on a member's capital, shown as the member sees it (paid in is positive)."""

    entry_id: str
    at: datetime
    kind: EntryKind
    amount: int
    balance: int


def _check_balance(account: str, balance: int) -> None:
    if account.startswith(("capital:", "owed:", "shares:")):
        if balance > 0:
            raise RuleViolation("overdraft", f"more would be refunded than {account} holds")
    elif account == FUND or account.startswith(("commitment:", "reserve:", "asset:")):
        if balance < 0:
            raise RuleViolation("overdraft", f"{account} cannot go below zero")


@dataclass(frozen=True, slots=True)
class Ledger:
    """The chain of entries and the balances they imply; ``apply`` returns a new Ledger."""

    currency: str
    entries: tuple[LedgerEntry, ...] = ()
    balances: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))
    _index: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}), repr=False)

    def __post_init__(self) -> None:
        check_currency(self.currency)

    @classmethod
    def replay(cls, currency: str, entries: Iterable[LedgerEntry]) -> Ledger:
        """Rebuild a ledger from stored entries, checking the chain and every invariant."""
        ledger = cls(currency)
        for index, entry in enumerate(entries):
            if entry.prev_hash != ledger.head:
                raise Conflict("broken_chain", f"entry {index} does not follow the chain")
            ledger = ledger.apply(entry.transaction)
            if ledger.entries[-1].hash != entry.hash:
                raise Conflict("broken_chain", f"entry {index} has been altered")
        return ledger

    @property
    def head(self) -> str:
        """Hash of the last entry (GENESIS when empty)."""
        return self.entries[-1].hash if self.entries else GENESIS

    @property
    def fund(self) -> int:
        """Free money in the fund."""
        return self.balance(FUND)

    def balance(self, account: str) -> int:
        """Balance of ``account`` under the debit-positive convention."""
        return self.balances.get(account, 0)

    def capital_of(self, person: str) -> int:
        """Capital the pool holds for ``person`` (a non-negative amount)."""
        return -self.balance(capital_account(person))

    def shares_of(self, person: str) -> int:
        """The value of the co-op shares ``person`` holds (a non-negative amount)."""
        return -self.balance(share_account(person))

    def owed_to(self, person: str) -> int:
        """Refund the pool owes ``person`` and has not paid yet (a non-negative amount)."""
        return -self.balance(owed_account(person))

    def get(self, entry_id: str) -> LedgerEntry | None:
        """The entry with this id, if booked."""
        index = self._index.get(entry_id)
        return None if index is None else self.entries[index]

    def apply(self, transaction: Transaction) -> Ledger:
        """Book ``transaction``; the same one again is a no-op, a different one with its id conflicts."""
        if transaction.currency != self.currency:
            raise RuleViolation("currency_mismatch", f"this ledger is in {self.currency}")
        known = self.get(transaction.id)
        if known is not None:
            if known.transaction != transaction:
                raise Conflict("entry_id_conflict", "another entry was booked with this id")
            return self
        balances = dict(self.balances)
        for posting in transaction.postings:
            balances[posting.account] = balance = balances.get(posting.account, 0) + posting.amount
            _check_balance(posting.account, balance)
        entry = LedgerEntry.seal(transaction, self.head)
        index = dict(self._index)
        index[transaction.id] = len(self.entries)
        return Ledger(
            self.currency,
            (*self.entries, entry),
            MappingProxyType(balances),
            MappingProxyType(index),
        )

    def committed(self, ref: str, *, excluding: str | None = None) -> int:
        """Total ever committed to ``commitment:<ref>`` (optionally not counting one entry)."""
        account = commitment_account(ref)
        return sum(
            p.amount
            for e in self.entries
            if e.transaction.kind is EntryKind.COMMITMENT and e.id != excluding
            for p in e.transaction.postings
            if p.account == account
        )

    def statement(self, person: str) -> tuple[StatementLine, ...]:
        """Every movement on the person's capital, with the running balance."""
        account = capital_account(person)
        lines: list[StatementLine] = []
        running = 0
        for entry in self.entries:
            for posting in entry.transaction.postings:
                if posting.account == account:
                    running -= posting.amount
                    tx = entry.transaction
                    lines.append(StatementLine(tx.id, tx.at, tx.kind, -posting.amount, running))
        return tuple(lines)


def _treasurer(roster: Roster, person: str) -> None:
    entry = roster.get(person)
    if entry is None or not entry.has(Role.TREASURER):
        raise NotPermitted("not_permitted", "only a treasurer may record this")


def _positive(amount: int) -> None:
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise RuleViolation("invalid_amount", "amounts are positive integer minor units")


def contribution(
    id: str, at: datetime, ledger: Ledger, person: str, amount: int, *, by: str, roster: Roster,
    reference: str | None = None,
) -> Transaction:
    """A treasurer confirms a payment in by an applicant or member: fund up, their capital up.

    ``reference`` is the treasurer's note of the payment (e.g. the bank transfer's number)."""
    _treasurer(roster, by)
    _positive(amount)
    if roster.state_of(person) not in (MemberState.APPLICANT, MemberState.MEMBER):
        raise RuleViolation("not_a_member", "only applicants and members contribute capital")
    return Transaction(
        id, at, EntryKind.CONTRIBUTION, ledger.currency,
        (Posting(FUND, amount), Posting(capital_account(person), -amount)),
        reference=reference or None, recorded_by=by,
    )


def donation(
    id: str, at: datetime, ledger: Ledger, donor: str, amount: int, *, by: str, roster: Roster,
    reference: str | None = None,
) -> Transaction:
    """Money given to the fund without creating capital (no claim on the pool)."""
    _treasurer(roster, by)
    _positive(amount)
    return Transaction(
        id, at, EntryKind.DONATION, ledger.currency,
        (Posting(FUND, amount), Posting(external_account(donor), -amount)),
        reference=reference or None, recorded_by=by,
    )


def commit_disbursement(
    id: str, at: datetime, ledger: Ledger, proposal: Proposal, result: Tally, amount: int
) -> Transaction:
    """Earmark money for a passed disbursement proposal, at most its amount in total."""
    motion = proposal.motion
    if not isinstance(motion, Disbursement):
        raise RuleViolation("wrong_proposal", "only a disbursement proposal can be booked")
    if result.proposal_id != proposal.id or result.electorate_digest != proposal.electorate.digest:
        raise RuleViolation("wrong_proposal", "the tally is not this proposal's")
    when = utc(at)
    if when < proposal.rule.closes_at:
        raise Conflict("proposal_open", "a disbursement is booked only after the vote closes")
    if result.outcome is not Outcome.PASSED:
        raise NotPermitted("not_passed", "the disbursement proposal did not pass")
    _positive(amount)
    if ledger.committed(proposal.id, excluding=id) + amount > motion.amount:
        raise RuleViolation("exceeds_approved", "more than the approved amount would be committed")
    return Transaction(
        id, when, EntryKind.COMMITMENT, ledger.currency,
        (Posting(commitment_account(proposal.id), amount), Posting(FUND, -amount)),
        reference=proposal.id,
    )


def pay(
    id: str, at: datetime, ledger: Ledger, commitment: str, payee: str, amount: int, *,
    reference: str, by: str, roster: Roster,
) -> Transaction:
    """A treasurer records that committed money was paid to ``payee`` (with a bank reference)."""
    _treasurer(roster, by)
    _positive(amount)
    if not reference:
        raise RuleViolation("missing_reference", "a payment needs a reference")
    if amount > ledger.balance(commitment_account(commitment)):
        raise RuleViolation("exceeds_approved", "more than the commitment still holds would be paid")
    return Transaction(
        id, at, EntryKind.PAYMENT, ledger.currency,
        (Posting(external_account(payee), amount), Posting(commitment_account(commitment), -amount)),
        memo=commitment, reference=reference, recorded_by=by,
    )


def pay_disbursement(
    id: str, at: datetime, ledger: Ledger, proposal: Proposal, amount: int, *,
    reference: str, by: str, roster: Roster,
) -> Transaction:
    """``pay`` for a disbursement proposal, to the payee the members approved."""
    if not isinstance(proposal.motion, Disbursement):
        raise RuleViolation("wrong_proposal", "only a disbursement proposal can be paid")
    return pay(id, at, ledger, proposal.id, proposal.motion.payee, amount,
               reference=reference, by=by, roster=roster)


def release(
    id: str, at: datetime, ledger: Ledger, commitment: str, amount: int, *, by: str, roster: Roster
) -> Transaction:
    """A treasurer returns (part of) the unspent rest of a commitment to the fund."""
    _treasurer(roster, by)
    _positive(amount)
    if amount > ledger.balance(commitment_account(commitment)):
        raise RuleViolation("exceeds_approved", "more than the commitment still holds would be released")
    return Transaction(
        id, at, EntryKind.RELEASE, ledger.currency,
        (Posting(FUND, amount), Posting(commitment_account(commitment), -amount)),
        memo=commitment, recorded_by=by,
    )


def lapse_commitment(
    id: str, at: datetime, ledger: Ledger, commitment: str, *, committed_at: datetime,
    lapse: timedelta,
) -> Transaction:
    """The pool returns a commitment's whole unspent rest to the fund once ``lapse`` has passed."""
    if lapse <= timedelta(0):
        raise RuleViolation("no_lapse", "these bylaws keep commitments until a treasurer releases them")
    when = utc(at)
    if when < utc(committed_at) + lapse:
        raise Conflict("not_due", "the commitment has not lapsed yet")
    rest = ledger.balance(commitment_account(commitment))
    if rest <= 0:
        raise RuleViolation("nothing_to_release", "the commitment holds nothing")
    return Transaction(
        id, when, EntryKind.RELEASE, ledger.currency,
        (Posting(FUND, rest), Posting(commitment_account(commitment), -rest)),
        memo=commitment, reference="lapsed",
    )


def _refundable(ledger: Ledger, person: str, roster: Roster) -> int:
    if roster.state_of(person) not in (MemberState.LEFT, MemberState.EXPELLED):
        raise RuleViolation("still_member", "capital is refunded after leaving")
    if ledger.shares_of(person) > 0:
        raise RuleViolation("shares_held", "the person's shares are redeemed before their capital "
                            "is refunded")
    amount = ledger.capital_of(person)
    if amount <= 0:
        raise RuleViolation("nothing_to_refund", "this person has no capital in the pool")
    return amount


def refund(id: str, at: datetime, ledger: Ledger, person: str, roster: Roster) -> Transaction:
    """Refund all capital of a person who left or was expelled (fund down, capital cleared)."""
    amount = _refundable(ledger, person, roster)
    return Transaction(
        id, at, EntryKind.REFUND, ledger.currency,
        (Posting(capital_account(person), amount), Posting(FUND, -amount)),
        reference=person,
    )


def owe_refund(id: str, at: datetime, ledger: Ledger, person: str, roster: Roster) -> Transaction:
    """Book the capital of someone who left as a refund owed, to be paid when the fund allows.

    The node owes rather than refunds when the fund cannot cover the capital now, or when older
    obligations wait ahead of it (docs/GOVERNANCE.md, "Money owed").
    """
    amount = _refundable(ledger, person, roster)
    return Transaction(
        id, at, EntryKind.REFUND_OWED, ledger.currency,
        (Posting(capital_account(person), amount), Posting(owed_account(person), -amount)),
        reference=person,
    )


def pay_owed_refund(id: str, at: datetime, ledger: Ledger, person: str) -> Transaction:
    """Pay a refund owed, whole, from the fund (refused with ``overdraft`` until it covers it)."""
    amount = ledger.owed_to(person)
    if amount <= 0:
        raise RuleViolation("nothing_to_refund", "the pool owes this person nothing")
    return Transaction(
        id, at, EntryKind.REFUND, ledger.currency,
        (Posting(owed_account(person), amount), Posting(FUND, -amount)),
        reference=person,
    )

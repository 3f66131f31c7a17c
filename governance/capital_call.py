"""A capital call in the books: what each member owes toward a passed investment, what they
have paid, and the entries that fund, pay and cancel it.

Everything for the purchase gathers in the investment's commitment, ``commitment:<proposal>``:
the part from the free fund when the proposal passes (``commit_from_fund``), then each member's
payment as it comes (``call_payment``: their capital goes up, since a capital call is paid-in
capital). Once the commitment holds the price, :func:`governance.assets.book_purchase` pays the
asset from it. Cancelled, the commitment goes back to the fund (``cancel_release``) and what each
member paid becomes a refund owed to them (``owe_call_back``), paid from the fund like any
refund owed (docs/GOVERNANCE.md, "Investment proposals and capital calls").
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from governance.assets import Asset, Depreciation, DepreciationPeriod
from governance.errors import NotPermitted, RuleViolation
from governance.investment import Investment, split_call
from governance.ledger import Ledger
from governance.ledger_entries import (
    FUND,
    EntryKind,
    Posting,
    Transaction,
    capital_account,
    commitment_account,
    owed_account,
)
from governance.membership import MemberState, Role, Roster
from governance.money import MAX_AMOUNT, format_money
from governance.proposals import Proposal

__all__ = [
    "CallLine",
    "CapitalCall",
    "call_payment",
    "call_status",
    "cancel_release",
    "commit_from_fund",
    "held_in_open_calls",
    "held_in_open_calls_by_person",
    "investment_of",
    "owe_call_back",
    "paid_toward",
    "purchased_asset",
]


def investment_of(proposal: Proposal) -> Investment:
    """The proposal's investment motion (``wrong_proposal`` for any other kind)."""
    if not isinstance(proposal.motion, Investment):
        raise RuleViolation("wrong_proposal", "only an investment proposal makes a capital call")
    return proposal.motion


@dataclass(frozen=True, slots=True)
class CapitalCall:
    """The call of the investment ``proposal``: each member's due in minor units, by id."""

    proposal: str
    dues: tuple[tuple[str, int], ...]

    def __post_init__(self) -> None:
        if not isinstance(self.proposal, str) or not self.proposal:
            raise RuleViolation("invalid_call", "a capital call names its proposal")
        pairs = tuple(sorted(self.dues))
        if len({person for person, _ in pairs}) != len(pairs):
            raise RuleViolation("invalid_call", "a capital call lists each member once")
        for person, due in pairs:
            if isinstance(due, bool) or not isinstance(due, int) or not 0 <= due <= MAX_AMOUNT:
                raise RuleViolation("invalid_amount", f"{person}'s due is whole minor units")
        object.__setattr__(self, "dues", pairs)

    @classmethod
    def of(cls, proposal: Proposal, members: Iterable[str]) -> CapitalCall:
        """The call a passed investment makes on ``members`` (the members when it passes)."""
        split = split_call(investment_of(proposal).call, members)
        return cls(proposal.id, tuple(split.items()))

    @property
    def amount(self) -> int:
        """The whole call: the sum of the dues."""
        return sum(due for _, due in self.dues)

    def due(self, person: str) -> int:
        """What ``person`` owes toward the call (``not_called`` if the call does not list them)."""
        for listed, due in self.dues:
            if listed == person:
                return due
        raise RuleViolation("not_called", "this capital call asks nothing of that person")


@dataclass(frozen=True, slots=True)
class CallLine:
    """One member's line of a capital call."""

    person: str
    due: int
    paid: int

    @property
    def outstanding(self) -> int:
        """What the member still owes toward the call."""
        return self.due - self.paid


def paid_toward(ledger: Ledger, proposal_id: str) -> dict[str, int]:
    """What each member has paid toward the call of ``proposal_id``, from its payment entries."""
    account = commitment_account(proposal_id)
    paid: dict[str, int] = {}
    for entry in ledger.entries:
        tx = entry.transaction
        if tx.kind is not EntryKind.CALL_PAYMENT or tx.memo != proposal_id:
            continue
        for posting in tx.postings:
            if posting.account != account and posting.account.startswith("capital:"):
                person = posting.account.split(":", 1)[1]
                paid[person] = paid.get(person, 0) - posting.amount
    return paid


def held_in_open_calls(ledger: Ledger, person: str) -> int:
    """What ``person`` paid toward calls whose commitment still holds money (neither spent on the
    asset nor released by a cancel): capital earmarked for the call, which shares do not take,
    since a cancel owes it back in full. Once the call is done it is capital like any other."""
    return held_in_open_calls_by_person(ledger).get(person, 0)


def held_in_open_calls_by_person(ledger: Ledger) -> dict[str, int]:
    """``held_in_open_calls`` for everyone who paid toward a call, in one pass over the ledger."""
    paid: dict[tuple[str, str], int] = {}
    for entry in ledger.entries:
        tx = entry.transaction
        if tx.kind is EntryKind.CALL_PAYMENT and tx.memo is not None:
            for posting in tx.postings:
                if posting.account.startswith("capital:"):
                    key = (tx.memo, posting.account.split(":", 1)[1])
                    paid[key] = paid.get(key, 0) - posting.amount
    held: dict[str, int] = {}
    open_calls = {proposal for proposal, _ in paid
                  if ledger.balance(commitment_account(proposal)) > 0}
    for (proposal, person), amount in paid.items():
        if proposal in open_calls:
            held[person] = held.get(person, 0) + amount
    return held


def call_status(call: CapitalCall, ledger: Ledger) -> tuple[CallLine, ...]:
    """Every member's due, paid and outstanding, by member id."""
    paid = paid_toward(ledger, call.proposal)
    return tuple(CallLine(person, due, paid.get(person, 0)) for person, due in call.dues)


def commit_from_fund(id: str, at: datetime, ledger: Ledger, proposal: Proposal,
                     free: int) -> Transaction:
    """Commit the part of the price the free fund pays (``free``: what the fund holds beyond
    the obligations waiting ahead); ``overdraft`` when it does not cover it."""
    motion = investment_of(proposal)
    if motion.from_fund <= 0:
        raise RuleViolation("nothing_to_commit", "this investment takes nothing from the fund")
    if motion.from_fund > min(free, ledger.fund):
        raise RuleViolation("overdraft", f"the free fund holds "
                            f"{format_money(max(0, min(free, ledger.fund)), ledger.currency)}; the "
                            f"investment needs {format_money(motion.from_fund, ledger.currency)} "
                            "from it")
    return Transaction(
        id, at, EntryKind.COMMITMENT, ledger.currency,
        (Posting(commitment_account(proposal.id), motion.from_fund), Posting(FUND, -motion.from_fund)),
        reference=proposal.id,
    )


def _treasurer(roster: Roster, person: str) -> None:
    entry = roster.get(person)
    if entry is None or not entry.has(Role.TREASURER):
        raise NotPermitted("not_permitted", "only a treasurer may record this")


def call_payment(id: str, at: datetime, ledger: Ledger, call: CapitalCall, person: str,
                 amount: int, *, by: str, roster: Roster, reference: str | None = None) -> Transaction:
    """A treasurer records ``person``'s payment toward ``call``: the investment's commitment up,
    the member's capital up. More than the member still owes is refused (``overpayment``)."""
    _treasurer(roster, by)
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise RuleViolation("invalid_amount", "amounts are positive integer minor units")
    due = call.due(person)
    if roster.state_of(person) is not MemberState.MEMBER:
        raise RuleViolation("not_a_member", "only members pay toward a capital call")
    outstanding = due - paid_toward(ledger, call.proposal).get(person, 0)
    if amount > outstanding:
        raise RuleViolation("overpayment", f"this member owes "
                            f"{format_money(max(0, outstanding), ledger.currency)} toward the "
                            f"call; {format_money(amount, ledger.currency)} is more")
    return Transaction(
        id, at, EntryKind.CALL_PAYMENT, ledger.currency,
        (Posting(commitment_account(call.proposal), amount), Posting(capital_account(person), -amount)),
        memo=call.proposal, reference=reference or None, recorded_by=by,
    )


def purchased_asset(proposal: Proposal, asset_id: str, acquired_at: datetime) -> Asset:
    """The asset a paid investment registers: its name, price, keeper and monthly depreciation."""
    motion = investment_of(proposal)
    monthly = (None if motion.depreciation is None
               else Depreciation(motion.depreciation, DepreciationPeriod.MONTH))
    return Asset(asset_id, motion.name.strip(), motion.price, acquired_at, motion.keeper, monthly)


def cancel_release(id: str, at: datetime, ledger: Ledger, proposal_id: str, *, by: str,
                   roster: Roster) -> Transaction:
    """A treasurer cancels a call: everything its commitment holds goes back to the fund."""
    _treasurer(roster, by)
    rest = ledger.balance(commitment_account(proposal_id))
    if rest <= 0:
        raise RuleViolation("nothing_to_release", "the commitment holds nothing")
    return Transaction(
        id, at, EntryKind.RELEASE, ledger.currency,
        (Posting(FUND, rest), Posting(commitment_account(proposal_id), -rest)),
        memo=proposal_id, reference="capital call cancelled", recorded_by=by,
    )


def owe_call_back(id: str, at: datetime, ledger: Ledger, proposal_id: str,
                  person: str) -> Transaction:
    """What ``person`` paid toward a cancelled call becomes a refund owed to them (capital down,
    ``owed:`` up), at most the capital they still hold (a leaver's was refunded already)."""
    back = min(paid_toward(ledger, proposal_id).get(person, 0), ledger.capital_of(person))
    if back <= 0:
        raise RuleViolation("nothing_to_refund", "the pool owes this person nothing from the call")
    return Transaction(
        id, at, EntryKind.REFUND_OWED, ledger.currency,
        (Posting(capital_account(person), back), Posting(owed_account(person), -back)),
        memo=proposal_id, reference=person,
    )

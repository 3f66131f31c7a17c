"""A surplus in the books: the measures members share it by, and the entries a passed
distribution books.

The measures (what :class:`governance.surplus.SurplusDistribution` lists when it opens) come
from signed records: contributions from the ledger's contribution entries, patronage from the
records a treasurer makes (``PatronageRecord``), equal shares from the list of members. A
passed distribution is booked as one commitment per member (``commitment:<proposal>|<member>``,
paid with :func:`governance.ledger.pay` like any commitment, or whole with ``pay_surplus``) and
one entry setting the reserve aside (``reserve:<name>``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from governance.classes import ClassTally
from governance.codec import utc
from governance.coop_rules import SurplusMeasure
from governance.errors import Conflict, NotPermitted, RuleViolation
from governance.ledger import Ledger, pay
from governance.ledger_entries import (
    FUND,
    EntryKind,
    Posting,
    Transaction,
    capital_account,
    commitment_account,
    reserve_account,
)
from governance.membership import Role, Roster
from governance.money import MAX_AMOUNT, format_money
from governance.proposals import Proposal
from governance.surplus import SurplusDistribution
from governance.tally import Outcome, Tally

__all__ = [
    "PatronageRecord",
    "book_surplus",
    "pay_surplus",
    "record_patronage",
    "surplus_commitment",
    "surplus_measures",
]

_MAX_NOTE = 500


@dataclass(frozen=True, slots=True)
class PatronageRecord:
    """A treasurer's record that ``person`` brought ``amount`` of patronage (e.g. purchases
    through the pool, in minor units) at ``at``."""

    id: str
    at: datetime
    person: str
    amount: int
    recorded_by: str
    note: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id:
            raise RuleViolation("invalid_patronage", "a patronage record needs an id")
        object.__setattr__(self, "at", utc(self.at, "patronage time"))
        amount = self.amount
        if isinstance(amount, bool) or not isinstance(amount, int) or not 0 < amount <= MAX_AMOUNT:
            raise RuleViolation("invalid_amount", "patronage is positive whole minor units")
        if not isinstance(self.note, str) or len(self.note) > _MAX_NOTE:
            raise RuleViolation("invalid_patronage", f"a note has at most {_MAX_NOTE} characters")


def record_patronage(id: str, at: datetime, person: str, amount: int, *, by: str,
                     roster: Roster, note: str = "") -> PatronageRecord:
    """A treasurer records a member's patronage (the treasurer's role is checked first)."""
    entry = roster.get(by)
    if entry is None or not entry.has(Role.TREASURER):
        raise NotPermitted("not_permitted", "only a treasurer may record patronage")
    if not roster.is_member(person):
        raise RuleViolation("not_a_member", "patronage is recorded for members")
    return PatronageRecord(id, at, person, amount, by, note)


def _window(at: datetime, since: datetime, until: datetime) -> bool:
    return utc(since) <= at < utc(until)


def surplus_measures(measure: SurplusMeasure, members: Iterable[str], *, ledger: Ledger,
                     patronage: Iterable[PatronageRecord] = (), since: datetime,
                     until: datetime) -> dict[str, int]:
    """Each member's measure over ``[since, until)``, every member listed (0 when none).

    Contributions: what the treasurer booked as each member's contribution in the window.
    Patronage: the sum of their patronage records in the window (a record id counts once).
    Equal shares: 1 each.
    """
    if utc(until) <= utc(since):
        raise RuleViolation("invalid_period", "the period ends after it starts")
    result = dict.fromkeys(sorted(set(members)), 0)
    if measure is SurplusMeasure.EQUAL:
        return dict.fromkeys(result, 1)
    if measure is SurplusMeasure.CONTRIBUTIONS:
        accounts = {capital_account(p): p for p in result}
        for entry in ledger.entries:
            tx = entry.transaction
            if tx.kind is EntryKind.CONTRIBUTION and _window(tx.at, since, until):
                for posting in tx.postings:
                    if posting.account in accounts:
                        result[accounts[posting.account]] -= posting.amount
        return result
    seen: dict[str, PatronageRecord] = {}
    for record in patronage:
        known = seen.setdefault(record.id, record)
        if known != record:
            raise Conflict("patronage_id_conflict", "two patronage records share an id")
    for record in seen.values():
        if record.person in result and _window(record.at, since, until):
            result[record.person] += record.amount
    if any(value > MAX_AMOUNT for value in result.values()):
        raise RuleViolation("amount_too_large", "a member's patronage is too large to count")
    return result


def surplus_commitment(proposal_id: str, person: str) -> str:
    """The commitment reference of ``person``'s share of a distribution (ids are IRIs, which
    hold no ``|``)."""
    return f"{proposal_id}|{person}"


def _passed(proposal: Proposal, result: Tally | ClassTally) -> SurplusDistribution:
    motion = proposal.motion
    if not isinstance(motion, SurplusDistribution):
        raise RuleViolation("wrong_proposal", "only a surplus distribution can be booked so")
    overall = result.overall if isinstance(result, ClassTally) else result
    if overall.proposal_id != proposal.id or overall.electorate_digest != proposal.electorate.digest:
        raise RuleViolation("wrong_proposal", "the tally is not this proposal's")
    if proposal.rule.class_majority and not isinstance(result, ClassTally):
        raise RuleViolation("wrong_proposal", "this proposal needs its tally by member class")
    if result.outcome is not Outcome.PASSED:
        raise NotPermitted("not_passed", "the distribution did not pass")
    return motion


def book_surplus(id: str, at: datetime, ledger: Ledger, proposal: Proposal,
                 result: Tally | ClassTally) -> tuple[Transaction, ...]:
    """The entries of a passed distribution, after its vote closed: one commitment entry ``id``
    earmarking each member's share, and one entry ``<id>#reserve`` for the reserve."""
    motion = _passed(proposal, result)
    when = utc(at)
    if when < proposal.rule.closes_at:
        raise Conflict("proposal_open", "a distribution is booked only after the vote closes")
    for entry in ledger.entries:
        if entry.transaction.reference == proposal.id and entry.id not in (id, f"{id}#reserve"):
            raise RuleViolation("exceeds_approved", "this distribution is booked already")
    entries = []
    shares = {p: s for p, s in motion.split().items() if s}
    if shares:
        postings = [Posting(commitment_account(surplus_commitment(proposal.id, p)), s)
                    for p, s in sorted(shares.items())]
        entries.append(Transaction(id, when, EntryKind.COMMITMENT, ledger.currency,
                                   (*postings, Posting(FUND, -motion.amount)),
                                   memo=motion.purpose, reference=proposal.id))
    if motion.reserve:
        entries.append(Transaction(
            f"{id}#reserve", when, EntryKind.RESERVE, ledger.currency,
            (Posting(reserve_account(motion.reserve_fund), motion.reserve),
             Posting(FUND, -motion.reserve)),
            memo=motion.purpose, reference=proposal.id))
    # Booking the same entries again changes nothing; only what is not booked yet needs funds.
    needed = sum(-p.amount for tx in entries if ledger.get(tx.id) is None
                 for p in tx.postings if p.account == FUND)
    if needed > ledger.fund:
        raise RuleViolation("overdraft", f"the fund holds {format_money(ledger.fund, ledger.currency)}"
                            f"; the distribution needs {format_money(needed, ledger.currency)}")
    return tuple(entries)


def pay_surplus(id: str, at: datetime, ledger: Ledger, proposal: Proposal, person: str, *,
                reference: str, by: str, roster: Roster) -> Transaction:
    """A treasurer pays ``person`` the rest of their share of a booked distribution."""
    entry = roster.get(by)
    if entry is None or not entry.has(Role.TREASURER):
        raise NotPermitted("not_permitted", "only a treasurer may record this")
    ref = surplus_commitment(proposal.id, person)
    rest = ledger.balance(commitment_account(ref))
    if rest <= 0:
        raise RuleViolation("nothing_to_pay", "nothing of this distribution is owed to them")
    return pay(id, at, ledger, ref, person, rest, reference=reference, by=by, roster=roster)

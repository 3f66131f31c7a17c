"""The co-op worked examples of docs/GOVERNANCE.md, recomputed from the numbers in the doc.

Each example is a fenced block (```example <name>) whose lines the test parses: the inputs it
reads, the results it computes and compares with what the doc says.
"""

from __future__ import annotations

import re
from dataclasses import replace
from fractions import Fraction
from pathlib import Path

from governance import (
    Asset,
    AssetRegister,
    Ballot,
    Booking,
    BookingCalendar,
    BookingLimits,
    ClassRoll,
    Decision,
    Depreciation,
    DepreciationPeriod,
    GovernanceError,
    Kind,
    Ledger,
    Outcome,
    Roster,
    ShareRegister,
    ShareType,
    SurplusDistribution,
    SurplusMeasure,
    admission_issue,
    book_surplus,
    capital_statement,
    class_tally,
    contribution,
    donation,
    leaving_redemption,
    open_proposal,
    refund,
    share_transaction,
    split_surplus,
)
from governance.codec import datetime_from_str, datetime_to_str
from governance.ledger_entries import commitment_account, reserve_account
from governance.surplus_ledger import surplus_commitment
from tests.governance.builders import T0, at, bylaws

DOC = (Path(__file__).parents[2] / "docs" / "GOVERNANCE.md").read_text(encoding="utf-8")


def _block(name: str) -> list[str]:
    found = re.search(rf"^```example {name}\n(.*?)^```$", DOC, re.MULTILINE | re.DOTALL)
    assert found, f"no example block {name!r} in docs/GOVERNANCE.md"
    return found.group(1).splitlines()


def _fields(name: str) -> dict[str, str]:
    return dict(line.split(": ", 1) for line in _block(name))


def _pairs(text: str) -> dict[str, int]:
    return {who: int(n) for who, n in (item.split() for item in text.split(", "))}


def test_class_majority_example() -> None:
    example = _fields("class-majority")
    classes = {person: name for part in example["classes"].split("; ")
               for name, people in [part.split(" = ")] for person in people.split()}
    rules = bylaws(member_classes=("worker", "consumer"), class_majority=frozenset({Kind.DECISION}))
    roster = Roster.found(classes, T0)
    proposal = open_proposal(id="p1", author="w1", title="Night shifts", motion=Decision("x"),
                             bylaws=rules, electorate=roster.electorate(), opens_at=T0)
    roll = ClassRoll.freeze(proposal.electorate, classes, rules)
    ballots = [Ballot(f"b-{v}", "p1", v, at(5), (choice,))
               for choice in ("agree", "disagree") for v in example[choice].split()]
    result = class_tally(proposal.rule, proposal.electorate, roll, ballots)
    overall = result.overall
    assert example["overall"] == (f"agree {overall.count('agree')} of {overall.votes_cast} "
                                  f"votes cast, {overall.outcome.value}")
    for counted in result.classes:
        said = "majority" if counted.majority else "no majority"
        assert example[counted.name] == (f"agree {counted.tally.count('agree')} of "
                                         f"{counted.tally.votes_cast} votes cast, {said}")
    assert example["outcome"] == result.outcome.value == "rejected"
    plain = class_tally(replace(proposal.rule, class_majority=False), proposal.electorate, roll,
                        ballots)
    assert plain.outcome is Outcome.PASSED
    assert "Without `class_majority` the same ballots pass" in DOC


def test_shares_example() -> None:
    example = _fields("shares")
    name, nominal, minimum, worker = re.fullmatch(
        r"(\w+), nominal (\d+), minimum (\d+), worker (\d+)", example["share type"]).groups()  # type: ignore[union-attr]
    share_type = ShareType(name, int(nominal), int(minimum), (("worker", int(worker)),))
    rules = bylaws(member_classes=("worker", "consumer"), share_types=(share_type,))
    person, paid = example["paid in"].split()
    who, member_class, when = re.fullmatch(r"(\w+) as (\w+) at (\S+)", example["admitted"]).groups()  # type: ignore[union-attr]
    admitted = datetime_from_str(when)
    roster = (Roster.found(["treasurer"], T0).apply(person, T0)
              .record_share(person, int(paid), "treasurer"))
    ledger = Ledger("EUR")
    ledger = ledger.apply(contribution("c1", at(1), ledger, person, int(paid), by="treasurer",
                                       roster=roster))
    roster = roster.admit(who, admitted, rules, by="treasurer")
    register = ShareRegister()
    issued = admission_issue(register, rules, who, member_class, admitted, "admission")
    for event in issued:
        ledger = ledger.apply(share_transaction(event, ledger))
        register = register.apply(event)
    assert example["issued"] == ", ".join(f"{e.share_type} {e.count} = {e.value}" for e in issued)
    statement = capital_statement(register, ledger, who)
    assert example["statement"] == (
        f"shares {statement.share_capital} since {datetime_to_str(statement.holdings[0].since)}, "
        f"other capital {statement.other_capital}")
    roster = roster.leave(who, at(90))
    redeemed = leaving_redemption(register, who, at(90), "leaving")
    for event in redeemed:
        ledger = ledger.apply(share_transaction(event, ledger))
    paid_back = refund("r1", at(90), ledger, who, roster)
    ledger = ledger.apply(paid_back)
    assert example["leaving"] == (
        ", ".join(f"redeemed {e.share_type} {e.count} = {e.value}" for e in redeemed)
        + f", refunded {paid_back.postings[0].amount}")
    assert ledger.capital_of(who) == ledger.shares_of(who) == ledger.fund == 0


def _mixed(value: Fraction) -> str:
    whole, rest = divmod(value, 1)
    return f"{whole} {rest.numerator}/{rest.denominator}" if rest else str(whole)


def test_surplus_example() -> None:
    example = _fields("surplus")
    amount, measure, reserve, fund = re.fullmatch(
        r"(\d+) to members by (\w+), (\d+) to the reserve (\w+)", example["surplus"]).groups()  # type: ignore[union-attr]
    measures = _pairs(example[measure])
    motion = SurplusDistribution(int(amount), int(reserve), "EUR", SurplusMeasure(measure),
                                 tuple(measures.items()), "2024", fund)
    assert motion.split() == _pairs(example["shares"])
    total = sum(measures.values())
    exact = {p: Fraction(int(amount) * m, total) for p, m in measures.items()}
    assert f"Ben's exact share is {_mixed(exact['ben'])} and Dee's {_mixed(exact['dee'])}" in DOC
    equal = _pairs(example["equal shares of 100"])
    assert split_surplus(100, dict.fromkeys(equal, 1), SurplusMeasure.EQUAL) == equal
    # Booked: one commitment per member with a share, and the reserve.
    roster = Roster.found(measures, T0)
    rules = bylaws(surplus_measure=SurplusMeasure(measure))
    proposal = open_proposal(id="p1", author="ana", title="Surplus", motion=motion, bylaws=rules,
                             electorate=roster.electorate(), opens_at=T0)
    ballots = [Ballot(f"b-{p}", "p1", p, at(5), ("agree",)) for p in measures]
    result = class_tally(proposal.rule, proposal.electorate,
                         ClassRoll(dict.fromkeys(measures, "member")), ballots)
    ledger = Ledger("EUR")
    ledger = ledger.apply(donation("d", at(1), ledger, "x", 12000, by="ana", roster=roster))
    for entry in book_surplus("s1", proposal.rule.closes_at, ledger, proposal, result):
        ledger = ledger.apply(entry)
    assert ledger.fund == 0 and ledger.balance(reserve_account(fund)) == int(reserve)
    assert {p: ledger.balance(commitment_account(surplus_commitment("p1", p)))
            for p in measures} == motion.split()


def test_assets_example() -> None:
    lines = _block("assets")
    purchase, monthly, acquired = re.fullmatch(
        r"van: purchase (\d+), depreciation (\d+) a month, acquired (\S+)", lines[0]).groups()  # type: ignore[union-attr]
    roster = Roster.found(["ana", "ben"], T0)
    van = Asset("van", "Cargo van", int(purchase), datetime_from_str(acquired), "ana",
                Depreciation(int(monthly), DepreciationPeriod.MONTH))
    when, value = re.fullmatch(r"book value at (\S+): (\d+)", lines[1]).groups()  # type: ignore[union-attr]
    assert van.book_value(datetime_from_str(when)) == int(value)
    hours = re.fullmatch(r"limits: (\d+) hours a month, equal turns", lines[2]).group(1)  # type: ignore[union-attr]
    limits = BookingLimits(int(hours), equal_turns=True)
    assets = AssetRegister().register(van, roster)
    calendar = BookingCalendar()
    for n, line in enumerate(lines[3:]):
        made, member, start, end, said = re.fullmatch(r"(\S+) (\w+) (\S+) (\S+): (\w+)", line).groups()  # type: ignore[union-attr]
        booking = Booking(f"b{n}", "van", member, datetime_from_str(start), datetime_from_str(end),
                          datetime_from_str(made))
        try:
            calendar = calendar.book(booking, assets=assets, roster=roster, limits=limits)
            outcome = "accepted"
        except GovernanceError as exc:
            outcome = exc.code
            if exc.code == "booking_overlap":
                assert f'"{exc.reason}"' in DOC.replace("\n", " ")
        assert outcome == said, line

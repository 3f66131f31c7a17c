"""Share types, the share register and the capital statement."""

from __future__ import annotations

from datetime import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from governance import Bylaws, Conflict, Ledger, Roster, RuleViolation, contribution, refund
from governance.coop_rules import ShareType
from governance.shares import (
    ShareAction,
    ShareEvent,
    ShareRegister,
    admission_issue,
    capital_statement,
    covered_issue,
    issue_shares,
    leaving_redemption,
    redeem_shares,
    share_transaction,
    shares_owed,
)
from tests.governance.builders import at, bylaws

A = ShareType("A", 5000, minimum=1, class_minimums=(("worker", 3),))
B = ShareType("B", 1000, class_minimums=(("consumer", 2),))
COOP = bylaws(member_classes=("worker", "consumer"), share_types=(A, B))
TREASURER = "t"


def _paid(amount: int, person: str = "ana") -> tuple[Roster, Ledger]:
    roster = Roster.found([TREASURER], at(0)).apply(person, at(0)).record_share(person, amount,
                                                                                TREASURER)
    ledger = Ledger("EUR")
    ledger = ledger.apply(contribution("c1", at(1), ledger, person, amount, by=TREASURER,
                                       roster=roster))
    return roster, ledger


def _book(register: ShareRegister, ledger: Ledger,
          events: tuple[ShareEvent, ...]) -> tuple[ShareRegister, Ledger]:
    for event in events:
        ledger = ledger.apply(share_transaction(event, ledger))
        register = register.apply(event)
    return register, ledger


@pytest.mark.parametrize(("changes", "reason"), [
    ({"share_types": (ShareType("A", 100), ShareType("a", 200))}, "each share type needs its own name"),
    ({"share_types": (ShareType("A", 100, class_minimums=(("investor", 1),)),)},
     "share type 'A' names 'investor', which is not a member class of these bylaws"),
    ({"share_types": tuple(ShareType(f"t{i}", 1) for i in range(9))},
     "the bylaws declare at most 8 share types"),
])
def test_share_types_fit_the_bylaws(changes: dict[str, object], reason: str) -> None:
    with pytest.raises(RuleViolation) as info:
        bylaws(**changes)
    assert info.value.reason == reason


@pytest.mark.parametrize(("args", "reason"), [
    (("A", 0), "share type 'A' needs a nominal value of at least one minor unit"),
    (("A", 100, 10_001), "the minimum holding of share type 'A' is a whole number from 0 to 10000"),
    (("A", 2**52, 3), "the minimum holding of share type 'A' is too large"),
    (("", 100), "a share type needs a name"),
])
def test_share_types_are_bounded(args: tuple[object, ...], reason: str) -> None:
    with pytest.raises(RuleViolation) as info:
        ShareType(*args)  # type: ignore[arg-type]
    assert info.value.reason == reason


def test_share_types_round_trip_and_give_each_class_its_minimum() -> None:
    assert Bylaws.from_dict(COOP.to_dict()) == COOP
    assert COOP.to_dict()["share_types"][0] == {"name": "A", "nominal": 5000, "minimum": 1,
                                                "class_minimums": {"worker": 3}}
    assert (A.minimum_for("worker"), A.minimum_for("consumer"), B.minimum_for("consumer")) == (3, 1, 2)
    assert "share_types" not in bylaws().to_dict()


def test_admission_issues_the_class_minimum_from_paid_in_capital() -> None:
    _, ledger = _paid(20000)
    events = admission_issue(ShareRegister(), COOP, "ana", "worker", at(2), "adm")
    assert [(e.id, e.share_type, e.count, e.value) for e in events] == [("adm#A", "A", 3, 15000)]
    register, ledger = _book(ShareRegister(), ledger, events)
    assert (ledger.capital_of("ana"), ledger.shares_of("ana"), ledger.fund) == (5000, 15000, 20000)
    assert register.held("ana", "A") == 3 and register.holders() == ("ana",)
    consumer = admission_issue(ShareRegister(), COOP, "ana", "consumer", at(2), "adm")
    assert [(e.share_type, e.count) for e in consumer] == [("A", 1), ("B", 2)]
    with pytest.raises(RuleViolation) as info:
        admission_issue(ShareRegister(), COOP, "ana", "investor", at(2), "adm")
    assert info.value.code == "unknown_class"


def test_shares_are_only_issued_from_capital_paid_in() -> None:
    _, ledger = _paid(10000)
    event = admission_issue(ShareRegister(), COOP, "ana", "worker", at(2), "adm")[0]
    with pytest.raises(RuleViolation) as info:
        share_transaction(event, ledger)
    assert info.value.code == "share_unpaid"
    assert info.value.reason == ("EUR 150.00 of shares need that much capital paid in; "
                                 "EUR 100.00 is")


def test_redemption_keeps_the_minimum_while_a_member_and_takes_the_newest_first() -> None:
    _, ledger = _paid(40000)
    register, ledger = _book(ShareRegister(), ledger,
                             admission_issue(ShareRegister(), COOP, "ana", "worker", at(2), "adm"))
    register, ledger = _book(register, ledger,
                             (issue_shares(COOP, "ana", "A", 2, at(5), "more"),))
    with pytest.raises(RuleViolation) as info:
        redeem_shares(register, COOP, "ana", "worker", "A", 3, at(6), "r1")
    assert info.value.code == "below_minimum"
    register, ledger = _book(register, ledger,
                             (redeem_shares(register, COOP, "ana", "worker", "A", 2, at(6), "r1"),))
    assert [(lot.count, lot.since) for lot in register.holdings("ana")] == [(3, at(2))]
    assert ledger.shares_of("ana") == register.value_of("ana") == 15000


def test_leaving_redeems_every_share_at_its_issue_value_before_the_refund() -> None:
    roster, ledger = _paid(30000)
    register, ledger = _book(ShareRegister(), ledger,
                             admission_issue(ShareRegister(), COOP, "ana", "worker", at(2), "adm"))
    cheaper = Bylaws.from_dict({**COOP.to_dict(), "share_types": [
        {"name": "A", "nominal": 4000, "minimum": 1}]})
    register, ledger = _book(register, ledger, (issue_shares(cheaper, "ana", "A", 1, at(3), "x"),))
    roster = roster.admit("ana", at(2), COOP, by=TREASURER).leave("ana", at(9))
    with pytest.raises(RuleViolation) as info:
        refund("rf", at(9), ledger, "ana", roster)
    assert info.value.code == "shares_held"
    events = leaving_redemption(register, "ana", at(9), "leave")
    assert [(e.id, e.action, e.count, e.value) for e in events] == [
        ("leave#A", ShareAction.REDEEM, 4, 19000)]
    register, ledger = _book(register, ledger, events)
    assert register.held("ana") == 0 and register.holders() == ()
    assert ledger.apply(share_transaction(events[0], ledger)) is ledger  # booked already: no-op
    ledger = ledger.apply(refund("rf", at(9), ledger, "ana", roster))
    assert ledger.capital_of("ana") == 0 and ledger.fund == 0


def test_the_capital_statement_shows_holdings_since_when_and_their_value() -> None:
    _, ledger = _paid(20000)
    register, ledger = _book(ShareRegister(), ledger,
                             admission_issue(ShareRegister(), COOP, "ana", "worker", at(2), "adm"))
    statement = capital_statement(register, ledger, "ana")
    assert [(h.share_type, h.count, h.nominal, h.value, h.since) for h in statement.holdings] == [
        ("A", 3, 5000, 15000, at(2))]
    assert (statement.share_capital, statement.other_capital, statement.owed, statement.total) == (
        15000, 5000, 0, 20000)
    assert [(m.kind.value, m.amount, m.balance) for m in statement.movements] == [
        ("contribution", 20000, 20000), ("share_issue", -15000, 5000)]
    with pytest.raises(Conflict) as info:
        capital_statement(ShareRegister(), ledger, "ana")
    assert info.value.code == "share_register_mismatch"


def test_the_register_is_a_fold_idempotent_by_id() -> None:
    events = (ShareEvent("e1", at(1), ShareAction.ISSUE, "ana", "A", 2, 10000),
              ShareEvent("e2", at(2), ShareAction.REDEEM, "ana", "A", 1, 5000))
    register = ShareRegister.replay(events)
    assert register.apply(events[1]) is register
    assert ShareRegister.replay(e for e in events) == register
    with pytest.raises(Conflict):
        register.apply(ShareEvent("e1", at(1), ShareAction.ISSUE, "ana", "A", 3, 15000))
    with pytest.raises(RuleViolation) as info:
        register.apply(ShareEvent("e3", at(3), ShareAction.REDEEM, "ana", "A", 1, 4000))
    assert info.value.reason == "a redemption is worth what the shares were issued at: 5000 minor units"
    with pytest.raises(RuleViolation) as info:
        register.apply(ShareEvent("e3", at(3), ShareAction.REDEEM, "ana", "A", 2, 10000))
    assert info.value.code == "not_enough_shares"
    assert ShareEvent.from_dict(events[0].to_dict()) == events[0]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["issue", "redeem", "leave"]), st.sampled_from(["A", "B"]),
                          st.integers(1, 4), st.sampled_from(["ana", "ben"])), max_size=25))
def test_the_register_and_the_ledger_always_agree(ops: list[tuple[str, str, int, str]]) -> None:
    roster = Roster.found([TREASURER], at(0)).apply("ana", at(0)).apply("ben", at(0))
    ledger = Ledger("EUR")
    for n, person in enumerate(("ana", "ben")):
        ledger = ledger.apply(contribution(f"c{n}", at(1), ledger, person, 40000, by=TREASURER,
                                           roster=roster))
    register = ShareRegister()
    for step, (op, kind, count, person) in enumerate(ops):
        moment: datetime = at(10 + step)
        try:
            if op == "issue":
                events: tuple[ShareEvent, ...] = (issue_shares(COOP, person, kind, count, moment, f"s{step}"),)
            elif op == "redeem":
                events = (redeem_shares(register, COOP, person, "consumer", kind, count, moment, f"s{step}"),)
            else:
                events = leaving_redemption(register, person, moment, f"s{step}")
            register, ledger = _book(register, ledger, events)
        except RuleViolation as exc:
            assert exc.code in {"share_unpaid", "below_minimum", "not_enough_shares"}
        for who in ("ana", "ben"):
            assert register.value_of(who) == ledger.shares_of(who) >= 0
            assert ledger.capital_of(who) + ledger.shares_of(who) == 40000
            assert ledger.capital_of(who) >= 0


def test_a_member_short_of_their_minimum_is_issued_what_their_capital_covers() -> None:
    held = ShareRegister.replay([issue_shares(COOP, "ana", "A", 1, at(1), "i1")])
    assert [(d.share_type, d.count, d.value) for d in shares_owed(held, COOP, "ana", "worker")] \
        == [("A", 2, 10000)]
    events = covered_issue(held, COOP, "ana", "worker", 7500, at(2), "top")
    assert [(e.id, e.share_type, e.count, e.value) for e in events] == [("top#A", "A", 1, 5000)]
    # A consumer owes 1 A and 2 B: 5999 covers the A and no whole B, in the bylaws' order.
    fresh = ShareRegister()
    assert [(e.share_type, e.count) for e in covered_issue(fresh, COOP, "bo", "consumer", 5999,
                                                           at(2), "top")] == [("A", 1)]
    assert [(e.share_type, e.count) for e in covered_issue(fresh, COOP, "bo", "consumer", 8000,
                                                           at(2), "top")] == [("A", 1), ("B", 2)]
    # A class the bylaws do not name owes the general minimums.
    assert [(d.share_type, d.count) for d in shares_owed(fresh, COOP, "cy", None)] == [("A", 1)]


@settings(max_examples=200, deadline=None)
@given(held=st.lists(st.integers(0, 4), min_size=2, max_size=2),
       capital=st.integers(0, 40_000), member_class=st.sampled_from([None, "worker", "consumer"]))
def test_an_issue_from_capital_never_passes_the_minimum_nor_the_capital(
        held: list[int], capital: int, member_class: str | None) -> None:
    register = ShareRegister.replay(
        issue_shares(COOP, "ana", t.name, n, at(0), f"h{t.name}")
        for t, n in zip(COOP.share_types, held, strict=True) if n)
    events = covered_issue(register, COOP, "ana", member_class, capital, at(1), "top")
    assert sum(e.value for e in events) <= capital
    after = ShareRegister.replay([*register.events, *events])
    for t, before in zip(COOP.share_types, held, strict=True):
        assert after.held("ana", t.name) <= max(before, t.minimum_for(member_class))
    # Nothing more is covered: every type still due costs more than the capital left.
    left = capital - sum(e.value for e in events)
    assert all(d.nominal > left for d in shares_owed(after, COOP, "ana", member_class))

"""Investment proposals and their capital call: the motion, the exact split, the entries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from governance import (
    Electorate,
    Investment,
    Kind,
    Ledger,
    NotPermitted,
    Role,
    Roster,
    RuleViolation,
    contribution,
    open_proposal,
    split_call,
)
from governance.assets import book_purchase
from governance.capital_call import (
    CapitalCall,
    call_payment,
    call_status,
    cancel_release,
    commit_from_fund,
    held_in_open_calls,
    held_in_open_calls_by_person,
    owe_call_back,
    paid_toward,
    purchased_asset,
)
from governance.ledger_entries import EntryKind, commitment_account
from governance.proposals import Proposal, motion_from_dict
from tests.governance.builders import T0, at, bylaws

MEMBERS = ["ana", "ben", "cai"]


def _van(**changes: object) -> Investment:
    base: dict[str, object] = {"name": "Cargo van", "asset_kind": "vehicle", "tenure": "owned",
                               "keeper": "ana", "price": 100_000, "currency": "EUR",
                               "from_fund": 25_000, "depreciation": 1_000}
    base.update(changes)
    return Investment(**base)  # type: ignore[arg-type]


def _proposal(motion: Investment) -> Proposal:
    return open_proposal(id="p1", author="ana", title="Buy a van", motion=motion,
                         bylaws=bylaws(), electorate=Electorate.of(MEMBERS), opens_at=T0)


def _roster() -> Roster:
    return Roster.found(MEMBERS, T0).grant("ben", Role.TREASURER)


@given(st.integers(0, 10**15), st.sets(st.text(min_size=1, max_size=6).filter(
    lambda s: "\n" not in s), min_size=1, max_size=40))
def test_the_call_splits_exactly_and_evenly(amount: int, members: set[str]) -> None:
    shares = split_call(amount, members)
    assert set(shares) == members
    assert sum(shares.values()) == amount
    assert max(shares.values()) - min(shares.values()) <= 1
    for share in shares.values():
        assert abs(share * len(members) - amount) < len(members)  # under a unit from exact
    # The units left over go to the smallest ids, so every node hands them out alike.
    ordered = [shares[m] for m in sorted(members)]
    assert ordered == sorted(ordered, reverse=True)


def test_the_worked_split() -> None:
    seven = [f"m{n}" for n in range(1, 8)]
    assert split_call(75_000, seven) == {"m1": 10_715, "m2": 10_715, **{
        f"m{n}": 10_714 for n in range(3, 8)}}
    with pytest.raises(RuleViolation, match="at least one member"):
        split_call(10, [])


@pytest.mark.parametrize(("changes", "code"), [
    ({"price": 0}, "invalid_amount"),
    ({"price": 2**53}, "invalid_amount"),
    ({"price": True}, "invalid_amount"),
    ({"from_fund": -1}, "invalid_amount"),
    ({"from_fund": 100_001}, "invalid_amount"),
    ({"depreciation": 0}, "invalid_amount"),
    ({"depreciation": 100_001}, "invalid_amount"),
    ({"name": " "}, "invalid_motion"),
    ({"name": "x" * 201}, "invalid_motion"),
    ({"asset_kind": "boat"}, "invalid_motion"),
    ({"tenure": "borrowed"}, "invalid_motion"),
    ({"keeper": ""}, "invalid_person"),
    ({"currency": "euro"}, "invalid_currency"),
    ({"purpose": "x" * 5001}, "invalid_motion"),
])
def test_an_investment_is_checked(changes: dict[str, object], code: str) -> None:
    with pytest.raises(RuleViolation) as info:
        _van(**changes)
    assert info.value.code == code


def test_an_investment_round_trips_and_opens_only_with_a_member_keeper() -> None:
    motion = _van()
    assert motion.call == 75_000 and motion.kind is Kind.INVESTMENT
    assert motion_from_dict(motion.to_dict()) == motion
    assert motion_from_dict(_van(depreciation=None).to_dict()) == _van(depreciation=None)
    proposal = _proposal(motion)
    assert Proposal.from_dict(proposal.to_dict()) == proposal
    with pytest.raises(RuleViolation, match="looked after by a member"):
        _proposal(_van(keeper="zed"))
    with pytest.raises(RuleViolation, match="currency"):
        _proposal(_van(currency="USD"))


def _funded(amount: int) -> Ledger:
    ledger = Ledger("EUR")
    return ledger.apply(contribution("e1", T0, ledger, "cai", amount, by="ben", roster=_roster()))


def test_a_call_is_paid_in_full_then_buys_the_asset() -> None:
    proposal, roster = _proposal(_van()), _roster()
    call = CapitalCall.of(proposal, MEMBERS)
    assert dict(call.dues) == {"ana": 25_000, "ben": 25_000, "cai": 25_000}
    ledger = _funded(30_000)
    ledger = ledger.apply(commit_from_fund("e2", at(1), ledger, proposal, free=ledger.fund))
    assert ledger.fund == 5_000 and ledger.balance(commitment_account("p1")) == 25_000
    n = 3
    for person in MEMBERS:
        for part in (10_000, 15_000):
            ledger = ledger.apply(call_payment(f"e{n}", at(n), ledger, call, person, part,
                                               by="ben", roster=roster, reference="bank"))
            n += 1
    assert paid_toward(ledger, "p1") == {person: 25_000 for person in MEMBERS}
    assert all(line.outstanding == 0 for line in call_status(call, ledger))
    assert ledger.capital_of("ana") == 25_000 and ledger.capital_of("cai") == 55_000
    van = purchased_asset(proposal, "van", at(20))
    assert van.purchase == 100_000 and van.depreciation is not None
    ledger = ledger.apply(book_purchase("e99", at(20), ledger, van, "p1", reference="paid",
                                        by="ben", roster=roster))
    assert ledger.balance(commitment_account("p1")) == 0 and ledger.balance("asset:van") == 100_000


def test_payments_are_bounded_by_the_due_and_recorded_by_a_treasurer() -> None:
    proposal, roster = _proposal(_van(from_fund=0, price=10, depreciation=None)), _roster()
    call = CapitalCall.of(proposal, MEMBERS)
    assert dict(call.dues) == {"ana": 4, "ben": 3, "cai": 3}
    ledger = Ledger("EUR").apply(call_payment("e1", T0, Ledger("EUR"), call, "ana", 3,
                                              by="ben", roster=roster))
    with pytest.raises(RuleViolation) as info:
        call_payment("e2", T0, ledger, call, "ana", 2, by="ben", roster=roster)
    assert info.value.code == "overpayment" and "EUR 0.01" in info.value.reason
    with pytest.raises(NotPermitted):
        call_payment("e2", T0, ledger, call, "ana", 1, by="zed", roster=roster)
    with pytest.raises(RuleViolation) as info:
        call_payment("e2", T0, ledger, call, "zed", 1, by="ben", roster=roster)
    assert info.value.code == "not_called"
    with pytest.raises(RuleViolation) as info:
        call_payment("e2", T0, ledger, call, "ana", 0, by="ben", roster=roster)
    assert info.value.code == "invalid_amount"
    left = roster.leave("cai", at(5))
    with pytest.raises(RuleViolation) as info:
        call_payment("e2", at(6), ledger, call, "cai", 1, by="ben", roster=left)
    assert info.value.code == "not_a_member"


def test_the_fund_part_is_refused_when_the_free_fund_does_not_cover_it() -> None:
    proposal = _proposal(_van())
    ledger = _funded(30_000)
    with pytest.raises(RuleViolation) as info:
        commit_from_fund("e2", at(1), ledger, proposal, free=20_000)
    assert info.value.code == "overdraft" and "EUR 200.00" in info.value.reason
    with pytest.raises(RuleViolation) as info:
        commit_from_fund("e2", at(1), ledger, _proposal(_van(from_fund=0)), free=30_000)
    assert info.value.code == "nothing_to_commit"


def test_cancelling_returns_the_commitment_and_owes_each_payer_what_they_paid() -> None:
    proposal, roster = _proposal(_van()), _roster()
    call = CapitalCall.of(proposal, MEMBERS)
    ledger = _funded(30_000)
    ledger = ledger.apply(commit_from_fund("e2", at(1), ledger, proposal, free=ledger.fund))
    ledger = ledger.apply(call_payment("e3", at(2), ledger, call, "ana", 7_000, by="ben",
                                       roster=roster))
    ledger = ledger.apply(cancel_release("e4", at(3), ledger, "p1", by="ben", roster=roster))
    assert ledger.fund == 30_000 + 7_000 and ledger.balance(commitment_account("p1")) == 0
    owed = owe_call_back("e5", at(3), ledger, "p1", "ana")
    assert owed.kind is EntryKind.REFUND_OWED and owed.reference == "ana"
    ledger = ledger.apply(owed)
    assert ledger.owed_to("ana") == 7_000 and ledger.capital_of("ana") == 0
    with pytest.raises(RuleViolation) as info:
        owe_call_back("e6", at(3), ledger, "p1", "ben")
    assert info.value.code == "nothing_to_refund"
    with pytest.raises(NotPermitted):
        cancel_release("e6", at(3), _funded(1), "p1", by="zed", roster=roster)


def test_what_an_open_call_holds_is_earmarked_until_it_is_spent_or_released() -> None:
    proposal, roster = _proposal(_van()), _roster()
    call = CapitalCall.of(proposal, MEMBERS)
    ledger = _funded(30_000)
    ledger = ledger.apply(commit_from_fund("e2", at(1), ledger, proposal, free=ledger.fund))
    assert held_in_open_calls(ledger, "ana") == 0
    for n, part in ((3, 7_000), (4, 1_000)):
        ledger = ledger.apply(call_payment(f"e{n}", at(n), ledger, call, "ana", part, by="ben",
                                           roster=roster))
    assert held_in_open_calls(ledger, "ana") == 8_000 and held_in_open_calls(ledger, "ben") == 0
    released = ledger.apply(cancel_release("e5", at(5), ledger, "p1", by="ben", roster=roster))
    assert held_in_open_calls(released, "ana") == 0
    for n, person in enumerate(MEMBERS, start=6):
        ledger = ledger.apply(call_payment(f"e{n}", at(n), ledger, call, person,
                                           25_000 - (8_000 if person == "ana" else 0),
                                           by="ben", roster=roster))
    assert held_in_open_calls(ledger, "cai") == 25_000
    assert held_in_open_calls_by_person(ledger) == {p: 25_000 for p in MEMBERS}
    bought = ledger.apply(book_purchase("e9", at(9), ledger, purchased_asset(proposal, "van", at(9)),
                                        "p1", reference="paid", by="ben", roster=roster))
    assert held_in_open_calls(bought, "ana") == 0 and bought.capital_of("ana") == 25_000


def test_a_call_on_many_members_stays_exact() -> None:
    members = [f"m{n:03d}" for n in range(101)]
    electorate = Electorate.of(members)
    motion = _van(keeper="m000", price=1_000_050, from_fund=0, depreciation=None)
    proposal = open_proposal(id="p2", author="m000", title="Land", motion=motion,
                             bylaws=bylaws(), electorate=electorate, opens_at=T0 + timedelta(days=1))
    call = CapitalCall.of(proposal, members)
    assert call.amount == 1_000_050 and call.due("m048") == 9_902 and call.due("m049") == 9_901

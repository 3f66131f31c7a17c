from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from governance import BallotType, BudgetRound, Decision, GovernanceError, Roster, open_proposal
from governance.budget import Bucket, Budget
from governance.ledger import FUND, EntryKind, Ledger, Posting, Transaction, external_account
from tests.governance.builders import T0, at, bylaws, people

V = people(3)


def round_(pot: int = 10000, n: int = 3) -> Budget:
    p = open_proposal(id="b1", author=people(n)[0], title="Spring", motion=BudgetRound(pot, "EUR"),
                      bylaws=bylaws(), electorate=Roster.found(people(n), T0).electorate(),
                      opens_at=T0, ballot_type=BallotType.ALLOCATION)
    return Budget(p)


def funded_ledger(amount: int) -> Ledger:
    return Ledger("EUR").apply(Transaction("d", T0, EntryKind.DONATION, "EUR",
                                           (Posting(FUND, amount), Posting(external_account("x"), -amount))))


def test_round_funds_buckets_reaching_their_minimum() -> None:
    b = round_()
    assert b.allowance == 3333  # 10000 // 3; the remaining 1 stays in the fund
    b = b.propose(Bucket("tools", "Tools", V[0], 3000, 4000), at(1))
    b = b.propose(Bucket("party", "Party", V[1], 5000, 8000), at(1))
    b = b.allocate(V[0], "tools", 2000, at(2)).allocate(V[1], "tools", 3000, at(2))
    b = b.allocate(V[2], "party", 3333, at(2)).allocate(V[0], "party", 1000, at(3))
    assert b.totals() == {"tools": 5000, "party": 4333}
    close = b.proposal.rule.closes_at
    result = b.settle(close, funded_ledger(10000))
    assert result.funded == (("tools", 4000),) and result.unfunded == ("party",)
    ledger = funded_ledger(10000)
    for tx in result.transactions:
        ledger = ledger.apply(tx)
    # The commitment account names the bucket itself (a node's bucket ids are URLs).
    assert ledger.fund == 6000 and ledger.balance("commitment:tools") == 4000
    assert [tx.id for tx in result.transactions] == ["b1#tools"]
    assert result.transactions[0].reference == "tools" and result.transactions[0].memo == "Tools"
    assert result.total == 4000


def test_withdrawing_an_allocation_frees_the_allowance() -> None:
    b = round_().propose(Bucket("t", "T", V[0], 10, 20), at(1))
    b = b.allocate(V[0], "t", 3333, at(2)).allocate(V[0], "t", 0, at(3))
    assert b.allocated_by(V[0]) == 0 and b.allocations == {}
    assert b.allocate(V[0], "t", 3333, at(4)).allocated_by(V[0]) == 3333


@pytest.mark.parametrize(
    ("action", "code", "status"),
    [
        (lambda b: b.allocate(V[0], "t", 3334, at(2)), "over_allocation", 422),
        (lambda b: b.allocate(V[0], "t", 2000, at(2)).allocate(V[0], "u", 1334, at(2)),
         "over_allocation", 422),
        (lambda b: b.allocate("https://outsider.example", "t", 1, at(2)), "not_in_electorate", 403),
        (lambda b: b.allocate(V[0], "zzz", 1, at(2)), "unknown_bucket", 422),
        (lambda b: b.allocate(V[0], "t", -1, at(2)), "invalid_amount", 422),
        (lambda b: b.allocate(V[0], "t", 1, T0 + timedelta(days=8)), "proposal_closed", 409),
        (lambda b: b.propose(Bucket("t", "Other", V[1], 1, 2), at(2)), "bucket_id_conflict", 409),
        (lambda b: b.settle(at(5), Ledger("EUR")), "proposal_open", 409),
        (lambda b: Bucket("x", "X", V[0], 5, 4), "invalid_bucket", 422),
        (lambda b: Bucket("x#y", "X", V[0], 1, 4), "invalid_bucket", 422),
        (lambda b: Budget(open_proposal(id="d", author=V[0], title="d", motion=Decision("x"),
                                        bylaws=bylaws(), electorate=b.proposal.electorate,
                                        opens_at=T0)), "wrong_proposal", 422),
    ],
)
def test_budget_rejections(action, code: str, status: int) -> None:  # type: ignore[no-untyped-def]
    b = round_().propose(Bucket("t", "T", V[0], 10, 20), at(1)).propose(
        Bucket("u", "U", V[1], 10, 20), at(1))
    assert b.propose(Bucket("t", "T", V[0], 10, 20), at(1)) is b
    with pytest.raises(GovernanceError) as info:
        action(b)
    assert (info.value.code, info.value.status_hint) == (code, status)


@settings(max_examples=150, deadline=None)
@given(
    st.integers(1, 100000),
    st.integers(1, 6),
    st.lists(st.tuples(st.integers(0, 5), st.sampled_from("xyz"), st.integers(0, 40000)),
             max_size=40),
)
def test_every_allocation_is_within_the_same_allowance(pot, n, moves) -> None:  # type: ignore[no-untyped-def]
    b = round_(pot, n)
    everyone = people(n)
    for bucket in "xyz":
        b = b.propose(Bucket(bucket, bucket, everyone[0], 1, 50000), at(1))
    for who, bucket, amount in moves:
        try:
            b = b.allocate(everyone[who % n], bucket, amount, at(2))
        except GovernanceError as exc:
            assert exc.code == "over_allocation"
    assert b.allowance * n <= pot < (b.allowance + 1) * n
    spent = [b.allocated_by(p) for p in everyone]
    assert all(s <= b.allowance for s in spent)
    result = b.settle(b.proposal.rule.closes_at, funded_ledger(pot))
    assert result.total <= sum(spent) <= pot
    ledger = funded_ledger(pot)
    for tx in result.transactions:
        ledger = ledger.apply(tx)
    assert ledger.fund == pot - result.total

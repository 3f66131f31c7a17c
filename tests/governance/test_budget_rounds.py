"""Budget rounds: the round's rules frozen from the bylaws, whole allocations ordered by signed
data, a recount from the signed inputs, and commitments of funded buckets."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from governance import (
    Allocation,
    BallotType,
    Bucket,
    BucketProposers,
    Budget,
    BudgetRound,
    Bylaws,
    GovernanceError,
    Proposal,
    Roster,
    RoundRules,
    counted_allocation,
    open_proposal,
    render_bylaws,
)
from governance.ledger import FUND, EntryKind, Ledger, Posting, Transaction, external_account
from tests.governance.builders import T0, at, bylaws, people

V = people(3)


def round_(pot: int = 9000, n: int = 3, **rules: object) -> Budget:
    proposal = open_proposal(id="r1", author=people(n)[0], title="Spring",
                             motion=BudgetRound(pot, "EUR", "Tools and fun"), bylaws=bylaws(**rules),
                             electorate=Roster.found(people(n), T0).electorate(), opens_at=T0,
                             ballot_type=BallotType.ALLOCATION)
    return Budget(proposal)


def with_buckets(b: Budget) -> Budget:
    b = b.propose(Bucket("tools", "Tools", V[0], 2000, 4000, "A shared drill"), at(1))
    return b.propose(Bucket("party", "Party", V[1], 5000, 6000), at(1))


def alloc(person: str, *amounts: tuple[str, int], minute: int = 2, seq: int = 0,
          id: str | None = None) -> Allocation:
    return Allocation(id or f"{person}/a{seq}-{minute}", "r1", person, at(minute), amounts, seq)


def test_bylaws_round_settings_default_and_round_trip() -> None:
    plain = bylaws()
    assert "bucket_proposers" not in plain.to_dict()  # defaults keep old documents' bytes
    assert (plain.bucket_proposers, plain.bucket_window, plain.max_buckets_per_member,
            plain.allocations_visible) == (BucketProposers.MEMBERS, timedelta(0), 3, True)
    custom = bylaws(bucket_proposers=BucketProposers.STEWARDS, bucket_window=timedelta(days=2),
                    max_buckets_per_member=1, allocations_visible=False)
    data = custom.to_dict()
    assert data["bucket_proposers"] == "stewards" and data["bucket_window_seconds"] == 172800
    assert data["max_buckets_per_member"] == 1 and data["allocations_visible"] is False
    assert Bylaws.from_dict(data) == custom


@pytest.mark.parametrize("change", [
    {"max_buckets_per_member": 0}, {"max_buckets_per_member": 51}, {"max_buckets_per_member": True},
    {"bucket_window": timedelta(seconds=-1)}, {"bucket_window": timedelta(milliseconds=5)},
    {"bucket_proposers": "everyone"}, {"allocations_visible": "yes"},
])
def test_bad_round_settings_are_refused(change: dict[str, object]) -> None:
    with pytest.raises(GovernanceError) as info:
        bylaws(**change)
    assert info.value.code == "invalid_bylaws"


def test_rendered_bylaws_state_the_round_rules() -> None:
    text = render_bylaws(bylaws(bucket_proposers=BucketProposers.STEWARDS,
                                bucket_window=timedelta(days=2), max_buckets_per_member=1,
                                allocations_visible=False))
    assert "## 11. Budget rounds" in text and "same allowance" in text and "cannot be amended" in text
    assert "A steward may propose buckets" in text and "first 2 days" in text
    assert "at most 1 bucket each" in text and "not who allocated what" in text
    assert "Any member may propose buckets (a use of money with a minimum and a maximum) until" \
        in render_bylaws(bylaws())


def test_rules_are_frozen_when_the_round_opens() -> None:
    b = round_(bucket_window=timedelta(days=2), max_buckets_per_member=1, allocations_visible=False)
    rules = b.rules
    assert rules == RoundRules(T0 + timedelta(days=2), 1, BucketProposers.MEMBERS, False)
    assert Proposal.from_dict(b.proposal.to_dict()) == b.proposal
    assert b.proposal.to_dict()["motion"]["rules"]["buckets_close_at"] == "2025-03-03T12:00:00Z"
    # A window longer than the round ends with the round.
    assert round_(bucket_window=timedelta(days=30)).rules.buckets_close_at == b.proposal.rule.closes_at


def test_bucket_window_member_limit_and_steward_rule() -> None:
    b = round_(bucket_window=timedelta(hours=1), max_buckets_per_member=1)
    b = b.propose(Bucket("x", "X", V[0], 1, 2), at(59))
    for action, code in [
        (lambda: b.propose(Bucket("y", "Y", V[0], 1, 2), at(30)), "too_many_buckets"),
        (lambda: b.propose(Bucket("z", "Z", V[1], 1, 2), at(60)), "buckets_closed"),
        (lambda: round_(bucket_proposers=BucketProposers.STEWARDS).propose(
            Bucket("s", "S", V[1], 1, 2), at(1)), "not_permitted"),
    ]:
        with pytest.raises(GovernanceError) as info:
            action()
        assert info.value.code == code
    stewards = round_(bucket_proposers=BucketProposers.STEWARDS)
    assert "s" in stewards.propose(Bucket("s", "S", V[1], 1, 2), at(1), steward=True).buckets


@pytest.mark.parametrize(("make", "code"), [
    (lambda: Bucket("t", "", V[0], 1, 2), "invalid_bucket"),
    (lambda: Bucket("t", "x" * 201, V[0], 1, 2), "invalid_bucket"),
    (lambda: Bucket("t", "T", V[0], 1, 2, "d" * 5001), "invalid_bucket"),
    (lambda: Bucket("t", "T", V[0], 1, 2**53), "invalid_bucket"),
    (lambda: Bucket("t", "T", V[0], 0, 2), "invalid_bucket"),
    (lambda: alloc(V[0], ("tools", -1)), "invalid_amount"),
    (lambda: alloc(V[0], ("tools", 1.5)), "invalid_amount"),  # type: ignore[arg-type]
    (lambda: alloc(V[0], ("tools", True)), "invalid_amount"),  # type: ignore[arg-type]
    (lambda: alloc(V[0], ("tools", 1), ("tools", 2)), "invalid_allocation"),
    (lambda: alloc(V[0], *[(f"b{n}", 1) for n in range(101)]), "invalid_allocation"),
    (lambda: BudgetRound(2**53, "EUR"), "amount_too_large"),
])
def test_malformed_inputs_are_refused(make, code: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(GovernanceError) as info:
        make()
    assert info.value.code == code


@pytest.mark.parametrize(("allocation", "code"), [
    (alloc(V[0], ("tools", 3001)), "over_allocation"),  # allowance 9000 // 3
    (alloc(V[0], ("tools", 2000), ("party", 1001)), "over_allocation"),
    (alloc(V[0], ("nope", 1)), "unknown_bucket"),
    (alloc("https://outsider.example/u", ("tools", 1)), "not_in_electorate"),
    (alloc(V[0], ("tools", 1), minute=7 * 24 * 60), "proposal_closed"),
    (replace(alloc(V[0], ("tools", 1)), round_id="r2"), "wrong_proposal"),
])
def test_allocations_that_cannot_count(allocation: Allocation, code: str) -> None:
    with pytest.raises(GovernanceError) as info:
        with_buckets(round_()).apply(allocation)
    assert info.value.code == code


def test_a_later_allocation_replaces_the_whole_earlier_one_by_signed_order() -> None:
    b = with_buckets(round_())
    first = alloc(V[0], ("tools", 3000), seq=1, minute=5)
    second = alloc(V[0], ("party", 1000), seq=2, minute=3)  # an earlier clock, a later sequence
    assert b.apply(first).apply(second).totals() == {"tools": 0, "party": 1000}
    assert b.apply(second).apply(first).totals() == {"tools": 0, "party": 1000}  # arrival order: none
    assert b.apply(second).apply(first).counted[V[0]] == second
    assert counted_allocation([first, second]) == second
    withdrawn = b.apply(first).apply(alloc(V[0], seq=3))
    assert withdrawn.allocated_by(V[0]) == 0 and withdrawn.result().participation == 0


def test_close_funds_what_reached_its_minimum_capped_at_its_maximum() -> None:
    b = with_buckets(round_())
    for person, amounts in [(V[0], [("tools", 3000)]), (V[1], [("tools", 2000), ("party", 1000)]),
                            (V[2], [("party", 3000)])]:
        b = b.apply(alloc(person, *amounts, seq=1))
    result = b.result()
    assert result.totals == (("tools", 5000), ("party", 4000))
    assert result.funded == (("tools", 4000),) and result.unfunded == ("party",)
    assert result.participation == 3
    ledger = Ledger("EUR").apply(Transaction("d", T0, EntryKind.DONATION, "EUR",
                                             (Posting(FUND, 9000), Posting(external_account("x"), -9000))))
    closes = b.proposal.rule.closes_at
    with pytest.raises(GovernanceError) as early:
        b.commit("e1", closes - timedelta(seconds=1), ledger, "tools")
    assert early.value.code == "proposal_open"
    with pytest.raises(GovernanceError) as unfunded:
        b.commit("e1", closes, ledger, "party")
    assert unfunded.value.code == "not_funded"
    entry = b.commit("e1", closes, ledger, "tools")
    ledger = ledger.apply(entry)
    assert ledger.balance("commitment:tools") == 4000 and ledger.fund == 5000
    assert entry.reference == "tools" and entry.memo == "Tools"
    assert ledger.apply(entry) is ledger  # the same entry again books nothing
    with pytest.raises(GovernanceError) as twice:
        b.commit("e2", closes, ledger, "tools")
    assert twice.value.code == "exceeds_approved"


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 2), st.integers(0, 3500), st.integers(0, 3500),
                          st.integers(0, 4), st.integers(1, 50)), max_size=12),
       st.randoms(use_true_random=False))
def test_recount_from_the_signed_inputs_ignores_arrival_order(moves, rnd) -> None:  # type: ignore[no-untyped-def]
    b = with_buckets(round_())
    accepted: list[Allocation] = []
    for n, (who, tools, party, seq, minute) in enumerate(moves):
        allocation = alloc(V[who], ("tools", tools), ("party", party), seq=seq, minute=minute,
                           id=f"{V[who]}/{n}")
        try:
            b = b.apply(allocation)
        except GovernanceError as exc:
            assert exc.code == "over_allocation"
            continue
        accepted.append(allocation)
    rnd.shuffle(accepted)
    buckets = [(bucket, at(1)) for bucket in b.buckets.values()]
    again = Budget.recount(b.proposal, buckets, accepted)
    assert again.result() == b.result() and again.totals() == b.totals()
    for person in V:
        mine = [a for a in accepted if a.person == person]
        assert again.counted.get(person) == counted_allocation(mine)
        assert again.allocated_by(person) <= again.allowance
    assert again.result().total <= sum(dict(again.result().totals).values()) <= b.pot


def test_allocation_round_trip() -> None:
    a = alloc(V[0], ("tools", 5), ("party", 0), seq=4)
    assert Allocation.from_dict(a.to_dict()) == a
    bucket = Bucket("x", "X", V[0], 1, 2, "why")
    assert Bucket.from_dict(bucket.to_dict()) == bucket

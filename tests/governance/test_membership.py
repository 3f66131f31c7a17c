from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from governance import (
    Admission,
    AdmissionPolicy,
    Ballot,
    BallotType,
    Expulsion,
    GovernanceError,
    MemberState,
    Outcome,
    Role,
    Roster,
    TallyState,
    Threshold,
    open_proposal,
    tally,
)
from tests.governance.builders import DECISION, T0, at, ballot, bylaws, people

A, B, C, D = people(4)
OPEN = bylaws(admission=AdmissionPolicy.OPEN, min_share=0)
STEWARD = bylaws(admission=AdmissionPolicy.STEWARD)
VOTE = bylaws(admission=AdmissionPolicy.VOTE, min_share=0)


def founded() -> Roster:
    return Roster.found([A], T0)


def test_found_apply_pay_admit_leave() -> None:
    r = founded()
    assert r.get(A) is not None and r.get(A).has(Role.STEWARD)  # type: ignore[union-attr]
    r = r.apply(B, at(1))
    assert r.state_of(B) is MemberState.APPLICANT and not r.is_member(B)
    r = r.record_share(B, 2500, by=A)
    r = r.admit(B, at(2), STEWARD, by=A)
    assert r.is_member(B) and r.get(B).share_paid == 2500  # type: ignore[union-attr]
    assert r.electorate().members == {A, B}
    r = r.leave(B, at(3))
    assert r.state_of(B) is MemberState.LEFT and r.members() == (A,)
    r = r.apply(B, at(4))
    assert r.state_of(B) is MemberState.APPLICANT


def test_a_steward_turns_an_applicant_down_and_they_may_apply_again() -> None:
    for policy in (STEWARD, OPEN):
        r = founded().apply(B, at(1)).reject(B, at(2), policy, by=A)
        assert r.state_of(B) is MemberState.LEFT and not r.is_member(B)
        assert r.apply(B, at(3)).state_of(B) is MemberState.APPLICANT


def test_open_policy_admits_without_steward() -> None:
    r = founded().apply(B, at(1)).admit(B, at(1), OPEN)
    assert r.is_member(B)


@pytest.mark.parametrize(
    ("action", "code", "status"),
    [
        (lambda r: r.apply(A, at(1)), "already_member", 409),
        (lambda r: r.apply(B, at(1)).apply(B, at(2)), "already_applied", 409),
        (lambda r: r.apply("", at(1)), "invalid_person", 422),
        (lambda r: r.apply(B, at(1)).admit(B, at(2), STEWARD, by=A), "share_unpaid", 422),
        (lambda r: r.apply(B, at(1)).admit(B, at(2), STEWARD, by=C), "not_permitted", 403),
        (lambda r: r.apply(B, at(1)).admit(B, at(2), STEWARD), "not_permitted", 403),
        (lambda r: r.apply(B, at(1)).admit(B, at(2), VOTE, by=A), "admission_needs_vote", 403),
        (lambda r: r.admit(B, at(2), OPEN), "not_an_applicant", 422),
        (lambda r: r.admit(A, at(2), OPEN), "already_member", 409),
        (lambda r: r.apply(B, at(1)).reject(B, at(2), VOTE, by=A), "admission_needs_vote", 403),
        (lambda r: r.apply(B, at(1)).reject(B, at(2), STEWARD, by=C), "not_permitted", 403),
        (lambda r: r.apply(B, at(1)).apply(C, at(1)).reject(B, at(2), OPEN, by=C), "not_permitted", 403),
        (lambda r: r.reject(A, at(2), STEWARD, by=A), "not_an_applicant", 422),
        (lambda r: r.reject(B, at(2), STEWARD, by=A), "not_an_applicant", 422),
        (lambda r: r.apply(B, at(1)).record_share(B, 10, by=B), "not_permitted", 403),
        (lambda r: r.apply(B, at(1)).record_share(B, 0, by=A), "invalid_amount", 422),
        (lambda r: r.record_share(B, 10, by=A), "not_a_member", 422),
        (lambda r: r.leave(B, at(1)), "not_a_member", 422),
        (lambda r: r.grant(B, Role.STEWARD), "not_a_member", 422),
        (lambda r: r.revoke(A, Role.MEMBER), "invalid_role", 422),
        (lambda r: Roster.found([], T0), "no_founders", 422),
    ],
)
def test_illegal_transitions(action, code: str, status: int) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(GovernanceError) as info:
        action(founded())
    assert (info.value.code, info.value.status_hint) == (code, status)


def _vote(roster: Roster, motion, answers: dict[str, str]):  # type: ignore[no-untyped-def]
    p = open_proposal(id="p1", author=A, title="t", motion=motion, bylaws=VOTE,
                      electorate=roster.electorate(), opens_at=T0)
    return p, tally(p.rule, p.electorate, [ballot(v, a) for v, a in answers.items()])


def test_admission_and_expulsion_by_vote() -> None:
    r = founded().grant(A, Role.TREASURER).apply(B, at(1))
    p, t = _vote(r, Admission(B), {A: "agree"})
    assert t.outcome is Outcome.PASSED
    r = r.admit_by_vote(p, t, at(2), VOTE)
    assert r.is_member(B)
    p2, t2 = _vote(r, Expulsion(B), {A: "agree", B: "disagree"})
    assert t2.outcome is Outcome.REJECTED
    with pytest.raises(GovernanceError) as info:
        r.expel(p2, t2, at(3))
    assert info.value.code == "not_passed"
    p3, t3 = _vote(r, Expulsion(B), {A: "agree"})
    r2 = r.expel(p3, t3, at(3))
    assert r2.state_of(B) is MemberState.EXPELLED and r2.electorate().members == {A}
    with pytest.raises(GovernanceError) as info:
        r.expel(p, t, at(3))
    assert info.value.code == "wrong_proposal"
    _, other = _vote(r, DECISION, {A: "agree"})
    with pytest.raises(GovernanceError) as info:
        r.expel(p3, tally(p.rule, p.electorate, []), at(3))
    assert info.value.code == "wrong_proposal"
    assert other.outcome is Outcome.NO_QUORUM or other.outcome is Outcome.PASSED


def test_roles_grant_duties_and_can_be_revoked() -> None:
    r = founded().apply(B, at(1)).admit(B, at(1), OPEN).grant(B, Role.TREASURER)
    assert r.get(B).has(Role.TREASURER)  # type: ignore[union-attr]
    r = r.revoke(B, Role.TREASURER)
    assert not r.get(B).has(Role.TREASURER)  # type: ignore[union-attr]
    left = r.leave(B, at(2))
    assert left.get(B).roles == frozenset()  # type: ignore[union-attr]


# One person, one vote (the founder, person 0, stays so the pool never empties): whatever the bylaws, roles and membership history, nobody carries
# more than one ballot into a tally.
ACTIONS = st.lists(
    st.tuples(st.sampled_from(["apply", "admit", "leave", "grant_s", "grant_t"]),
              st.integers(1, 5)),
    max_size=25,
)


@settings(max_examples=150, deadline=None)
@given(
    ACTIONS,
    st.sampled_from([Threshold.more_than(Fraction(1, 2)), Threshold.unanimity()]),
    st.sampled_from([Fraction(0), Fraction(1, 3)]),
    st.booleans(),
    st.lists(st.sampled_from(["agree", "abstain", "disagree", "block"]), min_size=1, max_size=5),
    st.sampled_from(list(BallotType)[:4]),
)
def test_no_one_has_more_than_one_ballot(
    actions, threshold, quorum, veto, answers, kind  # type: ignore[no-untyped-def]
) -> None:
    everyone = people(6)
    law = bylaws(admission=AdmissionPolicy.OPEN, min_share=0, threshold=threshold,
                 amendment_threshold=Threshold.unanimity(), quorum=quorum, block_vetoes=veto)
    roster = Roster.found([everyone[0]], T0)
    for action, i in actions:
        person = everyone[i]
        try:
            if action == "apply":
                roster = roster.apply(person, at(1))
            elif action == "admit":
                roster = roster.admit(person, at(1), law)
            elif action == "leave":
                roster = roster.leave(person, at(1))
            elif action == "grant_s":
                roster = roster.grant(person, Role.STEWARD)
            elif action == "grant_t":
                roster = roster.grant(person, Role.TREASURER)
        except GovernanceError:
            pass
    options = ("a", "b", "c") if kind is not BallotType.CONSENT else ()
    members = roster.members()
    p = open_proposal(id="p1", author=members[0], title="t", motion=DECISION, bylaws=law,
                      electorate=roster.electorate(), opens_at=T0, ballot_type=kind,
                      options=options)
    state = TallyState(p.rule, p.electorate)
    ballots = []
    for voter in everyone:
        for n, answer in enumerate(answers):
            choice = (answer,) if kind is BallotType.CONSENT else options[: n % 3 + 1]
            if kind is BallotType.SINGLE:
                choice = choice[-1:]
            b = Ballot(f"{voter}/{n}", "p1", voter, at(n), choice)
            try:
                state.add(b)
                ballots.append(b)
            except GovernanceError as exc:
                assert exc.code == "not_in_electorate" and voter not in members
    result = tally(p.rule, p.electorate, ballots)
    assert result == state.result()
    assert result.participation == len(members) == result.electorate_size
    if kind is BallotType.APPROVAL:
        assert all(n <= result.participation for _, n in result.counts)
    else:
        assert sum(n for _, n in result.counts) + (
            0 if kind is BallotType.CONSENT else result.abstentions
        ) == result.participation


def test_roles_by_proposal_grant_and_revoke_and_never_add_a_vote() -> None:
    from governance import RoleChange
    from governance.proposals import motion_from_dict

    r = founded().revoke(A, Role.TREASURER)  # founders hold every role; start without this one
    assert Role.TREASURER not in r.entries[A].roles
    motion = RoleChange(A, "treasurer", True)
    assert motion_from_dict(motion.to_dict()) == motion
    p, t = _vote(r, motion, {A: "agree"})
    r2 = r.change_role(p, t)
    assert Role.TREASURER in r2.entries[A].roles
    assert r2.electorate() == r.electorate()  # a duty, not a vote
    p2, t2 = _vote(r2, RoleChange(A, "treasurer", False), {A: "agree"})
    assert Role.TREASURER not in r2.change_role(p2, t2).entries[A].roles
    p3, t3 = _vote(r, RoleChange(A, "steward", True), {A: "disagree"})
    with pytest.raises(GovernanceError) as info:
        r.change_role(p3, t3)
    assert info.value.code == "not_passed"
    with pytest.raises(GovernanceError) as info:
        RoleChange(A, "member", False)
    assert info.value.code == "invalid_role"
    with pytest.raises(GovernanceError) as info:
        _vote(r, RoleChange(D, "steward", True), {})
    assert info.value.code == "not_a_member"

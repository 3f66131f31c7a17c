import pytest

from governance import Ballot, BallotType, GovernanceError, check_ballot
from governance.ballots import check_choice
from tests.governance.builders import at, ballot, electorate, people, rule

V = people(3)


def test_ballot_round_trip() -> None:
    b = ballot(V[0], "agree")
    data = b.to_dict()
    assert data == {
        "id": f"{V[0]}#1",
        "proposal": "p1",
        "voter": V[0],
        "cast_at": "2025-03-01T12:01:00Z",
        "choice": ["agree"],
    }
    assert Ballot.from_dict(data) == b
    assert Ballot.consent("b", "p1", V[0], at(1), "block").choice == ("block",)


@pytest.mark.parametrize(
    ("b", "code", "status"),
    [
        (ballot("https://outsider.example", "agree"), "not_in_electorate", 403),
        (ballot(V[0], "agree", proposal="p2"), "wrong_proposal", 422),
        (ballot(V[0], "agree", minute=24 * 60), "proposal_closed", 409),
        (ballot(V[0], "agree", minute=-1), "proposal_not_open", 409),
        (ballot(V[0], "yes"), "invalid_choice", 422),
        (ballot(V[0]), "invalid_choice", 422),
        (ballot(V[0], "agree", "block"), "invalid_choice", 422),
    ],
)
def test_consent_rejections(b: Ballot, code: str, status: int) -> None:
    with pytest.raises(GovernanceError) as info:
        check_ballot(rule(), electorate(3), b)
    assert (info.value.code, info.value.status_hint) == (code, status)


@pytest.mark.parametrize(
    ("kind", "choice", "ok"),
    [
        (BallotType.SINGLE, ("a",), True),
        (BallotType.SINGLE, (), True),
        (BallotType.SINGLE, ("a", "b"), False),
        (BallotType.SINGLE, ("z",), False),
        (BallotType.APPROVAL, ("a", "c"), True),
        (BallotType.APPROVAL, ("a", "a"), False),
        (BallotType.RANKED, ("c", "a", "b"), True),
        (BallotType.RANKED, ("c", "c"), False),
        (BallotType.RANKED, ("d",), False),
    ],
)
def test_choice_shapes(kind: BallotType, choice: tuple[str, ...], ok: bool) -> None:
    r = rule(kind, ("a", "b", "c"))
    if ok:
        check_choice(r, choice)
    else:
        with pytest.raises(GovernanceError) as info:
            check_choice(r, choice)
        assert info.value.code == "invalid_choice"


def test_ballots_need_ids_voters_and_aware_times() -> None:
    from datetime import datetime

    for args, code in [
        (("", "p1", V[0], at(1), ("agree",)), "invalid_ballot"),
        (("b", "p1", "", at(1), ("agree",)), "invalid_ballot"),
        (("b", "p1", V[0], datetime(2025, 3, 1), ("agree",)), "naive_datetime"),
        (("b", "p1", V[0], at(1), (1,)), "invalid_choice"),
    ]:
        with pytest.raises(GovernanceError) as info:
            Ballot(*args)  # type: ignore[arg-type]
        assert info.value.code == code

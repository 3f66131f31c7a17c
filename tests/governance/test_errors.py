from governance.errors import Conflict, GovernanceError, NotPermitted, RuleViolation


def test_error_carries_code_reason_and_status() -> None:
    err = RuleViolation("overdraft", "the fund cannot go negative")
    assert isinstance(err, GovernanceError)
    assert (err.code, err.reason, err.status_hint) == ("overdraft", "the fund cannot go negative", 422)
    assert NotPermitted("x", "y").status_hint == 403
    assert Conflict("x", "y").status_hint == 409
    assert GovernanceError("x", "y", status_hint=400).status_hint == 400
    assert str(err) == "overdraft: the fund cannot go negative"

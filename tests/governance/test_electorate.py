import hashlib

import pytest

from governance import Electorate, RuleViolation, electorate_digest


def test_digest_is_sha256_of_sorted_ids_joined_by_lf() -> None:
    e = Electorate.of(["https://b.example/u/2", "https://a.example/u/1", "https://a.example/u/1"])
    assert e.size == 2
    expected = hashlib.sha256(b"https://a.example/u/1\nhttps://b.example/u/2").hexdigest()
    assert e.digest == expected == electorate_digest(["https://b.example/u/2", "https://a.example/u/1"])
    assert Electorate.of([]).digest == hashlib.sha256(b"").hexdigest()
    # Each id once, as the Electorate (a set) does: a repeated member changes nothing.
    assert electorate_digest(["https://a.example/u/1", "https://b.example/u/2", "https://a.example/u/1"]) == expected


def test_round_trip_and_digest_check() -> None:
    e = Electorate.of(["x", "y"])
    assert Electorate.from_dict(e.to_dict()) == e
    with pytest.raises(RuleViolation) as info:
        Electorate.from_dict({"members": ["x"], "digest": e.digest})
    assert info.value.code == "digest_mismatch"


def test_ids_with_newlines_are_refused() -> None:
    with pytest.raises(RuleViolation) as info:
        Electorate.of(["a\nb"])
    assert info.value.code == "invalid_person"

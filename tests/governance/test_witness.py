"""A witness accepts a ledger head only as a consistent extension of the head it attested:
growth is attested, any rewrite, cut or broken link below it is a fork, and what cannot be
judged (an entry not served) is a problem, never an attestation."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from governance.ledger import GENESIS, Ledger, LedgerEntry, donation
from governance.witness import Extension, Fork, ForkKind, Head, Problem, check_extension
from tests.governance.builders import T0, at, people

(A,) = people(1)


def _ledger(amounts: list[int], *, start: int = 0) -> Ledger:
    from governance import Roster

    roster = Roster.found([A], T0)
    ledger = Ledger("EUR")
    for n, amount in enumerate(amounts, start=start + 1):
        ledger = ledger.apply(donation(f"e{n}", at(n), ledger, A, amount, by=A, roster=roster))
    return ledger


def _by_sequence(ledger: Ledger, first: int = 1, last: int | None = None) -> dict[int, LedgerEntry]:
    last = len(ledger.entries) if last is None else last
    return {n: ledger.entries[n - 1] for n in range(first, last + 1)}


def _head(ledger: Ledger, sequence: int | None = None) -> Head:
    sequence = len(ledger.entries) if sequence is None else sequence
    return Head(sequence, ledger.entries[sequence - 1].hash if sequence else GENESIS)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(1, 10**6), min_size=1, max_size=12), st.data())
def test_an_honest_growing_ledger_is_always_an_extension(amounts: list[int], data: st.DataObject) -> None:
    ledger = _ledger(amounts)
    n = len(amounts)
    attested_at = data.draw(st.integers(0, n))
    attested = _head(ledger, attested_at)
    verdict = check_extension(attested, _head(ledger), _by_sequence(ledger, max(attested_at, 1)), n)
    assert verdict == Extension(_head(ledger))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(1, 10**6), min_size=2, max_size=12), st.data())
def test_any_rewritten_entry_at_or_below_the_attested_head_is_a_fork(amounts: list[int],
                                                                     data: st.DataObject) -> None:
    honest = _ledger(amounts)
    n = len(amounts)
    attested_at = data.draw(st.integers(1, n))
    edited = data.draw(st.integers(1, attested_at))
    # The operator edits one amount and recomputes (and would re-sign) the whole chain.
    changed = list(amounts)
    changed[edited - 1] += 1
    rewritten = _ledger(changed)
    verdict = check_extension(_head(honest, attested_at), _head(rewritten),
                              _by_sequence(rewritten, attested_at), n)
    assert isinstance(verdict, Fork)
    assert (verdict.kind, verdict.sequence) == (ForkKind.REWRITTEN, attested_at)


def test_a_ledger_cut_below_the_attested_head_is_truncated() -> None:
    ledger = _ledger([10, 20, 30])
    verdict = check_extension(_head(ledger, 3), _head(ledger, 2), {}, 2)
    assert isinstance(verdict, Fork) and (verdict.kind, verdict.sequence) == (ForkKind.TRUNCATED, 3)
    assert "ends at entry 2" in verdict.reason


def test_an_entry_that_does_not_follow_the_attested_one_is_broken() -> None:
    ledger = _ledger([10, 20, 30])
    entries = _by_sequence(ledger, 1)
    # Entry 2 re-chained onto another entry 1: it no longer follows the attested entry 1.
    other = _ledger([11, 20])
    entries[2] = other.entries[1]
    verdict = check_extension(_head(ledger, 1), _head(ledger), entries, 3)
    assert isinstance(verdict, Fork) and (verdict.kind, verdict.sequence) == (ForkKind.BROKEN, 2)


def test_an_entry_whose_hash_is_not_its_contents_is_broken() -> None:
    ledger = _ledger([10, 20, 30])
    entries = _by_sequence(ledger, 1)
    altered = replace(entries[3].transaction, memo="edited")
    entries[3] = LedgerEntry(altered, entries[3].prev_hash, entries[3].hash)
    verdict = check_extension(_head(ledger, 1), _head(ledger), entries, 3)
    assert isinstance(verdict, Fork) and (verdict.kind, verdict.sequence) == (ForkKind.BROKEN, 3)


def test_a_stretch_is_attested_up_to_where_it_was_checked() -> None:
    ledger = _ledger([1, 2, 3, 4, 5, 6])
    verdict = check_extension(_head(ledger, 2), _head(ledger), _by_sequence(ledger, 2, 4), 4)
    assert verdict == Extension(_head(ledger, 4))


def test_what_cannot_be_judged_is_a_problem_never_an_attestation() -> None:
    ledger = _ledger([1, 2, 3])
    missing = _by_sequence(ledger, 1)
    del missing[2]
    assert isinstance(check_extension(_head(ledger, 1), _head(ledger), missing, 3), Problem)
    # A head hash that is not the hash of the last entry served.
    wrong = Head(3, "f" * 64)
    assert isinstance(check_extension(_head(ledger, 1), wrong, _by_sequence(ledger, 1), 3), Problem)
    assert isinstance(check_extension(_head(ledger, 1), _head(ledger), _by_sequence(ledger), 5), Problem)


def test_a_first_check_judges_the_head_entry_alone() -> None:
    ledger = _ledger([1, 2, 3])
    assert check_extension(None, _head(ledger), {3: ledger.entries[2]}, 3) == Extension(_head(ledger))
    assert check_extension(None, Head(0, GENESIS), {}, 0) == Extension(Head(0, GENESIS))
    assert isinstance(check_extension(None, Head(0, "a" * 64), {}, 0), Problem)
    assert isinstance(check_extension(None, _head(ledger), {}, 3), Problem)
    entry = ledger.entries[2]
    altered = LedgerEntry(replace(entry.transaction, memo="x"), entry.prev_hash, entry.hash)
    assert isinstance(check_extension(None, _head(ledger), {3: altered}, 3), Problem)


def test_an_attested_empty_ledger_is_extended_from_the_genesis() -> None:
    ledger = _ledger([5, 6])
    verdict = check_extension(Head(0, GENESIS), _head(ledger), _by_sequence(ledger), 2)
    assert verdict == Extension(_head(ledger))


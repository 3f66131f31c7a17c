"""Witnessing another pool's ledger: is the head it shows now a consistent extension of the head
a witness attested before?

A pool's ledger is a hash chain (``governance.ledger_entries``): entry ``k`` carries the hash of
entry ``k - 1`` and its own hash covers that link and its contents, so the head ``(sequence,
hash)`` pins every entry before it. A witness that attested ``(s0, h0)`` and now reads the head
``(n, hn)`` with the entries ``s0 .. m`` (``m <= n``) accepts the new head ``(m, h_m)`` only when
entry ``s0`` still has the hash ``h0`` and every later entry follows the one before it; anything
else shows the pool rewrote, forked or cut its history (a :class:`Fork`). What cannot be judged
(an entry not served, a head that does not match its entry) is a :class:`Problem`: the witness
tries again later and attests nothing meanwhile.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from governance.ledger_entries import GENESIS, LedgerEntry, verify_chain

__all__ = ["Extension", "Fork", "ForkKind", "Head", "Problem", "check_extension"]


@dataclass(frozen=True, slots=True)
class Head:
    """A ledger's head: how many entries it holds and the hash of the last (GENESIS if none)."""

    sequence: int
    hash: str


class ForkKind(StrEnum):
    """How a ledger departs from the head a witness attested."""

    REWRITTEN = "rewritten"  # the attested entry now has another hash
    TRUNCATED = "truncated"  # the ledger now ends before the attested entry
    BROKEN = "broken"  # an entry after the attested one does not follow it, or is altered


@dataclass(frozen=True, slots=True)
class Extension:
    """The ledger extends the attested head consistently up to ``head`` (safe to attest)."""

    head: Head


@dataclass(frozen=True, slots=True)
class Fork:
    """The ledger is inconsistent with the attested head, first at entry ``sequence``."""

    kind: ForkKind
    sequence: int
    reason: str


@dataclass(frozen=True, slots=True)
class Problem:
    """The check could not be made (nothing is attested; the witness tries again later)."""

    reason: str


def _short(digest: str) -> str:
    return digest[:12]


def check_extension(
    attested: Head | None, current: Head, entries: Mapping[int, LedgerEntry], upto: int
) -> Extension | Fork | Problem:
    """Judge the ledger whose head is now ``current`` against the ``attested`` head.

    ``entries`` maps sequence numbers to the entries the pool serves: ``attested.sequence`` (when
    at least 1) through ``upto``; ``upto`` is at most ``current.sequence`` (a witness catching
    up checks a bounded stretch at a time and attests ``upto``). Without an earlier attestation
    (a first check) only the head entry is judged: its hash must be the hash of its contents and
    the head's hash.
    """
    if attested is None:
        return _first(current, entries)
    if not 0 <= upto <= current.sequence:
        return Problem(f"cannot check up to entry {upto} of a ledger of {current.sequence}")
    if current.sequence < attested.sequence:
        return Fork(ForkKind.TRUNCATED, attested.sequence,
                    f"the ledger now ends at entry {current.sequence}, before entry "
                    f"{attested.sequence} that was attested")
    prev = attested.hash
    if attested.sequence >= 1:
        entry = entries.get(attested.sequence)
        if entry is None:
            return Problem(f"entry {attested.sequence} was not served")
        if entry.hash != attested.hash:
            return Fork(ForkKind.REWRITTEN, attested.sequence,
                        f"entry {attested.sequence} now has the hash {_short(entry.hash)}…, not "
                        f"the attested {_short(attested.hash)}…")
    elif attested.hash != GENESIS:
        return Problem("an attested empty ledger has the genesis hash")
    for sequence in range(attested.sequence + 1, max(upto, attested.sequence) + 1):
        entry = entries.get(sequence)
        if entry is None:
            return Problem(f"entry {sequence} was not served")
        if entry.prev_hash != prev:
            return Fork(ForkKind.BROKEN, sequence,
                        f"entry {sequence} does not follow entry {sequence - 1}")
        if verify_chain([entry], start=prev) is not None:
            return Fork(ForkKind.BROKEN, sequence,
                        f"entry {sequence}'s hash is not the hash of its contents")
        prev = entry.hash
    reached = max(upto, attested.sequence)
    if reached == current.sequence and prev != current.hash:
        return Problem(f"the ledger's head hash is not the hash of its entry {reached}")
    return Extension(Head(reached, prev))


def _first(current: Head, entries: Mapping[int, LedgerEntry]) -> Extension | Problem:
    if current.sequence < 0:
        return Problem("a ledger cannot hold fewer than no entries")
    if current.sequence == 0:
        if current.hash != GENESIS:
            return Problem("an empty ledger has the genesis hash")
        return Extension(current)
    entry = entries.get(current.sequence)
    if entry is None:
        return Problem(f"entry {current.sequence} was not served")
    if verify_chain([entry], start=entry.prev_hash) is not None:
        return Problem(f"entry {current.sequence}'s hash is not the hash of its contents")
    if entry.hash != current.hash:
        return Problem(f"the ledger's head hash is not the hash of its entry {current.sequence}")
    return Extension(current)

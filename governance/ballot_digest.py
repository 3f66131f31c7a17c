"""The digest of the ballots a running tally counted: one hash that grows with each ballot.

A running Tally does not list every ballot id (that list, and signing it, would grow with the
electorate); it carries how many ballots it counted and their digest (docs/PROTOCOL.md,
"Running tallies"): the lower-case hex SHA-256 of the ballot ids in the order the pool
accepted them (its ballots collection read oldest first), each id's UTF-8 bytes followed by
one LF (0x0A). With no ballot it is the SHA-256 of nothing. A ballot id is a URI, so it never
holds an LF and the bytes split back into the ids unambiguously.

``BallotDigest`` keeps the hash open: adding a ballot costs one hash update, reading the
digest one copy of the hash state, whatever the number of ballots before.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from governance.errors import RuleViolation

__all__ = ["BallotDigest", "ballots_digest"]

_LF = b"\n"


class BallotDigest:
    """The running digest of ballot ids added one at a time, and how many were added."""

    __slots__ = ("_hash", "count")

    def __init__(self) -> None:
        self._hash = hashlib.sha256()
        self.count = 0

    def add(self, ballot_id: str) -> None:
        """Count one more ballot (the next one the pool accepted)."""
        if not isinstance(ballot_id, str) or not ballot_id or "\n" in ballot_id:
            raise RuleViolation("invalid_ballot", "a ballot id is non-empty single-line text")
        try:
            data = ballot_id.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate has no UTF-8 bytes to hash
            raise RuleViolation("invalid_ballot", "a ballot id is text UTF-8 can encode") from None
        self._hash.update(data + _LF)
        self.count += 1

    def hexdigest(self) -> str:
        """The digest of the ballots added so far (more may be added after)."""
        return self._hash.hexdigest()


def ballots_digest(ids: Iterable[str]) -> str:
    """The digest of these ballot ids, in this order (the same as adding them one by one)."""
    digest = BallotDigest()
    for ballot_id in ids:
        digest.add(ballot_id)
    return digest.hexdigest()

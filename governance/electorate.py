"""The frozen electorate of a proposal and its recomputable digest."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from governance.codec import get_field, sha256_hex
from governance.errors import RuleViolation

__all__ = ["Electorate", "electorate_digest"]


def electorate_digest(members: Iterable[str]) -> str:
    """Hex SHA-256 of the UTF-8 bytes of the member ids, each once, sorted by code point and
    joined by a single LF (docs/SPEC.md §Electorate digest)."""
    return sha256_hex("\n".join(sorted(set(members))).encode("utf-8"))


@dataclass(frozen=True, slots=True)
class Electorate:
    """The set of persons who may vote on one proposal, fixed when it opens."""

    members: frozenset[str]
    _digest: str = field(init=False, repr=False, compare=False, default="")

    def __post_init__(self) -> None:
        if not isinstance(self.members, frozenset):
            object.__setattr__(self, "members", frozenset(self.members))
        for member in self.members:
            if not isinstance(member, str) or not member or "\n" in member:
                raise RuleViolation("invalid_person", "person ids must be non-empty single-line text")
        # Computed once: tallies report it and recomputing would sort every member each time.
        object.__setattr__(self, "_digest", electorate_digest(self.members))

    @classmethod
    def of(cls, members: Iterable[str]) -> Electorate:
        """Build an electorate from any iterable of person ids (duplicates collapse)."""
        return cls(frozenset(members))

    @property
    def size(self) -> int:
        """Number of electors."""
        return len(self.members)

    @property
    def digest(self) -> str:
        """See :func:`electorate_digest`."""
        return self._digest

    def __contains__(self, person: object) -> bool:
        return person in self.members

    def union(self, *others: Electorate) -> Electorate:
        """Everyone in any of the electorates, each person once."""
        return Electorate(self.members.union(*(other.members for other in others)))

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form (the digest is included so readers can check it)."""
        return {"members": sorted(self.members), "digest": self.digest}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Electorate:
        """Inverse of ``to_dict``; the digest must match the members."""
        members = get_field(data, "members", list)
        if not all(isinstance(m, str) for m in members):
            raise RuleViolation("invalid_document", "electorate members must be strings")
        result = cls(frozenset(members))
        if get_field(data, "digest", str) != result.digest:
            raise RuleViolation("digest_mismatch", "electorate digest does not match its members")
        return result

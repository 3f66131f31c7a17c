"""What ``poolnode verify`` found: one verdict per check, with its evidence, as lines or JSON.

The JSON form is documented in docs/OPERATIONS.md ("Checking a pool from outside") and
described by ``schemas/json/verify-report.json``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

__all__ = ["Check", "Report", "Verdict", "a", "count"]


class Verdict(StrEnum):
    """How one check came out."""

    PASS = "pass"
    FAIL = "fail"  # the signed record contradicts itself: evidence of a fault or a forgery
    SKIP = "skip"  # nothing to check yet (e.g. no attestation before a flood closes)
    ERROR = "error"  # could not be checked: a document could not be read, a bound was reached


@dataclass(frozen=True, slots=True)
class Check:
    """One verdict: ``check`` names what was checked, ``subject`` the document it is about."""

    check: str
    subject: str
    verdict: Verdict
    detail: str
    evidence: Mapping[str, Any] = field(default_factory=dict)
    scope: str = ""
    """The proposal, flood proposal or ledger being checked when this check was made."""

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (``evidence`` only when there is some)."""
        data: dict[str, Any] = {"check": self.check, "subject": self.subject,
                                "verdict": self.verdict.value, "detail": self.detail}
        if self.evidence:
            data["evidence"] = dict(self.evidence)
        if self.scope:
            data["scope"] = self.scope
        return data


@dataclass(slots=True)
class Report:
    """Every check of one run, in the order they were made."""

    target: str
    kind: str = "unknown"
    checks: list[Check] = field(default_factory=list)
    requests: int = 0
    scope: str = ""
    """What the checks recorded now are about (see :attr:`Check.scope`)."""

    def add(self, check: str, subject: str, verdict: Verdict, detail: str,
            evidence: Mapping[str, Any] | None = None) -> Check:
        """Record one verdict."""
        made = Check(check, subject, verdict, detail, dict(evidence or {}), self.scope)
        self.checks.append(made)
        return made

    def passed(self, check: str, subject: str, detail: str, **evidence: Any) -> None:
        """Record a check that holds."""
        self.add(check, subject, Verdict.PASS, detail, evidence)

    def failed(self, check: str, subject: str, detail: str, **evidence: Any) -> None:
        """Record a check that does not hold, with what shows it."""
        self.add(check, subject, Verdict.FAIL, detail, evidence)

    def skipped(self, check: str, subject: str, detail: str) -> None:
        """Record a check there is nothing to make for yet."""
        self.add(check, subject, Verdict.SKIP, detail)

    def error(self, check: str, subject: str, detail: str) -> None:
        """Record a check that could not be made."""
        self.add(check, subject, Verdict.ERROR, detail)

    def counts(self) -> dict[str, int]:
        """How many checks came out each way."""
        found = {v.value: 0 for v in Verdict}
        for made in self.checks:
            found[made.verdict.value] += 1
        return found

    @property
    def verdict(self) -> str:
        """``fail`` if any check failed, else ``incomplete`` if any could not be made, else ``pass``."""
        counts = self.counts()
        if counts["fail"]:
            return "fail"
        if counts["error"] or not self.checks:
            return "incomplete"
        return "pass"

    @property
    def exit_code(self) -> int:
        """0 when every check holds, 1 when one fails, 2 when some could not be made."""
        return {"pass": 0, "fail": 1, "incomplete": 2}[self.verdict]

    def to_dict(self, checked_at: str) -> dict[str, Any]:
        """The documented JSON report."""
        return {"target": self.target, "kind": self.kind, "verdict": self.verdict,
                "checkedAt": checked_at, "counts": self.counts(), "requests": self.requests,
                "checks": [made.to_dict() for made in self.checks]}

    def lines(self) -> list[str]:
        """The report for a person: one line per check under the thing it is about, the
        evidence of failures under it."""
        out = [f"poolnode verify {self.target} ({self.kind})"]
        scope = None
        for made in self.checks:
            if made.scope != scope:
                scope = made.scope
                if scope:
                    out.append(f"{scope}")
            mark = made.verdict.value.upper() if made.verdict is not Verdict.PASS else "pass"
            out.append(f"  {mark:<5} {made.check:<26} {made.detail}")
            if made.verdict in (Verdict.FAIL, Verdict.ERROR):
                out.append(f"        {'':<26} in {made.subject}")
                out.extend(f"        {'':<26} {key}: {_short(value)}"
                           for key, value in made.evidence.items())
        counts = self.counts()
        summary = ", ".join(f"{n} {name}" for name, n in counts.items() if n)
        verdict = {"pass": "every check holds", "fail": "the record does NOT hold",
                   "incomplete": "some checks could not be made"}[self.verdict]
        out.append(f"{len(self.checks)} checks ({summary}): {verdict}")
        return out


def count(n: int, one: str, many: str | None = None) -> str:
    """``n`` and the noun in the number it takes: "1 ballot", "2 ballots", "3 entries"."""
    return f"{n} {one if n == 1 else many or one + 's'}"


def a(word: str) -> str:
    """The word with its indefinite article: "a Tally", "an Electorate"."""
    return f"{'an' if word[:1].lower() in 'aeiou' else 'a'} {word}"


def _short(value: Any, limit: int = 600) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[:limit] + " ..."

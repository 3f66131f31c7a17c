"""The golden legal texts: one Markdown file per legal form and language, from one set of bylaws
that sets every co-op and legal setting (so every clause is in some file).

Regenerate them after a deliberate change of the texts or their translations with
``make golden`` (``.venv/bin/python -m tests.web.bylaws_golden``), and read the diff before
committing it: tests/web/test_bylaws_golden.py compares them byte for byte.
"""

from __future__ import annotations

from datetime import timedelta
from fractions import Fraction
from pathlib import Path

from governance import AdmissionPolicy, Bylaws, Kind, ShareType, SurplusMeasure, Threshold
from governance.coop_rules import BookingLimits
from governance.legal import Dissolution, GoverningBody, LegalForm, LegalSettings
from node.web.bylaws_words import legal_markdown
from node.web.i18n import Languages

__all__ = ["GOLDEN", "golden_path", "golden_text", "main"]

GOLDEN = Path(__file__).resolve().parent / "golden"
BYLAWS = Bylaws(
    name="Millbrook Bakery Co-op",
    purpose="Bread for the valley, baked by the people who eat it.",
    currency="GBP",
    min_share=2500,
    threshold=Threshold.at_least(Fraction(2, 3)),
    quorum=Fraction(1, 3),
    voting_period=timedelta(days=10),
    admission=AdmissionPolicy.VOTE,
    amendment_threshold=Threshold.at_least(Fraction(3, 4)),
    member_classes=("worker", "consumer"),
    class_majority=frozenset({Kind.BYLAWS_CHANGE}),
    share_types=(ShareType("ordinary", 100, 25, (("worker", 50),)),),
    surplus_measure=SurplusMeasure.PATRONAGE,
    booking_limits=BookingLimits(hours_per_month=20),
    legal=LegalSettings(
        registered_office="4 Mill Lane, Hebden Bridge HX7 8AA", notice_days=21,
        members_may_call=Fraction(1, 5), governing_body=GoverningBody.BOARD, board_size=5,
        extra_liability=1000, year_end="06-30", dissolution=Dissolution.COOPERATIVE),
)


def golden_path(form: LegalForm, code: str) -> Path:
    """Where the golden text of a form in a language lives."""
    return GOLDEN / f"{form.value}.{code}.md"


def golden_text(form: LegalForm, code: str) -> str:
    """The text as the node writes it now."""
    language = Languages.load().get(code)
    assert language is not None, code
    return legal_markdown(BYLAWS, form, language)


def main() -> None:
    """Write every golden file."""
    GOLDEN.mkdir(exist_ok=True)
    for language in Languages.load().listed():
        for form in LegalForm:
            golden_path(form, language.code).write_text(golden_text(form, language.code),
                                                        encoding="utf-8")
            print(golden_path(form, language.code))


if __name__ == "__main__":
    main()

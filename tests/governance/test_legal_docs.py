"""The legal-forms example of docs/GOVERNANCE.md, recomputed (keep both in step)."""

from __future__ import annotations

import re
from dataclasses import replace
from fractions import Fraction
from pathlib import Path

from governance import Bylaws
from governance.legal import GoverningBody, LegalForm, LegalSettings
from governance.render_legal import render_legal
from node.web.bylaws_archive import text_diff

DOC = (Path(__file__).parents[2] / "docs" / "GOVERNANCE.md").read_text(encoding="utf-8")
SECTION = DOC.split("## Legal forms and the bylaws archive", 1)[1].split("## Worked examples", 1)[0]
BAKERY = Bylaws(
    name="Millbrook Bakery", purpose="Bread for the valley.", currency="GBP", min_share=2500,
    legal=LegalSettings(form=LegalForm.UK_COOP, registered_office="4 Mill Lane, Hebden Bridge",
                        notice_days=21, members_may_call=Fraction(1, 5),
                        governing_body=GoverningBody.BOARD, board_size=5, year_end="06-30"))


def test_the_quoted_clauses_are_what_the_rules_say() -> None:
    text = render_legal(BAKERY)
    quoted = re.findall(r"^> (.+)$", SECTION, re.MULTILINE)
    assert len(quoted) == 3
    for clause in quoted:
        assert clause in text, clause


def test_the_archive_diff_is_what_difflib_writes() -> None:
    diff = text_diff(render_legal(BAKERY), render_legal(replace(BAKERY, quorum=Fraction(1, 3))),
                     "version 1", "version 2")
    shown = SECTION.split("```diff\n", 1)[1].split("```", 1)[0]
    assert [line.text for line in diff] == shown.splitlines()

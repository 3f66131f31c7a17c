"""The legal settings of the bylaws and the legal texts written from them."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from governance import AdmissionPolicy, Bylaws, RuleViolation, ShareType, Threshold
from governance.legal import Dissolution, GoverningBody, LegalForm, LegalSettings
from governance.render_legal import render_legal

BASE = Bylaws(name="Riverside Tools", purpose="Tools we share.", currency="EUR")


def test_the_defaults_leave_older_bylaws_as_they_were() -> None:
    assert "legal" not in BASE.to_dict()
    old = BASE.to_dict()  # as stored before the legal settings existed
    assert Bylaws.from_dict(old).legal == LegalSettings()
    chosen = replace(BASE, legal=LegalSettings(form=LegalForm.DE_EG, year_end="09-30"))
    assert Bylaws.from_dict(chosen.to_dict()) == chosen
    assert chosen.to_dict()["legal"]["form"] == "de_eg"


@pytest.mark.parametrize("changes", [
    {"notice_days": 0}, {"notice_days": 91}, {"notice_days": True}, {"board_size": 0},
    {"board_size": 26}, {"extra_liability": -1}, {"year_end": "02-29"}, {"year_end": "13-01"},
    {"year_end": "1231"}, {"registered_office": "x" * 201}, {"registered_office": "a\nb"},
    {"registered_office": " padded"}, {"members_may_call": Fraction(3, 2)},
    {"form": "llc"}, {"governing_body": "council"}, {"dissolution": "burn"},
])
def test_bad_legal_settings_are_refused_with_a_reason(changes: dict[str, object]) -> None:
    with pytest.raises(RuleViolation) as caught:
        LegalSettings(**changes)  # type: ignore[arg-type]
    assert caught.value.code == "invalid_bylaws" and caught.value.reason


@pytest.mark.parametrize("data", [
    {"form": "sarl"}, {"notice_days": "14"}, {"surprise": 1}, {"members_may_call": "0.1"}])
def test_a_stored_legal_dict_that_is_not_one_is_refused(data: dict[str, object]) -> None:
    with pytest.raises(RuleViolation):
        Bylaws.from_dict({**BASE.to_dict(), "legal": data})


FULL = replace(
    BASE, min_share=5000, threshold=Threshold.at_least(Fraction(3, 5)), quorum=Fraction(1, 4),
    voting_period=timedelta(days=9), admission=AdmissionPolicy.OPEN,
    amendment_threshold=Threshold.at_least(Fraction(3, 4)), member_classes=("maker", "user"),
    share_types=(ShareType("tool share", 500, 10),),
    legal=LegalSettings(registered_office="Kanalstraße 3, Leipzig", notice_days=30,
                        members_may_call=Fraction(1, 4), governing_body=GoverningBody.BOARD,
                        board_size=4, extra_liability=20000, year_end="03-31",
                        dissolution=Dissolution.MEMBERS))


@pytest.mark.parametrize("form", list(LegalForm))
def test_every_form_has_the_settings_values_in_its_text(form: LegalForm) -> None:
    text = render_legal(FULL, form)
    for shown in (
        "Riverside Tools", "**Not legal advice.**", "Tools we share.",
        "at least three fifths (3/5) of the votes cast", "one quarter (1/4) of the members",
        "Voting lasts 9 days", "Anyone who applies and pays the minimum share is admitted.",
        "EUR 50.00", "at least three quarters (3/4)", "maker, user", "tool share: nominal value EUR 5.00",
        "Kanalstraße 3, Leipzig", "at least 30 days' notice", "one quarter (1/4) of the members ask",
        "a board of 4 members", "at most EUR 200.00 more", "ends on 31 March",
        "shared among the members in proportion to the shares they hold",
    ):
        assert shown in text, (form, shown)


def test_each_form_has_its_own_title_and_provisions() -> None:
    assert render_legal(FULL, LegalForm.GENERIC).startswith("# Bylaws of Riverside Tools\n")
    llc = render_legal(FULL, LegalForm.US_LLC)
    assert llc.startswith("# Operating Agreement of Riverside Tools\n")
    assert "limited liability company" in llc and "patronage" in llc
    uk = render_legal(FULL, LegalForm.UK_COOP)
    assert "Co-operative and Community Benefit Societies Act 2014" in uk
    assert "Financial Conduct Authority" in uk
    eg = render_legal(FULL, LegalForm.DE_EG)
    assert eg.startswith("# Articles of association (Satzung) of Riverside Tools eG\n")
    assert "Nachschusspflicht" in eg and "§ 9 GenG" in eg
    # The bylaws' own form is the default.
    assert render_legal(replace(FULL, legal=replace(FULL.legal, form=LegalForm.DE_EG))) == eg


def test_liability_limited_to_shares_says_so() -> None:
    limited = replace(FULL, legal=replace(FULL.legal, extra_liability=0))
    assert "No member can be called on to pay more." in render_legal(limited, LegalForm.UK_COOP)
    assert "no Nachschusspflicht" in render_legal(limited, LegalForm.DE_EG)


@pytest.mark.parametrize("form", list(LegalForm))
def test_the_sections_are_numbered_in_order_and_the_fund_points_at_the_record(form: LegalForm) -> None:
    text = render_legal(FULL, form)
    numbers = [int(n) for n in re.findall(r"^## (\d+)\. ", text, re.MULTILINE)]
    assert numbers == list(range(1, len(numbers) + 1))
    pointed = re.search(r"section (\d+) says who may read them", text)
    record = re.search(r"^## (\d+)\. Who may read the record$", text, re.MULTILINE)
    assert pointed and record and pointed[1] == record[1]


legal_settings = st.builds(
    LegalSettings, form=st.sampled_from(LegalForm),
    registered_office=st.text(st.characters(categories=("L", "N", "Zs", "P")), max_size=60)
    .map(str.strip).map(lambda s: " ".join(s.split())),
    notice_days=st.integers(1, 90), members_may_call=st.fractions(0, 1, max_denominator=20),
    governing_body=st.sampled_from(GoverningBody), board_size=st.integers(1, 25),
    extra_liability=st.integers(0, 10**9),
    year_end=st.dates().map(lambda d: d.strftime("%m-%d")).filter(lambda s: s != "02-29"),
    dissolution=st.sampled_from(Dissolution))


@given(legal_settings)
def test_any_legal_settings_round_trip_and_are_in_the_text(legal: LegalSettings) -> None:
    bylaws = replace(BASE, legal=legal)
    assert Bylaws.from_dict(bylaws.to_dict()) == bylaws
    text = render_legal(bylaws)
    assert text.startswith("# ") and "**Not legal advice.**" in text
    assert f"at least {legal.notice_days} day" in text
    if legal.registered_office:
        assert legal.registered_office in text

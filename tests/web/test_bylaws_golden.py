"""Each legal form's text in each language the node speaks, byte for byte against its golden
file (tests/web/golden; ``make golden`` writes them: tests/web/bylaws_golden.py)."""

from __future__ import annotations

import pytest

from governance.legal import LegalForm
from node.web.i18n import Languages
from tests.web.bylaws_golden import golden_path, golden_text

CODES = [language.code for language in Languages.load().listed()]


def test_the_node_speaks_english_and_spanish() -> None:
    assert CODES == ["en", "es"]


@pytest.mark.parametrize("code", CODES)
@pytest.mark.parametrize("form", list(LegalForm))
def test_the_text_is_its_golden_file(form: LegalForm, code: str) -> None:
    path = golden_path(form, code)
    assert path.exists(), f"{path} is missing: run make golden"
    assert golden_text(form, code) == path.read_text(encoding="utf-8"), (
        f"{path} differs: if the change is meant, run make golden and read the diff")


@pytest.mark.parametrize("form", list(LegalForm))
def test_the_spanish_text_is_translated(form: LegalForm) -> None:
    english, spanish = golden_text(form, "en"), golden_text(form, "es")
    assert "Not legal advice" in english and "Esto no es asesoramiento jurídico" in spanish
    # Every line of prose differs; only the pool's own words (its purpose) stay as written.
    same = [line for line in set(english.splitlines()) & set(spanish.splitlines())
            if line.strip() and "Bread for the valley" not in line]
    assert same == [], same

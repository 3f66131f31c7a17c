"""docs/vectors/*.json and the vector blocks of docs/SPEC.md are what the node's code builds
(regenerate with ``make vectors``), and every hash the spec names has a vector."""

from __future__ import annotations

import json
import re

from tests.spec.vectors import SPEC, VECTOR_DIR, build, render_spec


def test_the_checked_in_vectors_are_what_the_code_builds() -> None:
    built = build()
    assert {p.stem for p in VECTOR_DIR.glob("*.json")} == set(built), "run: make vectors"
    for name, text in built.items():
        assert (VECTOR_DIR / f"{name}.json").read_text("utf-8") == text, f"{name} is stale: run make vectors"


def test_the_spec_shows_the_vectors_as_built() -> None:
    text = SPEC.read_text("utf-8")
    assert render_spec(text, build()) == text, "docs/SPEC.md is stale: run make vectors"
    shown = re.findall(r"<!-- vector:([a-z0-9-]+)/", text)
    assert len(shown) >= 6 and set(shown) <= set(build())


def test_a_stale_vector_would_be_caught() -> None:
    built = build()
    ledger = json.loads(built["ledger"])
    ledger["vectors"][0]["entryHash"] = "0" * 64
    assert json.dumps(ledger, indent=2, ensure_ascii=False) + "\n" != built["ledger"]
    text = SPEC.read_text("utf-8")
    shown = json.loads(built["ledger"])["vectors"][0]["entryHash"]
    stale = text.replace(shown, "0" * 64)
    assert stale != text and render_spec(stale, built) == text


def test_every_vector_file_is_listed_in_the_spec() -> None:
    text = SPEC.read_text("utf-8")
    for name in build():
        assert f"`{name}.json`" in text, name

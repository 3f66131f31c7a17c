"""docs/PROTOCOL.md shows exactly what the code sends, and every example is valid."""

from __future__ import annotations

import pytest

from node.wire import check_document
from tests.node.pools.protocol_examples import _BLOCK, DOC, examples, render

pytestmark = pytest.mark.both_backends

SCHEMA_OF = {"Proposal": "proposal", "Ballot": "ballot", "Tally": "tally",
             "LedgerEntry": "ledger-entry", "Electorate": "electorate", "Bucket": "bucket",
             "Allocation": "allocation", "BudgetResult": "budget-result", "Asset": "asset",
             "Event": "event", "Patronage": "patronage"}
# The CapitalCall is unsigned and has no schema of its own: its numbers are checked below.


def test_document_is_up_to_date() -> None:
    text = DOC.read_text("utf-8")
    assert render(text) == text, "run: python -m tests.node.pools.protocol_examples"
    assert {m[2] for m in _BLOCK.finditer(text)} == set(examples())


def test_examples_match_their_schemas() -> None:
    for name, example in examples().items():
        for document in (example, example.get("object")):
            if isinstance(document, dict) and document.get("type") in SCHEMA_OF:
                assert check_document(SCHEMA_OF[document["type"]], document), name


def test_the_surplus_example_splits_as_the_text_says() -> None:
    from governance import SurplusMeasure, split_surplus

    proposal = examples()["surplus-proposal"]
    split = split_surplus(proposal["surplus"], proposal["measures"], SurplusMeasure(proposal["measure"]))
    assert split == {"https://a.example/users/ana": 701, "https://b.example/users/bo": 300}
    assert "ana gets 700 (700.7 exactly) + 1 left over = 701 and bo 300 (300.3)" in DOC.read_text("utf-8")


def test_the_investment_example_calls_what_the_text_says() -> None:
    call = examples()["capital-call"]
    assert (call["price"], call["fromFund"], call["amount"]) == (100_001, 25_000, 75_001)
    assert [(d["person"], d["due"], d["paid"]) for d in call["dues"]] == [
        ("https://a.example/users/ana", 37_501, 37_501), ("https://b.example/users/bo", 37_500, 0)]
    assert call["paid"] + call["outstanding"] == call["amount"]
    text = DOC.read_text("utf-8")
    assert "ana owes 37501 (the odd unit to the smaller id) and bo 37500" in text

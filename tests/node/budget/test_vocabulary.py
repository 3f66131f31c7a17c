"""Every term of a budget round's documents is defined by the bundled JSON-LD contexts: a
JSON-LD processor expands each property to an IRI of a vocabulary (an undefined term would fall
to the ActivityStreams context's ``@vocab``, a blank node ``_:term``)."""

from __future__ import annotations

from typing import Any

import pytest
from pyld import jsonld

from federation.jsonld import document_loader, normalise
from schemas import OBJECT_CONTEXT
from tests.node.pools.budget_examples import budget_examples
from tests.node.pools.protocol_examples import examples

NAMES = ("create-round-draft", "budget-round", "create-bucket-draft", "bucket", "create-allocation",
         "update-budget-result", "bucket-commitment")


def _objects() -> list[tuple[str, dict[str, Any]]]:
    found = examples()
    out = []
    for name in NAMES:
        doc = found[name]
        out.append((name, doc["object"] if isinstance(doc.get("object"), dict) else doc))
    return out


@pytest.mark.parametrize(("name", "document"), _objects())
def test_every_property_survives_expansion(name: str, document: dict[str, Any]) -> None:
    body = {k: v for k, v in document.items() if k != "proof"}
    expanded = jsonld.expand(body, {"documentLoader": document_loader})
    assert len(expanded) == 1, name
    kept = {k for k in expanded[0] if not k.startswith("@")}
    properties = {k for k in body if not k.startswith("@") and k not in ("id", "type")}
    assert len(kept) == len(properties), (name, sorted(properties), sorted(kept))
    assert not [k for k in kept if k.startswith("_:")], (name, sorted(kept))
    # And a compacted copy under our object context reads the same.
    assert normalise(body, target=OBJECT_CONTEXT) == {**body, "@context": OBJECT_CONTEXT}


def test_the_examples_cover_every_budget_document() -> None:
    assert {d["type"] for _, d in _objects()} >= {"Proposal", "Bucket", "Allocation", "BudgetResult",
                                                  "LedgerEntry"}
    assert budget_examples.__doc__

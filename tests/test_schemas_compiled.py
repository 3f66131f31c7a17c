"""Compiled schema checks give jsonschema's verdict, and validation_errors jsonschema's words."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from referencing.jsonschema import DRAFT202012

import schemas
from schemas.compiled import NotCompilable, compile_schema
from tests.test_schemas import A, G, _actor

PROTOCOL = (Path(__file__).resolve().parents[1] / "docs" / "PROTOCOL.md").read_text("utf-8")
SUBSCHEMA_KEYS = ("properties", "$defs")
SUBSCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")
SUBSCHEMA_ONE = ("items", "additionalProperties", "contains", "if", "then", "else")

# Values on the edges of jsonschema's semantics: bool against integer/const/enum, integral
# floats, strings a Python regex treats differently from an ECMA one ($ before a final
# newline, Unicode digits and spaces), the bounds of our numbers.
EDGES: list[Any] = [
    None, True, False, 0, 1, -1, 1.0, 0.5, 2**53 - 1, 2**53, 50, 51, "", " ", "\n", "Z",
    "Z\n", "2025-01-01T00:00:00Z", "2025-01-01T00:00:00Z\n", "2025-13-40T99:99:99Z",
    "\u0663", "\x1c", "\ufeff", "\u2028", "a b", "EUR", "EUR\n", "eur", "1/2", "1/0", "PT60S",
    "PT60S\n", "https://pool.example/x", "https://pool.example/x\n", "http://a", "ftp://a",
    "https://a b", "https://@a", A, G, A + "#main-key", "acct:alice@pool.example",
    "z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK", "0" * 64, "g" * 64, [], {}, [1, 1],
    ["a", "a"], ["a"], [{"a": 1}, {"a": True}], {"a": 1},
]


def _subschemas(schema: Any) -> Iterator[Any]:
    """Every subschema of a schema, itself first."""
    if not isinstance(schema, dict):
        return
    yield schema
    for key in SUBSCHEMA_KEYS:
        for sub in schema.get(key, {}).values():
            yield from _subschemas(sub)
    for key in SUBSCHEMA_LISTS:
        for sub in schema.get(key, []):
            yield from _subschemas(sub)
    for key in SUBSCHEMA_ONE:
        if key in schema:
            yield from _subschemas(schema[key])


def _constants(schema: Any) -> list[Any]:
    """The consts and enum members of a schema: values that come near to passing it."""
    found: list[Any] = []
    for sub in _subschemas(schema):
        if "const" in sub:
            found.append(sub["const"])
        found.extend(sub.get("enum", []))
    return found


SUBSCHEMAS = [
    pytest.param(name, sub, id=f"{name}-{index}")
    for name in schemas.SCHEMA_NAMES
    for index, sub in enumerate(_subschemas(schemas.load_json_schema(name)))
]


def _json_objects(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, dict):
        yield value
        for v in value.values():
            yield from _json_objects(v)
    elif isinstance(value, list):
        for v in value:
            yield from _json_objects(v)


def _seeds() -> dict[str, list[dict[str, Any]]]:
    """Valid documents for each schema: every object in PROTOCOL.md's examples, and actors."""
    objects = [o for block in re.findall(r"```json\n(.*?)```", PROTOCOL, re.S)
               for o in _json_objects(json.loads(block))]
    objects += [_actor(A, "Person"), _actor(G, "Group")]
    found = {name: [o for o in objects if not list(schemas._validator(name).iter_errors(o))]
             for name in schemas.SCHEMA_NAMES}
    return {name: docs for name, docs in found.items() if docs}


SEEDS = _seeds()
LEAVES = [v for docs in SEEDS.values() for doc in docs for v in doc.values()]
# Every object inside the examples, as is and with one field too many: near misses for the
# item schemas (``additionalProperties: false``) as much as for whole documents.
NESTED = [o for docs in SEEDS.values() for doc in docs for o in _json_objects(doc)]
NESTED += [{**o, "extra": 1} for o in NESTED]
scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
                    st.text(max_size=6), st.sampled_from(EDGES))
json_values = st.recursive(
    scalars, lambda c: st.one_of(st.lists(c, max_size=3), st.dictionaries(st.text(max_size=4), c, max_size=3)),
    max_leaves=8,
)


def _verdict(name: str, schema: Any, value: Any) -> bool:
    return bool(schemas._validator(name).evolve(schema=schema).is_valid(value))


def _compiled(name: str, schema: Any) -> Any:
    root = schemas._read_schema(name)
    resolver = schemas._registry().resolver_with_root(DRAFT202012.create_resource(root))
    return compile_schema(schema, resolver, Draft202012Validator.FORMAT_CHECKER)


def test_every_schema_compiles_and_seeds_cover_most() -> None:
    assert all(schemas._compiled(name) is not None for name in schemas.SCHEMA_NAMES)
    assert len(SEEDS) >= 12 and len(SUBSCHEMAS) > 300


@pytest.mark.parametrize(("name", "sub"), SUBSCHEMAS)
def test_each_subschema_agrees_with_jsonschema(name: str, sub: Any) -> None:
    check = _compiled(name, sub)
    values = EDGES + _constants(sub) + LEAVES + NESTED

    @settings(max_examples=15, deadline=None, database=None)
    @given(st.one_of(json_values, st.sampled_from(values)))
    def agrees(value: Any) -> None:
        assert check(value) == _verdict(name, sub, value), (name, sub, value)

    for value in values:  # every edge value, not only those hypothesis picks
        assert check(value) == _verdict(name, sub, value), (name, sub, value)
    agrees()


def _spots(node: Any) -> list[tuple[Any, Any]]:
    """Every (container, key or index) inside a document."""
    if not isinstance(node, dict | list):
        return []
    found: list[tuple[Any, Any]] = []
    for key, value in list(node.items() if isinstance(node, dict) else enumerate(node)):
        found.append((node, key))
        found.extend(_spots(value))
    return found


@st.composite
def mutated(draw: Any, name: str) -> Any:
    """A valid document of ``name`` with one to three edits: replace, delete, add a field."""
    doc = copy.deepcopy(draw(st.sampled_from(SEEDS[name])))
    for _ in range(draw(st.integers(1, 3))):
        spots = _spots(doc)
        if not spots:
            break
        node, key = draw(st.sampled_from(spots))
        action = draw(st.sampled_from(["replace", "near", "delete", "add"]))
        if action == "replace":
            node[key] = copy.deepcopy(draw(json_values))
        elif action == "near":
            node[key] = copy.deepcopy(draw(st.sampled_from(EDGES + LEAVES + NESTED)))
        elif action == "delete":
            del node[key]
        elif isinstance(node, dict):
            field = draw(st.sampled_from(["extra", "choice", "ranking", "proof", "pool", "type"]))
            node[field] = copy.deepcopy(draw(st.sampled_from(EDGES + LEAVES)))
    return doc


@pytest.mark.parametrize("name", sorted(SEEDS))
@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_mutated_documents_get_jsonschemas_verdict_and_errors(name: str, data: Any) -> None:
    doc = data.draw(mutated(name))
    expected = sorted(
        (schemas._json_path(e.absolute_path), e.message)
        for e in schemas._validator(name).iter_errors(doc)
    )
    assert schemas._compiled(name)(doc) == (not expected)
    assert schemas.validation_errors(name, doc) == [f"{p}: {m}" for p, m in expected]


def test_a_valid_document_never_reaches_jsonschema(monkeypatch: pytest.MonkeyPatch) -> None:
    ballot = SEEDS["ballot"][0]
    validator = schemas._validator("ballot")
    calls: list[Any] = []
    monkeypatch.setattr(type(validator), "iter_errors", lambda self, i: calls.append(i) or iter(()))
    assert schemas.validation_errors("ballot", ballot) == []
    assert calls == []
    schemas.validation_errors("ballot", {**ballot, "type": "Note"})
    assert len(calls) == 1  # a failing one is worded by jsonschema


SYNTHETIC: list[dict[str, Any]] = [
    {"type": ["integer", "null"], "minimum": 0, "maximum": 2},
    {"type": "number", "minimum": 0.5},
    {"const": 1}, {"const": True}, {"const": [1, {"a": False}]}, {"enum": [0, "a", None, [1]]},
    {"properties": {"a": {"type": "string"}}, "additionalProperties": False},
    {"properties": {"a": {}}, "additionalProperties": {"type": "integer"}},
    {"required": ["a", "b"], "dependentRequired": {"a": ["c"]}},
    {"prefixItems": [{"type": "integer"}, {"type": "string"}], "items": False},
    {"prefixItems": [{"type": "integer"}], "items": {"type": "string"}, "minItems": 2},
    {"contains": {"type": "integer"}, "minContains": 2, "maxContains": 3},
    {"contains": {"const": "a"}, "maxItems": 3}, {"uniqueItems": True}, {"uniqueItems": False},
    {"if": {"required": ["a"]}, "then": {"required": ["b"]}, "else": {"required": ["c"]}},
    {"if": {"type": "string"}, "then": {"minLength": 2, "maxLength": 3}},
    {"oneOf": [{"type": "integer"}, {"minimum": 0}]}, {"anyOf": [{"type": "array"}, False]},
    {"allOf": [True, {"format": "date-time"}, {"format": "ipv4"}, {"pattern": "^[0-9]+$"}]},
]
synthetic_values = st.recursive(
    st.one_of(st.sampled_from([None, True, False, 0, 1, 2, 3, -1, 0.5, 1.0, 2.0, "", "a", "ab",
                               "abcd", "1", "1\n", "\u0663", "1.2.3.4", "1.2.3.4\n",
                               "2025-01-01T00:00:00Z"]),
              st.text(max_size=3)),
    lambda c: st.one_of(st.lists(c, max_size=5),
                        st.dictionaries(st.sampled_from(["a", "b", "c", "d"]), c, max_size=4)),
    max_leaves=10,
)


@pytest.mark.parametrize("schema", SYNTHETIC, ids=lambda s: json.dumps(s)[:40])
@settings(max_examples=150, deadline=None)
@given(value=synthetic_values)
@example(value=[1, 2, 3, 4])
@example(value=[1, "a", "b"])
@example(value=[1, True, 1.0])
@example(value={"a": "x", "b": 1})
@example(value={"a": 1, "b": 2})
def test_every_compiled_keyword_agrees_with_jsonschema(schema: dict[str, Any], value: Any) -> None:
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    resolver = schemas._registry().resolver_with_root(DRAFT202012.create_resource(schema))
    check = compile_schema(schema, resolver, Draft202012Validator.FORMAT_CHECKER)
    assert check(value) == validator.is_valid(value)


@pytest.mark.parametrize("keyword", [{"not": {}}, {"patternProperties": {"a": {}}},
                                     {"exclusiveMinimum": 1}, {"$dynamicRef": "#x"}])
def test_an_uncompiled_keyword_is_refused(keyword: dict[str, Any]) -> None:
    with pytest.raises(NotCompilable):
        _compiled("ballot", {"type": "object", **keyword})


def test_recursive_references_compile() -> None:
    schema = {"$id": "https://example.test/tree.json", "type": "object",
              "properties": {"kids": {"type": "array", "items": {"$ref": "#"}}}}
    resolver = schemas._registry().resolver_with_root(DRAFT202012.create_resource(schema))
    check = compile_schema(schema, resolver)
    assert check({"kids": [{"kids": []}, {}]})
    assert not check({"kids": [{"kids": [1]}]})

"""JSON Schemas compiled once into Python closures: the verdict of Draft 2020-12 validation.

``jsonschema`` interprets a schema on every call (a dispatch per keyword, a validator
evolved per subschema, each ``$ref`` looked up in the registry again): about 0.4 ms for a
ballot. A compiled check walks the document once with the schema already resolved. It only
answers valid or not; :func:`schemas.validation_errors` asks ``jsonschema`` to word the
errors of a document that fails, so the messages (and the 4xx reasons built from them) are
``jsonschema``'s own.

The closures implement the validation keywords our schemas use with ``jsonschema``'s
semantics: its type checks (an integer may be a float with no fraction, a boolean is not a
number), its equality for ``const`` and ``enum`` (``1`` is not ``true``), ``re.search`` for
``pattern``, and its own format checker (a format it does not check is not checked here
either). A schema with any other validation keyword raises :class:`NotCompilable`, and the
caller keeps ``jsonschema``. tests/test_schemas_compiled.py checks the verdicts against
``jsonschema`` on every subschema and on mutated documents.
"""

from __future__ import annotations

import numbers
import re
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["Check", "NotCompilable", "compile_schema"]

Check = Callable[[Any], bool]


class NotCompilable(Exception):
    """The schema uses a validation keyword this compiler does not implement."""


def _yes(instance: Any) -> bool:
    return True


def _no(instance: Any) -> bool:
    return False


def _is_number(x: Any) -> bool:
    return not isinstance(x, bool) and isinstance(x, numbers.Number)


def _is_integer(x: Any) -> bool:
    if isinstance(x, bool):
        return False
    return isinstance(x, int) or (isinstance(x, float) and x.is_integer())


_TYPES: dict[str, Check] = {
    "string": lambda x: isinstance(x, str),
    "object": lambda x: isinstance(x, dict),
    "array": lambda x: isinstance(x, list),
    "boolean": lambda x: isinstance(x, bool),
    "null": lambda x: x is None,
    "integer": _is_integer,
    "number": _is_number,
}


class _Compiler:
    """Compiles one schema and everything it references; ``$ref`` cycles go through cells."""

    def __init__(self, format_checker: Any) -> None:
        from jsonschema import Draft202012Validator

        try:
            from jsonschema._utils import equal, uniq
        except ImportError:  # a jsonschema without them: const, enum and uniqueItems stay interpreted
            equal = uniq = None
        self._equal = equal
        self._uniq = uniq
        self._format_checker = format_checker
        self._validators = frozenset(Draft202012Validator.VALIDATORS)
        self._cells: dict[int, list[Check | None]] = {}

    def compile(self, schema: Any, resolver: Any) -> Check:
        if schema is True:
            return _yes
        if schema is False:
            return _no
        if not isinstance(schema, Mapping):
            raise NotCompilable(f"not a schema: {type(schema).__name__}")
        cell = self._cells.get(id(schema))
        if cell is not None:
            return cell[0] if cell[0] is not None else _deferred(cell)  # a $ref cycle
        cell = self._cells[id(schema)] = [None]
        if "$id" in schema:
            from referencing.jsonschema import DRAFT202012

            resolver = resolver.in_subresource(DRAFT202012.create_resource(schema))
        checks = [
            self._keyword(keyword, value, schema, resolver)
            for keyword, value in schema.items()
            if keyword in self._validators  # everything else is an annotation, as in jsonschema
        ]
        checks = [c for c in checks if c is not _yes]
        check = _all(checks)
        cell[0] = check
        return check

    def _keyword(self, keyword: str, value: Any, schema: Mapping[str, Any], resolver: Any) -> Check:
        build = getattr(self, "_k_" + keyword.lstrip("$"), None)
        if build is None:
            raise NotCompilable(f"keyword {keyword!r} is not compiled")
        check: Check = build(value, schema, resolver)
        return check

    # ---- one builder per keyword (Draft 2020-12 §10, validation §6), jsonschema's semantics ----

    def _k_ref(self, ref: str, schema: Any, resolver: Any) -> Check:
        resolved = resolver.lookup(ref)
        return self.compile(resolved.contents, resolved.resolver)

    def _k_type(self, types: Any, schema: Any, resolver: Any) -> Check:
        checks = [_TYPES[t] for t in ([types] if isinstance(types, str) else types)]
        if len(checks) == 1:
            return checks[0]
        return lambda x: any(c(x) for c in checks)

    def _k_properties(self, properties: Mapping[str, Any], schema: Any, resolver: Any) -> Check:
        pairs = tuple((name, self.compile(sub, resolver)) for name, sub in properties.items())
        pairs = tuple((name, c) for name, c in pairs if c is not _yes)

        def check(x: Any) -> bool:
            if not isinstance(x, dict):
                return True
            for name, c in pairs:
                if name in x and not c(x[name]):
                    return False
            return True

        return check

    def _k_required(self, required: list[str], schema: Any, resolver: Any) -> Check:
        names = tuple(required)
        return lambda x: not isinstance(x, dict) or all(n in x for n in names)

    def _k_additionalProperties(self, extra: Any, schema: Mapping[str, Any], resolver: Any) -> Check:
        if "patternProperties" in schema:
            raise NotCompilable("patternProperties is not compiled")
        known = frozenset(schema.get("properties", {}))
        if isinstance(extra, dict):
            sub = self.compile(extra, resolver)
            return lambda x: not isinstance(x, dict) or all(
                sub(v) for k, v in x.items() if k not in known
            )
        if extra:
            return _yes
        return lambda x: not isinstance(x, dict) or all(k in known for k in x)

    def _k_dependentRequired(self, deps: Mapping[str, list[str]], schema: Any, resolver: Any) -> Check:
        pairs = tuple((name, tuple(needed)) for name, needed in deps.items())
        return lambda x: not isinstance(x, dict) or all(
            all(n in x for n in needed) for name, needed in pairs if name in x
        )

    def _k_const(self, const: Any, schema: Any, resolver: Any) -> Check:
        if isinstance(const, str):
            return lambda x: x == const
        equal = self._need(self._equal, "const")
        return lambda x: bool(equal(x, const))

    def _k_enum(self, enums: list[Any], schema: Any, resolver: Any) -> Check:
        if all(isinstance(e, str) for e in enums):
            # jsonschema's equal() is == when either side is a string.
            names = frozenset(enums)
            return lambda x: isinstance(x, str) and x in names
        equal = self._need(self._equal, "enum")
        return lambda x: any(equal(e, x) for e in enums)

    def _k_pattern(self, pattern: str, schema: Any, resolver: Any) -> Check:
        search = re.compile(pattern).search  # jsonschema: re.search(pattern, instance)
        return lambda x: not isinstance(x, str) or search(x) is not None

    def _k_format(self, fmt: str, schema: Any, resolver: Any) -> Check:
        checker = self._format_checker
        if checker is None or fmt not in checker.checkers:
            return _yes
        return lambda x: bool(checker.conforms(x, fmt))

    def _k_minLength(self, n: int, schema: Any, resolver: Any) -> Check:
        return lambda x: not isinstance(x, str) or len(x) >= n

    def _k_maxLength(self, n: int, schema: Any, resolver: Any) -> Check:
        return lambda x: not isinstance(x, str) or len(x) <= n

    def _k_minimum(self, n: Any, schema: Any, resolver: Any) -> Check:
        return lambda x: not _is_number(x) or not x < n

    def _k_maximum(self, n: Any, schema: Any, resolver: Any) -> Check:
        return lambda x: not _is_number(x) or not x > n

    def _k_minItems(self, n: int, schema: Any, resolver: Any) -> Check:
        return lambda x: not isinstance(x, list) or len(x) >= n

    def _k_maxItems(self, n: int, schema: Any, resolver: Any) -> Check:
        return lambda x: not isinstance(x, list) or len(x) <= n

    def _k_minProperties(self, n: int, schema: Any, resolver: Any) -> Check:
        return lambda x: not isinstance(x, dict) or len(x) >= n

    def _k_maxProperties(self, n: int, schema: Any, resolver: Any) -> Check:
        return lambda x: not isinstance(x, dict) or len(x) <= n

    def _k_uniqueItems(self, unique: bool, schema: Any, resolver: Any) -> Check:
        if not unique:
            return _yes
        uniq = self._need(self._uniq, "uniqueItems")
        return lambda x: not isinstance(x, list) or bool(uniq(x))

    def _k_items(self, items: Any, schema: Mapping[str, Any], resolver: Any) -> Check:
        prefix = len(schema.get("prefixItems", []))
        if items is False:
            return lambda x: not isinstance(x, list) or len(x) <= prefix
        sub = self.compile(items, resolver)
        if prefix:
            return lambda x: not isinstance(x, list) or all(map(sub, x[prefix:]))
        return lambda x: not isinstance(x, list) or all(map(sub, x))

    def _k_prefixItems(self, prefix: list[Any], schema: Any, resolver: Any) -> Check:
        subs = tuple(self.compile(s, resolver) for s in prefix)
        return lambda x: not isinstance(x, list) or all(c(v) for c, v in zip(subs, x, strict=False))

    def _k_contains(self, contains: Any, schema: Mapping[str, Any], resolver: Any) -> Check:
        sub = self.compile(contains, resolver)
        least = schema.get("minContains", 1)
        most = schema.get("maxContains")

        def check(x: Any) -> bool:
            if not isinstance(x, list):
                return True
            matches = sum(1 for v in x if sub(v))
            return matches >= least and (most is None or matches <= most)

        return check

    def _k_allOf(self, subs: list[Any], schema: Any, resolver: Any) -> Check:
        return _all([self.compile(s, resolver) for s in subs])

    def _k_anyOf(self, subs: list[Any], schema: Any, resolver: Any) -> Check:
        checks = tuple(self.compile(s, resolver) for s in subs)
        return lambda x: any(c(x) for c in checks)

    def _k_oneOf(self, subs: list[Any], schema: Any, resolver: Any) -> Check:
        checks = tuple(self.compile(s, resolver) for s in subs)

        def check(x: Any) -> bool:
            found = False
            for c in checks:
                if c(x):
                    if found:
                        return False
                    found = True
            return found

        return check

    def _k_if(self, condition: Any, schema: Mapping[str, Any], resolver: Any) -> Check:
        test = self.compile(condition, resolver)
        then = self.compile(schema.get("then", True), resolver)
        otherwise = self.compile(schema.get("else", True), resolver)
        return lambda x: then(x) if test(x) else otherwise(x)

    @staticmethod
    def _need(helper: Any, keyword: str) -> Any:
        if helper is None:
            raise NotCompilable(f"keyword {keyword!r} needs jsonschema's equality")
        return helper


def _deferred(cell: list[Check | None]) -> Check:
    """The check of a schema still being compiled (reached again through ``$ref``)."""

    def check(x: Any) -> bool:
        found = cell[0]
        assert found is not None, "compiled before any document is checked"
        return found(x)

    return check


def _all(checks: list[Check]) -> Check:
    if not checks:
        return _yes
    if len(checks) == 1:
        return checks[0]
    frozen = tuple(checks)

    def check(x: Any) -> bool:
        for c in frozen:
            if not c(x):
                return False
        return True

    return check


def compile_schema(schema: Any, resolver: Any, format_checker: Any = None) -> Check:
    """A check equivalent to ``jsonschema``'s ``is_valid`` for ``schema`` (Draft 2020-12).

    ``resolver`` is a ``referencing`` resolver rooted at the schema (``$ref`` targets are
    compiled through it, once); raises :class:`NotCompilable` for an unsupported keyword.
    """
    return _Compiler(format_checker).compile(schema, resolver)

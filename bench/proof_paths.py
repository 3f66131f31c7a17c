"""Benchmark 12: the proof path of one ballot, canonicalisation and schema check, before and after.

Per received ``Create(Ballot)`` the inbox checks the ballot against its JSON Schema
(``check_document``) and verifies its FEP-8b32 proof (three RFC 8785 canonicalisations and
one Ed25519 verification). Measured in this process, no I/O, on a ballot with a real proof:

- RFC 8785 bytes of the ballot: ``federation.canonical.canonicalize`` (one pass in C where the
  document allows it) against the ``rfc8785`` package's path it replaced (the float scan, then
  ``rfc8785.dumps``);
- the whole proof check (``verify_proof_with_key``) with each of the two;
- the schema check: ``schemas.validation_errors`` (compiled once) against ``jsonschema``
  interpreting the schema, as it did on every call before.

Each figure is the median of rounds (each timing a batch of calls, per call), with the
spread; the ratios are per round. A count row checks that the compiled verdicts and the
canonical bytes equal the reference ones on the documents measured (and on broken ones).
"""

from __future__ import annotations

import contextlib
import gc
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from unittest import mock

import rfc8785
from cryptography.hazmat.primitives.asymmetric import ed25519

import schemas
from bench.report import Row
from bench.sizes import Sizes
from federation import canonical, proofs
from federation.proofs import create_proof, verify_proof_with_key

__all__ = ["run"]

NAME = "12 proof paths"
ACTOR = "https://pool.example/users/alice"
POOL = "https://pool.example/pools/commons"


def _reference_canonicalize(value: Any, *, allow_floats: bool = False) -> bytes:
    """The canonicalisation before the one-pass path: a float scan, then rfc8785.dumps."""
    if not allow_floats and canonical.find_float(value) is not None:
        raise canonical.CanonicalizationError("document contains a floating-point number")
    return rfc8785.dumps(value)


def _reference_errors(name: str, document: Any) -> list[str]:
    """validation_errors before compilation: jsonschema interprets the schema on every call."""
    found = [(schemas._json_path(e.absolute_path), e.message)
             for e in schemas._validator(name).iter_errors(document)]
    return [f"{path}: {message}" for path, message in sorted(found)]


def _ballot() -> tuple[dict[str, Any], ed25519.Ed25519PublicKey]:
    key = ed25519.Ed25519PrivateKey.generate()
    document = {
        "@context": schemas.OBJECT_CONTEXT,
        "id": f"{POOL}/proposals/7/ballots/alice-1",
        "type": "Ballot",
        "attributedTo": ACTOR,
        "pool": POOL,
        "proposal": f"{POOL}/proposals/7",
        "choice": "agree",
        "published": "2025-03-02T09:00:00Z",
        "sequence": 1,
    }
    signed = create_proof(document, key, f"{ACTOR}#ed25519-key", datetime(2025, 3, 2, 9, tzinfo=UTC))
    return signed, key.public_key()


def _per_call(fn: Callable[[], object], calls: int, *, old_jcs: bool = False) -> float:
    """Seconds per call of ``fn``; with ``old_jcs`` the proof module canonicalises as before."""
    patch = mock.patch.object(proofs, "canonicalize", _reference_canonicalize) if old_jcs \
        else contextlib.nullcontext()
    with patch:
        t0 = time.perf_counter()
        for _ in range(calls):
            fn()
        return (time.perf_counter() - t0) / calls


def _rounds(timers: dict[str, Callable[[], float]], rounds: int) -> dict[str, list[float]]:
    """Each timer run once per round, in turn, so old and new meet the same minute's machine."""
    out: dict[str, list[float]] = {name: [] for name in timers}
    gc.collect()
    for _ in range(rounds):
        for name, timer in timers.items():
            out[name].append(timer())
    return out


def _agree(ballot: dict[str, Any]) -> bool:
    broken = [dict(ballot, type="Note"), dict(ballot, choice=""), dict(ballot, sequence=0),
              dict(ballot, published="2025-03-02T09:00:00"), {k: v for k, v in ballot.items()
                                                             if k != "choice"}]
    same_verdicts = all(schemas.validation_errors("ballot", d) == _reference_errors("ballot", d)
                        for d in [ballot, *broken])
    return same_verdicts and canonical.canonicalize(ballot) == rfc8785.dumps(ballot)


def run(sizes: Sizes) -> list[Row]:
    """Per-ballot cost of canonicalisation, proof check and schema check, old and new path."""
    rounds, calls = (2, 20) if sizes.smoke else (7, 2000)
    ballot, public_key = _ballot()

    def verify() -> object:
        return verify_proof_with_key(ballot, public_key)

    schemas.validation_errors("ballot", ballot)  # compile outside the clock
    got = _rounds({
        "jcs": lambda: _per_call(lambda: canonical.canonicalize(ballot), calls),
        "jcs_old": lambda: _per_call(lambda: _reference_canonicalize(ballot), calls),
        "verify": lambda: _per_call(verify, calls),
        "verify_old": lambda: _per_call(verify, calls, old_jcs=True),
        "schema": lambda: _per_call(lambda: schemas.validation_errors("ballot", ballot), calls),
        "schema_old": lambda: _per_call(lambda: _reference_errors("ballot", ballot), calls),
    }, rounds)

    def us(name: str) -> float:
        return statistics.median(got[name]) * 1e6

    def ratios(new: str, old: str) -> tuple[float, ...]:
        return tuple(o / n for n, o in zip(got[new], got[old], strict=True))

    path = tuple(v + s for v, s in zip(got["verify"], got["schema"], strict=True))
    path_old = tuple(v + s for v, s in zip(got["verify_old"], got["schema_old"], strict=True))
    path_ratios = tuple(o / n for n, o in zip(path, path_old, strict=True))
    agree = _agree(ballot)
    spread = f"median of {rounds} rounds of {calls:,} calls"
    return [
        Row(NAME, "RFC 8785 bytes of a signed ballot (one pass)", us("jcs"), "us", note=spread,
            rounds=tuple(t * 1e6 for t in got["jcs"])),
        Row(NAME, "same with the rfc8785 package (before)", us("jcs_old"), "us",
            note=f"{statistics.median(ratios('jcs', 'jcs_old')):.1f}x the one-pass path",
            rounds=tuple(t * 1e6 for t in got["jcs_old"])),
        Row(NAME, "proof check of a ballot (verify_proof_with_key)", us("verify"), "us",
            note=f"before: {us('verify_old'):,.0f} us (3 canonicalisations by rfc8785 + Ed25519)",
            rounds=tuple(t * 1e6 for t in got["verify"])),
        Row(NAME, "schema check of a ballot (compiled)", us("schema"), "us",
            note=f"before: {us('schema_old'):,.0f} us (jsonschema interpreting the schema), "
                 f"{statistics.median(ratios('schema', 'schema_old')):.0f}x",
            rounds=tuple(t * 1e6 for t in got["schema"])),
        Row(NAME, "schema + proof per ballot, before / after", statistics.median(path_ratios), "x",
            note=f"{statistics.median(path_old) * 1e6:,.0f} us before, "
                 f"{statistics.median(path) * 1e6:,.0f} us after",
            rounds=path_ratios),
        Row(NAME, "compiled verdicts and one-pass bytes equal the reference", float(agree), "",
            "= 1", agree, "the ballot and five broken ones: the same error lists"),
    ]

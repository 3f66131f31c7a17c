"""Issue 18: ``poolnode verify`` against a server that lies or stalls (no node involved): a
made-up pool whose ledger this test hashes and signs from docs/SPEC.md alone, then endless and
huge collections, oversized and slow answers, redirect loops, private addresses, and a key its
actor document says belongs to someone else. Each gives a clear verdict in bounded time,
never a traceback (issue18_live.run_verify asserts that, and the report's schema)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.acceptance import issue18_spec as spec
from tests.acceptance.issue18_hostile import Hostile, hostile_server
from tests.acceptance.issue18_live import run_verify

PRIVATE = "--allow-private-addresses"


@pytest.fixture
def mal() -> Iterator[Hostile]:
    with hostile_server() as server:
        yield server


def _ledger(mal: Hostile, count: int) -> list[dict[str, Any]]:
    entries, previous = [], spec.ZEROS
    for sequence in range(1, count + 1):
        entries.append(mal.entry(sequence, previous))
        previous = entries[-1]["entryHash"]
    head = entries[-1]["entryHash"] if entries else spec.ZEROS
    ledger = mal.pool + "/ledger"
    mal.json(ledger, {"@context": "https://www.w3.org/ns/activitystreams", "id": ledger,
                      "type": "OrderedCollection", "totalItems": count, "headHash": head,
                      "orderedItems": list(reversed(entries))})
    for entry in entries:
        mal.json(entry["id"], entry)
    fund = 100 * count
    mal.json(ledger + "/balances", {"fund": fund, "entries": count, "headHash": head,
                                    "balances": {"fund": fund, "capital:https://x.example/users/x": -fund}})
    return entries


def _endless(mal: Hostile, total: int, per_page: int) -> None:
    """{pool}/ledger whose pages never end: page n links page n + 1, each full of ids."""
    ledger = mal.pool + "/ledger"
    mal.json(ledger, {"id": ledger, "type": "OrderedCollection", "totalItems": total,
                      "headHash": spec.ZEROS, "first": ledger + "?page=1"})

    class Pages(dict):  # type: ignore[type-arg]
        def get(self, path: str, default: Any = None) -> Any:
            if path.startswith("/pools/mal/ledger?page="):
                tail = path.rsplit("=", 1)[1]
                n = int(tail) if tail.isdigit() else 1
                page = {"id": ledger + f"?page={n}", "type": "OrderedCollectionPage", "partOf": ledger,
                        "orderedItems": [f"{ledger}/{n * per_page + i}" for i in range(per_page)],
                        "next": ledger + f"?page={n + 1}"}
                return lambda: (200, {"Content-Type": "application/activity+json"}, json.dumps(page).encode())
            return super().get(path, default)

    mal.routes = Pages(mal.routes)


def test_a_pool_made_from_the_spec_alone_holds(mal: Hostile) -> None:
    """An independent implementer's pool: three entries hashed and signed from docs/SPEC.md."""
    _ledger(mal, 3)
    run = run_verify(mal.pool, PRIVATE, "--quiet")
    failed = {**run.verdicts("fail"), **run.verdicts("error")}
    assert {"ledger.chain", "ledger.head", "ledger.proofs"} <= set(run.verdicts("pass")), failed
    assert run.code == 0, failed


def test_an_entry_hash_off_by_one_byte_is_named(mal: Hostile) -> None:
    entries = _ledger(mal, 3)
    bad = spec.sign({**entries[1], "memo": "x"}, mal.key, mal.pool, "2025-03-01T12:00:00Z")
    mal.json(bad["id"], bad)  # same entryHash, contents changed, freshly signed
    mal.json(mal.pool + "/ledger", {"id": mal.pool + "/ledger", "type": "OrderedCollection", "totalItems": 3,
                                    "headHash": entries[-1]["entryHash"],
                                    "orderedItems": [entries[2], bad, entries[0]]})
    run = run_verify(mal.pool, PRIVATE, "--quiet")
    assert run.code == 1
    assert run.verdicts("fail")["ledger.chain"]["evidence"]["sequence"] == 2


def test_a_key_whose_actor_says_another_controls_it_is_refused(mal: Hostile) -> None:
    _ledger(mal, 2)
    mal.json(mal.pool, mal.actor(controller="https://elsewhere.example/users/eve"))
    run = run_verify(mal.pool, PRIVATE, "--quiet")
    assert run.code in (1, 2) and "ledger.proofs" not in run.verdicts("pass"), run.report
    bad = {**run.verdicts("fail"), **run.verdicts("error")}
    assert "ledger.proofs" in bad or "ledger.chain" in bad, bad


def test_an_endless_collection_stops_at_its_bound(mal: Hostile) -> None:
    _endless(mal, total=0, per_page=50)
    run = run_verify(mal.pool, PRIVATE, "--quiet", within=180)
    assert run.code == 2 and run.seconds < 120
    errors = [c["detail"] for c in run.report["checks"] if c["verdict"] == "error"]
    assert any("more than 1000" in e for e in errors), errors
    assert len([h for h in mal.hits if "page=" in h]) <= 25


def test_a_collection_claiming_a_huge_total_is_bounded_by_the_run(mal: Hostile) -> None:
    _endless(mal, total=2**53 - 1, per_page=200)
    run = run_verify(mal.pool, PRIVATE, "--quiet", "--timeout", "20", "--max-requests", "300", within=120)
    assert run.code == 2 and run.seconds < 60, run.seconds
    assert run.report["requests"] <= 300


def test_a_huge_body_is_refused_at_max_bytes(mal: Hostile) -> None:
    _ledger(mal, 1)
    mal.json(mal.pool + "/ledger/balances", {"fund": 100, "padding": "x" * (5 * 1024 * 1024)})
    run = run_verify(mal.pool, PRIVATE, "--quiet")
    assert run.code == 2
    assert run.verdicts("error"), run.report


def test_an_endless_body_is_cut_at_max_bytes(mal: Hostile) -> None:
    _ledger(mal, 1)

    def endless() -> tuple[int, dict[str, str], bytes]:
        return 200, {"Content-Type": "application/json", "Content-Length": str(10**12)}, b"[" * (2 * 1024 * 1024)

    mal.raw(mal.pool + "/ledger/balances", endless)
    run = run_verify(mal.pool, PRIVATE, "--quiet", "--max-bytes", "100000", within=120)
    assert run.code == 2 and run.seconds < 60


def test_a_slow_server_is_bounded_by_the_timeout(mal: Hostile) -> None:
    _ledger(mal, 1)
    mal.json(mal.pool + "/ledger", {"id": mal.pool + "/ledger"}, delay=60)
    started = time.monotonic()
    run = run_verify(mal.pool, PRIVATE, "--quiet", "--timeout", "5", within=120)
    assert run.code == 2 and time.monotonic() - started < 40, run.seconds
    assert run.verdicts("pass"), "what was checked before the timeout is reported"


def test_a_redirect_loop_stops(mal: Hostile) -> None:
    _ledger(mal, 1)
    for n in range(10):
        mal.raw(f"{mal.pool}/r{n}", lambda n=n: (302, {"Location": f"{mal.pool}/r{n + 1}"}, b""))
    mal.raw(mal.pool + "/ledger/balances", lambda: (302, {"Location": mal.pool + "/r0"}, b""))
    run = run_verify(mal.pool, PRIVATE, "--quiet")
    assert run.code == 2 and len([h for h in mal.hits if "/r" in h]) <= 3


def test_a_private_address_is_refused_without_the_flag_and_nothing_is_fetched(mal: Hostile) -> None:
    for url in (mal.pool, mal.pool.replace("127.0.0.1", "localhost"), "http://[::1]:9/pools/x",
                "http://169.254.169.254/latest/meta-data", "http://10.0.0.1/pools/x"):
        run = run_verify(url, "--quiet", "--timeout", "30", within=60)
        assert run.code == 2, (url, run.report)
        assert any("--allow-private-addresses" in c["detail"] for c in run.report["checks"]), run.report
    assert mal.hits == []


def test_a_redirect_to_the_metadata_address_is_refused(mal: Hostile) -> None:
    """With private addresses allowed for the pool's own network, a redirect to a link-local
    address (a cloud's metadata service) is still a redirect elsewhere; at least no answer."""
    mal.raw(mal.pool, lambda: (302, {"Location": "http://169.254.169.254/latest/meta-data"}, b""))
    run = run_verify(mal.pool, PRIVATE, "--quiet", "--timeout", "30", within=60)
    assert run.code == 2 and run.report["verdict"] == "incomplete"


@pytest.mark.parametrize("argv", [["not a url"], ["ftp://x.example/pools/a"], ["https://"], []])
def test_bad_arguments_are_exit_2_without_a_traceback(argv: list[str]) -> None:
    import subprocess
    import sys

    from tests.multinode.harness import REPO

    done = subprocess.run([sys.executable, "-m", "node.cli", "verify", *argv, "--json"],
                          capture_output=True, text=True, cwd=REPO, timeout=60)
    assert done.returncode == 2, (argv, done.stdout, done.stderr)
    assert "Traceback" not in done.stderr + done.stdout


@pytest.mark.parametrize("body", [
    b"[" * 100_000 + b"]" * 100_000,  # nesting deeper than any parser's recursion
    b'{"id": ' + b"9" * 100_000 + b"}",  # an integer of 100 000 digits
    b'{"id": NaN, "totalItems": Infinity}',
    b"<html>not json</html>",
    b"\xff\xfe\x00garbage",
    b'"just a string"',
], ids=["deep", "digits", "nan", "html", "bytes", "scalar"])
def test_a_malformed_document_is_an_error_not_a_traceback(mal: Hostile, body: bytes) -> None:
    mal.raw(mal.pool, lambda: (200, {"Content-Type": "application/activity+json"}, body))
    run = run_verify(mal.pool, PRIVATE, "--quiet", within=120)
    assert run.code == 2 and run.seconds < 60


@pytest.mark.parametrize("body", [
    b"[" * 100_000 + b"]" * 100_000,
    b'{"id": "x", "orderedItems": [' + b'{"a":' * 5000 + b"1" + b"}" * 5000 + b"]}",
], ids=["deep-ledger", "deep-item"])
def test_a_malformed_ledger_is_an_error_not_a_traceback(mal: Hostile, body: bytes) -> None:
    mal.raw(mal.pool + "/ledger", lambda: (200, {"Content-Type": "application/activity+json"}, body))
    run = run_verify(mal.pool, PRIVATE, "--quiet", within=120)
    assert run.code in (1, 2) and run.seconds < 60


def test_a_url_that_is_no_pool_proposal_or_flood_is_unknown(mal: Hostile) -> None:
    person = mal.base + "/users/eve"
    mal.json(person, {"@context": "https://www.w3.org/ns/activitystreams", "id": person, "type": "Person"})
    run = run_verify(person, PRIVATE, "--quiet")
    assert run.code == 2 and run.report["kind"] == "unknown"


def test_a_token_goes_to_the_origin_given_and_nowhere_else(mal: Hostile) -> None:
    """OPERATIONS.md: --token 'is sent only to the origin of the URL given, never to another
    server', whatever the record links to or redirects to."""
    _ledger(mal, 1)
    with hostile_server() as other:
        other.json(other.pool + "/proposals/x", {"id": other.pool + "/proposals/x", "type": "Proposal"})
        mal.json(mal.pool + "/proposals", {"id": mal.pool + "/proposals", "type": "OrderedCollection",
                                           "totalItems": 1, "orderedItems": [other.pool + "/proposals/x"]})
        mal.raw(mal.pool + "/ledger/balances", lambda: (302, {"Location": other.pool + "/balances"}, b""))
        other.json(other.pool + "/balances", {"fund": 100})
        run_verify(mal.pool, PRIVATE, "--quiet", "--token", "s3cret-token")
        assert other.hits, "the other server was never asked: the test proves nothing"
        assert other.authorized == [], other.authorized
    assert mal.authorized, "the token was not sent to the origin given"

"""``poolnode migrate-db``: move a node's SQLite database into PostgreSQL, then prove the copy.

The proof recomputes what members rely on from both copies: every pool's ledger (its head hash
and an intact chain) and every proposal's tally (the stored, signed Tally and a recount of the
ballots with the governance core; for a budget round, its stored result and a recount of its
buckets and allocations). Nothing is switched over: the operator sets
``database_url`` once the verdict is good.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from governance import (
    Allocation,
    Bucket,
    Budget,
    Proposal,
)
from governance.codec import datetime_from_str
from node.cli.common import Output
from node.cli.ledger import first_broken_entry
from node.config import ConfigError, check_database_url, load_config
from node.pool_engine.tallies import decode_ballots
from node.storage import ActorStore, BudgetStore, Database, GovernanceStore
from node.storage.database import StorageError, is_postgres_url
from node.storage.nul_rows import NulRow, check_removed, rows_with_nul
from node.storage.postgres import PostgresDatabase, safe_url
from node.storage.sqlite import SqliteDatabase
from node.storage.transfer import check_target_empty, copy_database, row_counts
from node.wire.budget import RESULT_FIELDS, result_document
from node.wire.classes import count, roll_of

__all__ = ["add_migrate_db", "compare"]


async def _facts(db: Database) -> dict[str, object]:
    """What both copies must agree on: ledger heads, chain checks, tallies and recounts."""
    actors, governance = ActorStore(db), GovernanceStore(db)
    facts: dict[str, object] = {}
    for pool in await actors.all("pool"):
        entries = await governance.ledger(pool.id)
        chain = first_broken_entry(entries)
        head = entries[-1].entry.get("hash") if entries else None
        facts[f"ledger {pool.uri}"] = (len(entries), head, chain)
        for stored in await governance.proposals_of_pool(pool.id, limit=2**62):
            proposal = Proposal.from_dict(stored.proposal)
            if stored.kind == "budget_round":
                facts[f"result {stored.uri}"] = await _round_facts(db, pool.uri, stored.id, proposal)
                continue
            ballots = decode_ballots(stored.uri, await governance.counted_ballots(stored.id))
            recount = count(proposal, roll_of(stored.proposal), ballots)[0].to_dict()
            stored_tally = await governance.tally_document(stored.id)
            facts[f"tally {stored.uri}"] = (
                json.dumps(recount, sort_keys=True), json.dumps(stored_tally, sort_keys=True)
            )
    return facts


async def _round_facts(db: Database, pool: str, row_id: int, proposal: Proposal) -> tuple[str, str]:
    """A budget round's recount from its stored buckets and allocations, and its stored result."""
    rows = BudgetStore(db)
    buckets = [(Bucket.from_dict(b.bucket), datetime_from_str(b.document["published"]))
               for b in await rows.buckets(row_id)]
    allocations = await rows.allocations(row_id)
    budget = Budget.recount(proposal, buckets, [Allocation.from_dict(a.allocation) for a in allocations])
    ours = result_document(budget, pool, [a.uri for a in allocations], final=True, updated="")
    stored = await GovernanceStore(db).tally_document(row_id)
    return (json.dumps({field: ours[field] for field in RESULT_FIELDS}, sort_keys=True),
            json.dumps(stored, sort_keys=True))


async def compare(source: Database, target: Database, tables: list[str]) -> list[str]:
    """Every difference between the two copies (none: the copy is proven)."""
    problems = []
    before, after = await row_counts(source, tables), await row_counts(target, tables)  # type: ignore[arg-type]
    for table in tables:
        if before[table] != after[table]:
            problems.append(f"{table}: {before[table]} rows in SQLite, {after[table]} in PostgreSQL")
    mine, theirs = await _facts(source), await _facts(target)
    for key in sorted(set(mine) | set(theirs)):
        if mine.get(key) != theirs.get(key):
            problems.append(f"{key} differs")
    for key, value in theirs.items():
        if key.startswith("ledger ") and isinstance(value, tuple) and value[2] is not None:
            problems.append(f"{key}: the chain breaks at entry {value[2]}")
    return problems


async def _open_source(source_dir: Path) -> SqliteDatabase:
    """The SQLite database of the node in ``source_dir``, opened; a clear error (creating
    nothing) when there is no node there to copy."""
    config = load_config(source_dir)
    source = Database.for_config(config)
    if not isinstance(source, SqliteDatabase):
        raise ConfigError(f"{source_dir} already uses PostgreSQL ({source.location})")
    if not source.path.is_file() or source.path.stat().st_size == 0:
        raise ConfigError(f"{source_dir} has no database to copy: {source.location} "
                          f"{'is empty' if source.path.is_file() else 'does not exist'}")
    await source.open(migrate=False)
    try:
        # A file without poolnode's tables is not migrated into one (nothing is written to it).
        if await source.schema_version() == 0:
            raise ConfigError(f"{source.location} holds no node: nothing to copy")
        await source.migrate()
        if not await ActorStore(source).all():
            raise ConfigError(f"{source.location} holds no node: nothing to copy")
    except BaseException:
        await source.close()
        raise
    return source


def _listed(rows: list[NulRow], most: int = 20) -> str:
    shown = "; ".join(str(row) for row in rows[:most])
    return shown + (f"; and {len(rows) - most} more" if len(rows) > most else "")


def _refuse_nul(source: SqliteDatabase, rows: list[NulRow]) -> None:
    raise StorageError(
        f"nothing was copied: these rows of {source.location} hold the character U+0000 (NUL), "
        f"which PostgreSQL cannot store in text: {_listed(rows)}. Run migrate-db again with "
        "--remove-nul to copy them without it (docs/OPERATIONS.md, \"Moving a self-hosted pool "
        "onto a provider\")"
    )


async def _migrate_db(args: argparse.Namespace, out: Output) -> int:
    if not is_postgres_url(args.to):
        raise ConfigError("--to must be a postgresql:// URL")
    try:
        check_database_url(args.to)
    except ConfigError as exc:
        raise ConfigError(f"--to: {exc.reason}") from None
    source = await _open_source(Path(args.source))
    target = PostgresDatabase(args.to, pool_size=2)
    try:
        with_nul = await rows_with_nul(source)
        if with_nul and not args.remove_nul:
            _refuse_nul(source, with_nul)
        await target.open(migrate=False)
        try:
            tables = list(await source.tables())
            await check_target_empty(target, tables)
            await target.migrate()
            out.progress(f"Copying {source.location} into {target.location} ...")
            if with_nul:
                out.progress(f"leaving U+0000 out of {len(with_nul)} rows: {_listed(with_nul)}")
            copied = await copy_database(source, target, out.progress, remove_nul=args.remove_nul)
            out.progress("Verifying: row counts, every ledger's head and chain, every tally ...")
            problems = await compare(source, target, list(copied))
            problems += await check_removed(source, target, with_nul)
        finally:
            await target.close()
    finally:
        await source.close()
    ok = not problems
    removed = (
        [f"Left U+0000 (NUL) out of the text of {len(with_nul)} rows, each checked against its "
         f"original: {_listed(with_nul)}."] if with_nul else []
    )
    out.emit(
        {"ok": ok, "rows": copied, "problems": problems, "to": safe_url(args.to),
         "nul_removed": [str(row) for row in with_nul]},
        (
            [f"Copied {sum(copied.values())} rows in {len(copied)} tables.", *removed,
             "VERIFIED: row counts, ledger heads and chains, and tallies (stored and recounted) "
             "are equal in both databases.",
             f"To serve from PostgreSQL, set database_url = \"{safe_url(args.to)}\" in "
             f"{Path(args.source) / 'poolnode.toml'} (or POOLNODE_DATABASE_URL) and restart."]
            if ok else
            ["NOT VERIFIED: the copy differs from the original; keep serving from SQLite.",
             *[f"  {p}" for p in problems]]
        ),
    )
    return 0 if ok else 1


def add_migrate_db(commands: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser) -> None:
    """The ``migrate-db`` command."""
    cmd = commands.add_parser(
        "migrate-db", parents=[common],
        help="copy a node's SQLite database into an empty PostgreSQL database and verify it",
    )
    cmd.add_argument("--from", dest="source", required=True, metavar="DATA_DIR",
                     help="the data directory of the node to copy (its SQLite database)")
    cmd.add_argument("--to", required=True, metavar="URL",
                     help="an empty PostgreSQL database, postgresql://USER:PASSWORD@HOST/NAME")
    cmd.add_argument("--remove-nul", action="store_true",
                     help="copy text holding U+0000 (NUL), which PostgreSQL cannot store, "
                     "without it (an older node may have stored some); each such row is listed "
                     "and checked")
    cmd.set_defaults(run=_migrate_db)

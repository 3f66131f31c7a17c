"""``poolnode ledger``: a pool's ledger entries, balances and hash-chain check."""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence

from governance import GovernanceError, verify_chain
from node.cli.common import Output, Stores, data_config, with_stores
from node.errors import NodeError
from node.storage import StoredEntry
from node.wire import entry_from_document

__all__ = ["add_ledger", "first_broken_entry"]


def first_broken_entry(stored: Sequence[StoredEntry]) -> int | None:
    """The sequence number (as the ledger lists it: 1, 2, ...) of the first entry that does
    not parse or does not chain onto the one before it; None if the chain is intact."""
    entries = []
    for found in stored:
        try:
            entries.append(entry_from_document(found.document))
        except (NodeError, GovernanceError):
            return found.sequence  # an entry that no longer parses is as broken as a wrong hash
    index = verify_chain(entries)
    return None if index is None else stored[index].sequence


async def _ledger(args: argparse.Namespace, out: Output) -> int:
    from governance import Bylaws, format_money
    from node.wire import replay_documents

    config = data_config(args)

    async def work(stores: Stores) -> int:
        pool = await stores.actors.get(args.pool, "pool")
        bylaws = Bylaws.from_dict(json.loads(await stores.actors.bylaws_json(pool.id)))
        stored = await stores.governance.ledger(pool.id)
        documents = [e.document for e in stored]
        bad = first_broken_entry(stored)
        ledger = replay_documents(bylaws.currency, documents) if bad is None else None
        data = {
            "pool": pool.uri,
            "currency": bylaws.currency,
            "entries": [e.entry for e in stored],
            "chain_ok": bad is None,
            "first_bad_entry": bad,
            "fund": ledger.fund if ledger else None,
            "balances": dict(sorted(ledger.balances.items())) if ledger else None,
            "head_hash": ledger.head if ledger else None,
        }
        lines = [f"{e.sequence:>5}  {e.entry.get('at', '')}  {e.entry.get('kind', ''):<14} {e.entry.get('memo', '')}"
                 for e in stored]
        if ledger is not None:
            lines += [f"Fund: {format_money(ledger.fund, bylaws.currency)}   chain verified ({len(stored)} entries, head {ledger.head[:16]}...)"]
        else:
            lines += [f"HASH CHAIN BROKEN at entry {bad}: the ledger was altered"]
        out.emit(data, lines if stored else [f"{pool.username}'s ledger is empty."])
        return 0 if bad is None else 1

    return await with_stores(config, work)


def add_ledger(commands: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser) -> None:
    """The ``ledger`` command."""
    ledger_cmd = commands.add_parser(
        "ledger", parents=[common], help="a pool's ledger: entries, balances, hash-chain check"
    )
    ledger_cmd.add_argument("pool", help="the pool's name")
    ledger_cmd.set_defaults(run=_ledger)

"""``poolnode proposal list``: a pool's proposals, newest first."""

from __future__ import annotations

import argparse

from node.cli.common import Output, Stores, data_config, with_stores

__all__ = ["add_proposal"]


_EFFECT_WORDS = {"waiting_funds": "waiting for funds", "lapsed": "lapsed", "pending": "being carried out",
                 "refused": "not carried out"}


def _outcome_words(outcome: str | None, effect: str) -> str:
    """E.g. 'passed, waiting for funds': a passed proposal's effect is part of its state."""
    words = outcome or "-"
    return f"{words}, {_EFFECT_WORDS[effect]}" if outcome == "passed" and effect in _EFFECT_WORDS else words


async def _proposal_list(args: argparse.Namespace, out: Output) -> int:
    config = data_config(args)

    async def work(stores: Stores) -> int:
        pool = await stores.actors.get(args.pool, "pool")
        found = await stores.governance.proposals_of_pool(pool.id, limit=args.limit)
        rows = [
            {
                "id": p.uri,
                "title": p.document.get("name", ""),
                "kind": p.kind,
                "state": p.state,
                "closes_at": p.closes_at,
                "outcome": p.outcome,
                "effect": p.effect,
                "effectReason": p.effect_reason,
            }
            for p in found
        ]
        lines = [
            f"{r['state']:<7} {_outcome_words(r['outcome'], r['effect']):<27}"
            f" closes {r['closes_at']}  {r['title']}  {r['id']}"
            for r in rows
        ]
        out.emit({"pool": pool.uri, "proposals": rows}, lines or [f"{pool.username} has no proposals yet."])
        return 0

    return await with_stores(config, work)


def add_proposal(commands: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser) -> None:
    """The ``proposal`` command group."""
    proposal = commands.add_parser("proposal", help="list a pool's proposals").add_subparsers(
        dest="proposal_command", metavar="ACTION", required=True
    )
    proposal_list = proposal.add_parser("list", parents=[common], help="a pool's proposals, newest first")
    proposal_list.add_argument("pool", help="the pool's name")
    proposal_list.add_argument("--limit", type=int, default=50, help="how many (default 50)")
    proposal_list.set_defaults(run=_proposal_list)

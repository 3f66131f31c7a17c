"""Budget rounds (Cobudget's equal allocations) on a pool: docs/PROTOCOL.md §Budget rounds.

Beside node/floods, above the pool engine, whose locks, ledger and publishing it uses:

* rounds: ``open_round`` (a member's ``budget_round`` draft, routed by node/routing.py);
  ``final_result`` and ``commit_buckets``, which the engine calls at the close and when its
  queue of obligations serves the round (``BUDGET_RESULT``, ``BUDGET_COMMIT``: the app factory
  hands them in, node/pool_engine/extensions.py)
* buckets: ``propose_bucket``; allocations: ``allocate``
* common: ``budget_of`` (a round recounted from its stored buckets and allocations),
  ``round_of``
"""

from node.budget.allocations import allocate
from node.budget.buckets import propose_bucket
from node.budget.common import RUNNING_RESULTS, buckets, budget_of, current_result, round_of
from node.budget.rounds import commit_buckets, final_result, is_round_draft, open_round

__all__ = [
    "RUNNING_RESULTS",
    "allocate",
    "buckets",
    "budget_of",
    "commit_buckets",
    "current_result",
    "final_result",
    "is_round_draft",
    "open_round",
    "propose_bucket",
    "round_of",
]

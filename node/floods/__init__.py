"""Floods over the network: pools linked by mutual follows deciding together (docs/PROTOCOL.md §Floods).

* links: ``decided(app, pool, stored, at)`` applies a passed JoinFlood/LeaveFlood proposal
  (the pool engine calls it through ``FLOOD_LINK_EFFECT``, node/pool_engine/extensions.py);
  ``follow_approved(app, pool, follower)`` tells the follow handler to accept a pool's Follow
* proposals: ``propose_flood`` (a member's draft naming a ``flood``), ``receive_proposal``,
  ``receive_electorate``; each pool freezes its own electorate and pledge
* ballots: ``cast_in_flood`` (a member's ballot via their pool, relayed: relay coalesces them
  per peer), ``receive_relayed`` and ``receive_relayed_many`` (one Announce, several ballots)
* reconcile: after the close, read every other pool's electorate and ballot list and fetch
  the ballots this node lacks; until every pool is reconciled the result is provisional
  (``pending_of``: the pools still waited for; ``list_complete``: whether a pool's own list is final)
* shares: a local pool's share of a passed disbursement, owed only once the result is final
* results: ``compute``, ``close_due``, ``receive_attestation``, ``floods_ctx``,
  ``flood_disbursement`` (what a treasurer pays a pool's flood commitment against; the engine
  reads it through ``FLOOD_DISBURSEMENT``)
"""

from node.floods.ballots import cast_in_flood, receive_relayed, receive_relayed_many
from node.floods.common import flood_pools, floods, linked
from node.floods.links import decided, follow_approved, link_lock
from node.floods.proposals import (
    is_flood_draft,
    propose_flood,
    receive_electorate,
    receive_proposal,
)
from node.floods.reconcile import flood_status, list_complete, pending_of
from node.floods.results import (
    close_due,
    compute,
    flood_disbursement,
    floods_ctx,
    receive_attestation,
)
from node.floods.shares import shares_view

__all__ = [
    "cast_in_flood",
    "close_due",
    "compute",
    "decided",
    "flood_disbursement",
    "flood_pools",
    "flood_status",
    "floods",
    "floods_ctx",
    "follow_approved",
    "is_flood_draft",
    "link_lock",
    "linked",
    "list_complete",
    "pending_of",
    "propose_flood",
    "receive_attestation",
    "receive_electorate",
    "receive_proposal",
    "receive_relayed",
    "receive_relayed_many",
    "shares_view",
]

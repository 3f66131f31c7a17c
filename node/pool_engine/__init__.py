"""The pool services the web app and the federation handlers call.

Every function takes the time it acts at (``at``); the governance core never reads a clock.

* membership: ``join(app, pool, person, join_id, at)``, ``accept_join``, ``reject_join``, ``leave``
* proposals: ``propose(app, draft_document, at)``, ``open_admission``
* ballots: ``verify_ballot(app, document)``, ``cast(app, document, at)``; poll_replies: ``cast_poll_reply``
* tallies: ``recount``, ``tally_of``, ``question_of``; running: the running-tally clock; closing: ``close_due(app, now)``, ``closing_ctx``
* ledger: ``record_request(app, treasurer, request, at)``, ``book_commitment``, ``balances``
* effects: ``carry_out`` (a closed proposal's effect); obligations: ``serve``, ``sweep``, ``effects_ctx``
* extensions: what floods add, handed in by the app factory (the engine never imports node.floods;
  a flood draft or ballot is routed by the callers: node/routing.py)
"""

from node.pool_engine.ballots import cast, verify_ballot
from node.pool_engine.closing import CLOSING_INTERVAL, close_due, closing_ctx
from node.pool_engine.ledger import balances, book_commitment, record_request
from node.pool_engine.membership import accept_join, join, leave, reject_join
from node.pool_engine.obligations import EFFECTS_INTERVAL, effects_ctx, serve, sweep
from node.pool_engine.poll_replies import cast_poll_reply
from node.pool_engine.proposals import open_admission, propose
from node.pool_engine.tallies import UNSIGNED_BALLOTS, question_of, recount, tally_of

__all__ = [
    "CLOSING_INTERVAL",
    "EFFECTS_INTERVAL",
    "UNSIGNED_BALLOTS",
    "accept_join",
    "balances",
    "book_commitment",
    "cast",
    "cast_poll_reply",
    "close_due",
    "closing_ctx",
    "effects_ctx",
    "join",
    "leave",
    "open_admission",
    "propose",
    "question_of",
    "record_request",
    "recount",
    "reject_join",
    "serve",
    "sweep",
    "tally_of",
    "verify_ballot",
]

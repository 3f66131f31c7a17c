"""The pure governance core of poolnode: bylaws, membership, proposals, tallies, ledger, floods.

No I/O, no clock, no randomness: time and ids are passed in; every result is deterministic.
"""

from governance.ballot_box import BallotBox
from governance.ballots import (
    Ballot,
    ConsentChoice,
    check_ballot,
    counted_ballot,
    counting_order,
)
from governance.budget import Bucket, Budget, BudgetResult
from governance.bylaws import AdmissionPolicy, Bylaws, Comparator, Threshold
from governance.electorate import Electorate, electorate_digest
from governance.errors import Conflict, GovernanceError, NotPermitted, RuleViolation
from governance.flood import (
    Flood,
    FloodDecision,
    FloodTally,
    flood_electorate,
    flood_tally,
    open_flood_proposal,
    split_pro_rata,
)
from governance.ledger import (
    EntryKind,
    Ledger,
    LedgerEntry,
    Posting,
    Transaction,
    commit_disbursement,
    contribution,
    donation,
    pay,
    pay_disbursement,
    refund,
    release,
    verify_chain,
)
from governance.membership import Membership, MemberState, Role, Roster
from governance.money import format_money
from governance.proposals import (
    Admission,
    BallotType,
    BudgetRound,
    BylawsChange,
    Decision,
    Disbursement,
    Expulsion,
    FrozenRule,
    JoinFlood,
    Kind,
    LeaveFlood,
    Proposal,
    open_proposal,
)
from governance.render import render_bylaws
from governance.tally import Change, Outcome, Tally, TallyState, decided_early, tally

__all__ = [
    "Admission",
    "AdmissionPolicy",
    "Ballot",
    "BallotBox",
    "BallotType",
    "Bucket",
    "Budget",
    "BudgetResult",
    "BudgetRound",
    "Bylaws",
    "BylawsChange",
    "Change",
    "Comparator",
    "Conflict",
    "ConsentChoice",
    "Decision",
    "Disbursement",
    "Electorate",
    "EntryKind",
    "Expulsion",
    "Flood",
    "FloodDecision",
    "FloodTally",
    "FrozenRule",
    "GovernanceError",
    "JoinFlood",
    "Kind",
    "LeaveFlood",
    "Ledger",
    "LedgerEntry",
    "MemberState",
    "Membership",
    "NotPermitted",
    "Outcome",
    "Posting",
    "Proposal",
    "Role",
    "Roster",
    "RuleViolation",
    "Tally",
    "TallyState",
    "Threshold",
    "Transaction",
    "check_ballot",
    "commit_disbursement",
    "contribution",
    "counted_ballot",
    "counting_order",
    "decided_early",
    "donation",
    "electorate_digest",
    "flood_electorate",
    "flood_tally",
    "format_money",
    "open_flood_proposal",
    "open_proposal",
    "pay",
    "pay_disbursement",
    "refund",
    "release",
    "render_bylaws",
    "split_pro_rata",
    "tally",
    "verify_chain",
]

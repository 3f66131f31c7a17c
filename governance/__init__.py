"""The pure governance core of poolnode: bylaws, membership, proposals, tallies, ledger, floods.

No I/O, no clock, no randomness: time and ids are passed in; every result is deterministic.
"""

from governance.ballots import Ballot, ConsentChoice, check_ballot
from governance.bylaws import AdmissionPolicy, Bylaws, Comparator, Threshold
from governance.electorate import Electorate, electorate_digest
from governance.errors import Conflict, GovernanceError, NotPermitted, RuleViolation
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
    "BallotType",
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
    "Expulsion",
    "FrozenRule",
    "GovernanceError",
    "JoinFlood",
    "Kind",
    "LeaveFlood",
    "MemberState",
    "Membership",
    "NotPermitted",
    "Outcome",
    "Proposal",
    "Role",
    "Roster",
    "RuleViolation",
    "Tally",
    "TallyState",
    "Threshold",
    "check_ballot",
    "decided_early",
    "electorate_digest",
    "format_money",
    "open_proposal",
    "render_bylaws",
    "tally",
]

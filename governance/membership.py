"""Membership: an immutable roster of persons, their states and roles, and its transitions."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from types import MappingProxyType

from governance.bylaws import AdmissionPolicy, Bylaws
from governance.codec import utc
from governance.electorate import Electorate
from governance.errors import Conflict, NotPermitted, RuleViolation
from governance.proposals import Admission, Expulsion, Proposal, RoleChange
from governance.tally import Outcome, Tally

__all__ = ["MemberState", "Membership", "Role", "Roster"]


class MemberState(StrEnum):
    """Where a person stands with the pool."""

    APPLICANT = "applicant"
    MEMBER = "member"
    LEFT = "left"
    EXPELLED = "expelled"


class Role(StrEnum):
    """Duties a member may hold; a role never carries an extra vote."""

    MEMBER = "member"
    STEWARD = "steward"
    TREASURER = "treasurer"


@dataclass(frozen=True, slots=True)
class Membership:
    """One person's standing: state, roles, paid-in share and the times that matter."""

    person: str
    state: MemberState
    since: datetime
    roles: frozenset[Role] = frozenset()
    share_paid: int = 0

    def has(self, role: Role) -> bool:
        """Whether this is a current member holding ``role``."""
        return self.state is MemberState.MEMBER and role in self.roles


def _check_decision(proposal: Proposal, result: Tally, motion: type, person: str) -> None:
    if not isinstance(proposal.motion, motion) or getattr(proposal.motion, "person", None) != (
        person
    ):
        raise RuleViolation("wrong_proposal", "the decision is not about this person")
    if result.proposal_id != proposal.id or result.electorate_digest != proposal.electorate.digest:
        raise RuleViolation("wrong_proposal", "the tally is not this proposal's")
    if result.outcome is not Outcome.PASSED:
        raise NotPermitted("not_passed", "the proposal did not pass")


@dataclass(frozen=True, slots=True)
class Roster:
    """Everyone who ever applied; operations return a new Roster."""

    entries: Mapping[str, Membership] = field(default_factory=lambda: MappingProxyType({}))

    @classmethod
    def found(cls, founders: Iterable[str], at: datetime) -> Roster:
        """A new pool whose founders are members holding every role."""
        when = utc(at)
        roles = frozenset(Role)
        entries = {p: Membership(p, MemberState.MEMBER, when, roles) for p in founders}
        if not entries:
            raise RuleViolation("no_founders", "a pool needs at least one founder")
        return cls(MappingProxyType(entries))

    def get(self, person: str) -> Membership | None:
        """The person's membership record, if any."""
        return self.entries.get(person)

    def state_of(self, person: str) -> MemberState | None:
        """The person's state, if known."""
        entry = self.entries.get(person)
        return None if entry is None else entry.state

    def is_member(self, person: str) -> bool:
        """Whether ``person`` is a current member."""
        return self.state_of(person) is MemberState.MEMBER

    def members(self) -> tuple[str, ...]:
        """Current members, sorted."""
        return tuple(sorted(p for p, m in self.entries.items() if m.state is MemberState.MEMBER))

    def electorate(self) -> Electorate:
        """The electorate to freeze into a proposal opening now: exactly the current members."""
        return Electorate(frozenset(self.members()))

    def _with(self, entry: Membership) -> Roster:
        entries = dict(self.entries)
        entries[entry.person] = entry
        return Roster(MappingProxyType(entries))

    def _member(self, person: str) -> Membership:
        entry = self.entries.get(person)
        if entry is None or entry.state is not MemberState.MEMBER:
            raise RuleViolation("not_a_member", f"{person} is not a member")
        return entry

    def apply(self, person: str, at: datetime) -> Roster:
        """``person`` applies to join (again, after leaving or expulsion)."""
        if not isinstance(person, str) or not person or "\n" in person:
            raise RuleViolation("invalid_person", "person ids must be non-empty single-line text")
        state = self.state_of(person)
        if state is MemberState.MEMBER:
            raise Conflict("already_member", "that person is already a member")
        if state is MemberState.APPLICANT:
            raise Conflict("already_applied", "that person has already applied")
        return self._with(Membership(person, MemberState.APPLICANT, utc(at)))

    def record_share(self, person: str, amount: int, by: str) -> Roster:
        """A treasurer confirms that ``person`` paid ``amount`` towards their share."""
        if not self._treasurer(by):
            raise NotPermitted("not_permitted", "only a treasurer may confirm payments")
        if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
            raise RuleViolation("invalid_amount", "a payment must be a positive integer amount")
        entry = self.entries.get(person)
        if entry is None or entry.state not in (MemberState.APPLICANT, MemberState.MEMBER):
            raise RuleViolation("not_a_member", f"{person} is neither applicant nor member")
        return self._with(replace(entry, share_paid=entry.share_paid + amount))

    def _treasurer(self, person: str) -> bool:
        entry = self.entries.get(person)
        return entry is not None and entry.has(Role.TREASURER)

    def _admit(self, person: str, at: datetime, bylaws: Bylaws) -> Roster:
        entry = self.entries.get(person)
        if entry is None or entry.state is not MemberState.APPLICANT:
            if entry is not None and entry.state is MemberState.MEMBER:
                raise Conflict("already_member", "that person is already a member")
            raise RuleViolation("not_an_applicant", "only an applicant can be admitted")
        # Our choice: the minimum share is paid before admission, so every member holds one.
        if entry.share_paid < bylaws.min_share:
            raise RuleViolation("share_unpaid", "the minimum share has not been paid")
        return self._with(
            Membership(person, MemberState.MEMBER, utc(at), frozenset({Role.MEMBER}),
                       entry.share_paid)
        )

    def admit(self, person: str, at: datetime, bylaws: Bylaws, *, by: str | None = None) -> Roster:
        """Admit an applicant under the open or steward policy (``by`` is the steward)."""
        if bylaws.admission is AdmissionPolicy.VOTE:
            raise NotPermitted("admission_needs_vote", "admission is decided by a member vote")
        if bylaws.admission is AdmissionPolicy.STEWARD:
            entry = self.entries.get(by) if by is not None else None
            if entry is None or not entry.has(Role.STEWARD):
                raise NotPermitted("not_permitted", "only a steward may admit members")
        return self._admit(person, at, bylaws)

    def reject(self, person: str, at: datetime, bylaws: Bylaws, *, by: str) -> Roster:
        """A steward turns an application down (open or steward policy); they may apply again.

        Under the member-vote policy the admission proposal decides, so no one person may.
        A share the applicant already paid is refunded through the ledger, as on leaving.
        """
        if bylaws.admission is AdmissionPolicy.VOTE:
            raise NotPermitted("admission_needs_vote", "admission is decided by a member vote")
        steward = self.entries.get(by)
        if steward is None or steward.state is not MemberState.MEMBER or not steward.has(Role.STEWARD):
            raise NotPermitted("not_permitted", "only a steward may turn an application down")
        entry = self.entries.get(person)
        if entry is None or entry.state is not MemberState.APPLICANT:
            raise RuleViolation("not_an_applicant", "only an applicant can be turned down")
        return self._with(Membership(entry.person, MemberState.LEFT, utc(at)))

    def admit_by_vote(
        self, proposal: Proposal, result: Tally, at: datetime, bylaws: Bylaws
    ) -> Roster:
        """Admit the subject of a passed admission proposal (any policy allows a vote)."""
        person = getattr(proposal.motion, "person", "")
        _check_decision(proposal, result, Admission, person)
        return self._admit(person, at, bylaws)

    def leave(self, person: str, at: datetime) -> Roster:
        """A member leaves; roles end (the capital refund is booked in the ledger)."""
        entry = self._member(person)
        return self._with(Membership(entry.person, MemberState.LEFT, utc(at)))

    def expel(self, proposal: Proposal, result: Tally, at: datetime) -> Roster:
        """Expel the subject of a passed expulsion proposal."""
        person = getattr(proposal.motion, "person", "")
        _check_decision(proposal, result, Expulsion, person)
        entry = self._member(person)
        return self._with(Membership(entry.person, MemberState.EXPELLED, utc(at)))

    def change_role(self, proposal: Proposal, result: Tally) -> Roster:
        """Grant or revoke the role a passed role-change proposal names (still one vote each)."""
        motion = proposal.motion
        _check_decision(proposal, result, RoleChange, getattr(motion, "person", ""))
        assert isinstance(motion, RoleChange)
        role = Role(motion.role)
        return self.grant(motion.person, role) if motion.grant else self.revoke(motion.person, role)

    def grant(self, person: str, role: Role) -> Roster:
        """Give a member a role (who may grant is the pool's decision, recorded elsewhere)."""
        entry = self._member(person)
        return self._with(replace(entry, roles=entry.roles | {role}))

    def revoke(self, person: str, role: Role) -> Roster:
        """Take a role from a member."""
        entry = self._member(person)
        if role is Role.MEMBER:
            raise RuleViolation("invalid_role", "membership itself is ended by leave or expel")
        return self._with(replace(entry, roles=entry.roles - {role}))

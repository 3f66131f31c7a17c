"""The treasurer's reference of money received is part of the booked entry (issue 15)."""

from governance import Roster
from governance.ledger import Ledger, contribution, donation, verify_chain
from tests.governance.builders import T0, at, people

A, B = people(2)


def test_a_contribution_and_a_donation_keep_the_treasurers_reference_under_the_hash() -> None:
    roster = Roster.found([A], T0).apply(B, at(1))
    ledger = Ledger("EUR")
    ledger = ledger.apply(contribution("c1", at(2), ledger, B, 2500, by=A, roster=roster,
                                       reference="bank transfer 17"))
    ledger = ledger.apply(donation("d1", at(3), ledger, "Bakery", 900, by=A, roster=roster,
                                   reference="cash at the fair"))
    assert [e.transaction.reference for e in ledger.entries] == ["bank transfer 17", "cash at the fair"]
    assert ledger.entries[0].transaction.to_dict()["reference"] == "bank transfer 17"
    assert verify_chain(ledger.entries) is None
    # Without a reference the entry is exactly what it was before (old chains still replay).
    plain = contribution("c2", at(4), ledger, B, 100, by=A, roster=roster)
    assert plain.reference is None

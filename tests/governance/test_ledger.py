from dataclasses import replace
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from governance import Disbursement, GovernanceError, Roster, open_proposal, tally
from governance.ledger import (
    FUND,
    GENESIS,
    EntryKind,
    Ledger,
    LedgerEntry,
    Posting,
    Transaction,
    capital_account,
    commit_disbursement,
    commitment_account,
    contribution,
    donation,
    external_account,
    lapse_commitment,
    owe_refund,
    owed_account,
    pay,
    pay_disbursement,
    pay_owed_refund,
    refund,
    release,
    verify_chain,
)
from tests.governance.builders import T0, at, ballot, bylaws, people

A, B, C = people(3)
SHOP = "https://shop.example"


def setup() -> tuple[Roster, Ledger]:
    roster = Roster.found([A], T0).apply(B, at(1))
    ledger = Ledger("EUR")
    ledger = ledger.apply(contribution("c1", at(2), ledger, A, 5000, by=A, roster=roster))
    ledger = ledger.apply(contribution("c2", at(3), ledger, B, 2500, by=A, roster=roster))
    return roster, ledger


def passed_disbursement(roster: Roster, amount: int = 3000):  # type: ignore[no-untyped-def]
    p = open_proposal(id="p1", author=A, title="Drill", motion=Disbursement(amount, "EUR", SHOP, "drill"),
                      bylaws=bylaws(), electorate=roster.electorate(), opens_at=T0)
    return p, tally(p.rule, p.electorate, [ballot(A, "agree")])


def test_contributions_credit_capital_and_debit_the_fund() -> None:
    _, ledger = setup()
    assert ledger.fund == 7500
    assert ledger.balance(capital_account(A)) == -5000 and ledger.capital_of(A) == 5000
    assert sum(ledger.balances.values()) == 0
    assert [(s.entry_id, s.amount, s.balance) for s in ledger.statement(B)] == [("c2", 2500, 2500)]
    assert verify_chain(ledger.entries) is None
    assert ledger.entries[0].prev_hash == GENESIS


def test_disbursement_commit_and_payment() -> None:
    roster, ledger = setup()
    p, t = passed_disbursement(roster)
    after = p.rule.closes_at + timedelta(minutes=1)
    ledger = ledger.apply(commit_disbursement("d1", after, ledger, p, t, 2000))
    ledger = ledger.apply(commit_disbursement("d2", after, ledger, p, t, 1000))
    assert ledger.fund == 4500 and ledger.balance(commitment_account("p1")) == 3000
    with pytest.raises(GovernanceError) as info:
        commit_disbursement("d3", after, ledger, p, t, 1)
    assert info.value.code == "exceeds_approved"
    # Rebuilding an already booked commitment is allowed and applying it again is a no-op.
    again = commit_disbursement("d2", after, ledger, p, t, 1000)
    assert ledger.apply(again) is ledger
    ledger = ledger.apply(pay_disbursement("x1", after, ledger, p, 2500, reference="IBAN-42",
                                           by=A, roster=roster))
    assert ledger.balance(external_account(SHOP)) == 2500
    ledger = ledger.apply(release("r1", after, ledger, "p1", 500, by=A, roster=roster))
    assert ledger.fund == 5000 and ledger.balance(commitment_account("p1")) == 0
    with pytest.raises(GovernanceError) as info:
        pay("x2", after, ledger, "p1", SHOP, 1, reference="r", by=A, roster=roster)
    # docs/PROTOCOL.md: paying more than a commitment holds is refused as exceeds_approved.
    assert info.value.code == "exceeds_approved"


def test_disbursement_rejections() -> None:
    roster, ledger = setup()
    p, t = passed_disbursement(roster)
    after = p.rule.closes_at
    cases = [
        (lambda: commit_disbursement("d", T0, ledger, p, t, 10), "proposal_open", 409),
        (lambda: commit_disbursement("d", after, ledger, p, tally(p.rule, p.electorate, []), 10),
         "not_passed", 403),
        (lambda: commit_disbursement("d", after, ledger, p, t, 0), "invalid_amount", 422),
        (lambda: commit_disbursement("d", after, ledger, replace(p, id="p2"), t, 10),
         "wrong_proposal", 422),
        (lambda: pay("x", after, ledger, "p1", SHOP, 10, reference="", by=A, roster=roster),
         "missing_reference", 422),
        (lambda: pay("x", after, ledger, "p1", SHOP, 10, reference="r", by=B, roster=roster),
         "not_permitted", 403),
        (lambda: contribution("c", after, ledger, C, 10, by=A, roster=roster), "not_a_member", 422),
        (lambda: refund("f", after, ledger, A, roster), "still_member", 422),
        (lambda: donation("c", after, ledger, C, -5, by=A, roster=roster), "invalid_amount", 422),
    ]
    for action, code, status in cases:
        with pytest.raises(GovernanceError) as info:
            action()
        assert (info.value.code, info.value.status_hint) == (code, status)


def test_refund_on_leaving() -> None:
    roster, ledger = setup()
    roster = roster.record_share(B, 2500, by=A).admit(B, at(4), bylaws(), by=A).leave(B, at(5))
    ledger = ledger.apply(refund("f1", at(6), ledger, B, roster))
    assert ledger.capital_of(B) == 0 and ledger.fund == 5000
    assert [s.amount for s in ledger.statement(B)] == [2500, -2500]
    with pytest.raises(GovernanceError) as info:
        refund("f2", at(7), ledger, B, roster)
    assert info.value.code == "nothing_to_refund"


def test_refund_cannot_overdraw_the_fund() -> None:
    roster, ledger = setup()
    ledger = ledger.apply(Transaction("out", at(4), EntryKind.PAYMENT, "EUR",
                                      (Posting(external_account(SHOP), 7000), Posting(FUND, -7000))))
    roster = roster.leave(A, at(5))
    with pytest.raises(GovernanceError) as info:
        ledger.apply(refund("f", at(6), ledger, A, roster))
    assert info.value.code == "overdraft"


@pytest.mark.parametrize(
    ("postings", "code"),
    [
        ((Posting(FUND, 5), Posting(capital_account(A), -4)), "unbalanced"),
        ((Posting(FUND, 5),), "unbalanced"),
        ((Posting(FUND, 5), Posting(FUND, -5)), "invalid_entry"),
    ],
)
def test_unbalanced_transactions_are_refused(postings: tuple[Posting, ...], code: str) -> None:
    with pytest.raises(GovernanceError) as info:
        Transaction("t", T0, EntryKind.DONATION, "EUR", postings)
    assert info.value.code == code


def test_bad_postings_and_currency() -> None:
    for account, amount in (("bank", 5), ("capital:", 5), (FUND, 0), (FUND, True)):
        with pytest.raises(GovernanceError):
            Posting(account, amount)  # type: ignore[arg-type]
    tx = Transaction("t", T0, EntryKind.DONATION, "USD",
                     (Posting(FUND, 5), Posting(external_account(C), -5)))
    with pytest.raises(GovernanceError) as info:
        Ledger("EUR").apply(tx)
    assert info.value.code == "currency_mismatch"


def test_same_id_different_content_conflicts() -> None:
    roster, ledger = setup()
    first = ledger.get("c1")
    assert first is not None and ledger.apply(first.transaction) is ledger
    other = contribution("c1", at(2), ledger, A, 5001, by=A, roster=roster)
    with pytest.raises(GovernanceError) as info:
        ledger.apply(other)
    assert (info.value.code, info.value.status_hint) == ("entry_id_conflict", 409)


def test_entry_dict_round_trip_and_shape() -> None:
    _, ledger = setup()
    entry = ledger.entries[0]
    data = entry.to_dict()
    assert data == {
        "id": "c1",
        "at": "2025-03-01T12:02:00Z",
        "kind": "contribution",
        "currency": "EUR",
        "postings": [{"account": "fund", "amount": 5000},
                     {"account": f"capital:{A}", "amount": -5000}],
        "memo": "",
        "reference": None,
        "recorded_by": A,
        "prev_hash": GENESIS,
        "hash": entry.hash,
    }
    assert LedgerEntry.from_dict(data) == entry
    assert Ledger.replay("EUR", [LedgerEntry.from_dict(e.to_dict()) for e in ledger.entries]) == ledger
    tampered = [ledger.entries[0], replace(ledger.entries[1], prev_hash=GENESIS)]
    with pytest.raises(GovernanceError) as info:
        Ledger.replay("EUR", tampered)
    assert info.value.code == "broken_chain"


# --- properties ------------------------------------------------------------------------------

OPS = st.lists(
    st.tuples(st.sampled_from(["contribute", "donate", "commit", "pay", "release", "leave",
                               "repay"]),
              st.sampled_from(people(4)), st.integers(1, 5000)),
    max_size=30,
)


LEFT_WITH: dict[str, int] = {}


def _run(ops) -> Ledger:  # type: ignore[no-untyped-def]
    everyone = people(4)
    LEFT_WITH.clear()
    roster = Roster.found(everyone, T0)
    ledger = Ledger("EUR")
    for n, (op, person, amount) in enumerate(ops):
        when = at(n)
        try:
            if op == "contribute":
                tx = contribution(f"e{n}", when, ledger, person, amount, by=everyone[0], roster=roster)
            elif op == "donate":
                tx = donation(f"e{n}", when, ledger, person, amount, by=everyone[0], roster=roster)
            elif op == "commit":
                tx = Transaction(f"e{n}", when, EntryKind.COMMITMENT, "EUR",
                                 (Posting(commitment_account("k"), amount), Posting(FUND, -amount)))
            elif op == "pay":
                tx = pay(f"e{n}", when, ledger, "k", person, amount, reference="r",
                         by=everyone[0], roster=roster)
            elif op == "release":
                tx = release(f"e{n}", when, ledger, "k", amount, by=everyone[0], roster=roster)
            elif op == "repay":
                tx = pay_owed_refund(f"e{n}", when, ledger, person)
            else:
                if person == everyone[0]:
                    continue
                roster = roster.leave(person, when)
                LEFT_WITH[person] = LEFT_WITH.get(person, 0) + ledger.capital_of(person)
                # What the engine does: refund now if the fund covers it, else owe it.
                if ledger.capital_of(person) > ledger.fund:
                    tx = owe_refund(f"e{n}", when, ledger, person, roster)
                else:
                    tx = refund(f"e{n}", when, ledger, person, roster)
            ledger = ledger.apply(tx)
        except GovernanceError as exc:
            assert exc.code in {"overdraft", "nothing_to_refund", "not_a_member", "still_member",
                                "exceeds_approved"}
    return ledger


@settings(max_examples=150, deadline=None)
@given(OPS)
def test_ledger_sums_to_zero_and_never_overdraws(ops) -> None:  # type: ignore[no-untyped-def]
    ledger = _run(ops)
    assert sum(ledger.balances.values()) == 0
    for entry in ledger.entries:
        assert sum(p.amount for p in entry.transaction.postings) == 0
    for account, balance in ledger.balances.items():
        if account == FUND or account.startswith("commitment:"):
            assert balance >= 0
        if account.startswith(("capital:", "owed:")):
            assert balance <= 0
    # Whatever capital a person had when leaving is exactly what was refunded plus what is owed.
    for person, capital in LEFT_WITH.items():
        refunded = sum(p.amount for e in ledger.entries if e.transaction.kind is EntryKind.REFUND
                       for p in e.transaction.postings if p.account == FUND
                       and e.transaction.reference == person)
        assert -refunded + ledger.owed_to(person) == capital
        assert ledger.capital_of(person) == 0
    assert verify_chain(ledger.entries) is None
    assert Ledger.replay("EUR", ledger.entries) == ledger


@settings(max_examples=150, deadline=None)
@given(OPS, st.data())
def test_hash_chain_detects_any_edit(ops, data) -> None:  # type: ignore[no-untyped-def]
    ledger = _run(ops)
    entries = list(ledger.entries)
    if not entries:
        entries = list(_run([("donate", people(1)[0], 1)]).entries)
    i = data.draw(st.integers(0, len(entries) - 1))
    tx = entries[i].transaction
    edit = data.draw(st.sampled_from(["amount", "memo", "time", "drop", "swap"]))
    if edit == "amount":
        first, second = tx.postings[0], tx.postings[1]
        changed = replace(tx, postings=(replace(first, amount=first.amount + 1),
                                        replace(second, amount=second.amount - 1), *tx.postings[2:]))
        entries[i] = replace(entries[i], transaction=changed)
        bad = i
    elif edit == "memo":
        entries[i] = replace(entries[i], transaction=replace(tx, memo=tx.memo + "!"))
        bad = i
    elif edit == "time":
        entries[i] = replace(entries[i], transaction=replace(tx, at=tx.at + timedelta(seconds=1)))
        bad = i
    elif edit == "drop":
        if len(entries) == 1:
            entries[0] = replace(entries[0], prev_hash="f" * 64)
            bad = 0
        else:
            del entries[i]
            bad = i if i < len(entries) else None  # dropping the last entry leaves a valid prefix
    else:
        if len(entries) < 2:
            entries[0] = replace(entries[0], hash="0" * 64)
            bad = 0
        else:
            j = min(i, len(entries) - 2)
            entries[j], entries[j + 1] = entries[j + 1], entries[j]
            bad = j
    assert verify_chain(entries) == bad


def test_release_and_lapse_return_only_what_a_commitment_still_holds() -> None:
    roster, ledger = setup()
    p, t = passed_disbursement(roster)
    after = p.rule.closes_at + timedelta(minutes=1)
    ledger = ledger.apply(commit_disbursement("d1", after, ledger, p, t, 3000))
    with pytest.raises(GovernanceError) as info:
        release("r0", after, ledger, "p1", 3001, by=A, roster=roster)
    assert info.value.code == "exceeds_approved"
    ledger = ledger.apply(release("r1", after, ledger, "p1", 1000, by=A, roster=roster))
    lapse = timedelta(days=30)
    with pytest.raises(GovernanceError) as info:
        lapse_commitment("l0", after + lapse - timedelta(seconds=1), ledger, "p1",
                         committed_at=after, lapse=lapse)
    assert info.value.code == "not_due"
    with pytest.raises(GovernanceError) as info:
        lapse_commitment("l0", after + lapse, ledger, "p1", committed_at=after, lapse=timedelta(0))
    assert info.value.code == "no_lapse"
    fund = ledger.fund
    ledger = ledger.apply(lapse_commitment("l1", after + lapse, ledger, "p1", committed_at=after,
                                           lapse=lapse))
    assert ledger.balance(commitment_account("p1")) == 0 and ledger.fund == fund + 2000
    assert ledger.entries[-1].transaction.reference == "lapsed"
    with pytest.raises(GovernanceError) as info:
        lapse_commitment("l2", after + lapse, ledger, "p1", committed_at=after, lapse=lapse)
    assert info.value.code == "nothing_to_release"


def test_a_refund_the_fund_cannot_cover_is_owed_then_paid_whole() -> None:
    roster, ledger = setup()
    p, t = passed_disbursement(roster)
    after = p.rule.closes_at + timedelta(minutes=1)
    capital = ledger.capital_of(A)
    assert capital > 0
    ledger = ledger.apply(commit_disbursement("d1", after, ledger, p, t, ledger.fund - capital + 1))
    roster = roster.leave(A, after)
    with pytest.raises(GovernanceError) as info:
        ledger.apply(refund("f1", after, ledger, A, roster))
    assert info.value.code == "overdraft"
    ledger = ledger.apply(owe_refund("o1", after, ledger, A, roster))
    assert ledger.capital_of(A) == 0 and ledger.owed_to(A) == capital
    assert ledger.balance(owed_account(A)) == -capital
    with pytest.raises(GovernanceError) as info:
        ledger.apply(pay_owed_refund("f2", after, ledger, A))
    assert info.value.code == "overdraft"
    ledger = ledger.apply(Transaction("g1", after, EntryKind.DONATION, "EUR",
                                      (Posting(FUND, 1), Posting(external_account("friend"), -1))))
    ledger = ledger.apply(pay_owed_refund("f3", after, ledger, A))
    assert ledger.owed_to(A) == 0 and ledger.fund == 0
    with pytest.raises(GovernanceError) as info:
        pay_owed_refund("f4", after, ledger, A)
    assert info.value.code == "nothing_to_refund"


"""Invite links (issue 15, onboarding): a steward makes one; opening it creates an account and
applies in one form, under the pool's admission policy; stewards see who has paid."""

from __future__ import annotations

import dataclasses
import json
import re

import pytest

from governance import AdmissionPolicy
from node.accounts import create_member
from node.appkeys import ACTORS, CONFIG
from node.pool_engine.common import store
from node.pools import load_bylaws
from tests.web.helpers import HTML, PASSWORD, csrf_of, page, post_form, set_password, sign_in

pytestmark = pytest.mark.both_backends

_LINK = re.compile(r'id="new-link">([^<]+)<')


async def _policy(client, admission: AdmissionPolicy, min_share: int = 0) -> None:  # type: ignore[no-untyped-def]
    actors = client.app[ACTORS]
    pool = await actors.get("commons", "pool")
    bylaws = dataclasses.replace(await load_bylaws(actors, pool), admission=admission,
                                 min_share=min_share)
    await actors.set_bylaws_json(pool.id, json.dumps(bylaws.to_dict()))


async def _make_link(client, days: str = "7", uses: str = "2", note: str = "") -> str:  # type: ignore[no-untyped-def]
    response = await post_form(client, "/pools/commons/invitations",
                               {"days": days, "max_uses": uses, "note": note}, status=201)
    match = _LINK.search(await response.text())
    assert match, "the new link is shown"
    assert match[1].startswith(client.app[CONFIG].base_url + "/invite/")
    return match[1].removeprefix(client.app[CONFIG].base_url)


async def _state(client, username: str) -> str | None:  # type: ignore[no-untyped-def]
    actors = client.app[ACTORS]
    pool, person = await actors.get("commons", "pool"), await actors.get(username, "member")
    row = await store(client.app).membership(pool.id, person.uri)
    return row.state if row else None


async def _accept(client, path: str, username: str, *, reference: str = "", status: int = 303):  # type: ignore[no-untyped-def]
    client.session.cookie_jar.clear()
    return await post_form(client, path, {
        "username": username, "display_name": username.title(), "password": PASSWORD,
        "password2": PASSWORD, "reference": reference}, status=status)


async def test_invite_link_makes_an_account_and_applies_with_registrations_closed(client) -> None:
    await _policy(client, AdmissionPolicy.STEWARD, min_share=2000)
    await set_password(client, "admin")
    await sign_in(client, "admin")
    path = await _make_link(client, note="Transfer to IBAN DE00 1234, or cash at the meeting.")
    assert path.startswith("/invite/")
    client.session.cookie_jar.clear()
    await page(client, "/signup", status=403)  # closed to anyone who comes by
    invite = await page(client, path)
    assert "EUR 20.00" in invite and "Transfer to IBAN DE00 1234" in invite
    assert "A steward admits you" in invite
    response = await _accept(client, path, "nadia", reference="transfer 7")
    assert response.headers["Location"] == "/pools/commons/application"
    assert await _state(client, "nadia") == "applicant"
    # The applicant (signed in by the form) sees what is due and how to pay it.
    mine = await page(client, "/pools/commons/application")
    assert "Your application is waiting" in mine and "EUR 20.00" in mine
    assert "Transfer to IBAN DE00 1234" in mine and "share commons @nadia" in mine
    # The steward sees the claim and that nothing is confirmed yet.
    await sign_in(client, "admin")
    steward = await page(client, "/pools/commons/invitations")
    assert "@nadia" in steward and "transfer 7" in steward and "EUR 20.00 due" in steward
    assert "1 of 2" in steward


async def test_the_link_counts_its_uses_and_refuses_once_used_up(client) -> None:
    await _policy(client, AdmissionPolicy.OPEN)
    await set_password(client, "admin")
    await sign_in(client, "admin")
    path = await _make_link(client, uses="1")
    await _accept(client, path, "nadia")
    assert await _state(client, "nadia") == "member"  # open pool: member at once
    gone = await client.get(path, headers=HTML)
    assert gone.status == 410 and "used it" in await gone.text()
    client.session.cookie_jar.clear()
    html = await page(client, "/signin")
    refused = await client.post(path, data={"csrf": csrf_of(html), "username": "omar",
                                            "password": PASSWORD, "password2": PASSWORD},
                                headers=HTML, allow_redirects=False)
    assert refused.status == 410
    assert await client.app[ACTORS].by_username("omar", "member") is None  # nothing stored


async def test_a_revoked_link_says_so_and_makes_nothing(client) -> None:
    await set_password(client, "admin")
    await sign_in(client, "admin")
    path = await _make_link(client)
    listing = await page(client, "/pools/commons/invitations")
    number = re.search(r'data-invitation="(\d+)"', listing)[1]  # type: ignore[index]
    await post_form(client, f"/pools/commons/invitations/{number}/revoke", {},
                    from_page="/pools/commons/invitations")
    assert "revoked" in await page(client, "/pools/commons/invitations")
    client.session.cookie_jar.clear()
    gone = await client.get(path, headers=HTML)
    assert gone.status == 410 and "a steward revoked it" in await gone.text()


async def test_an_expired_link_is_gone(client) -> None:
    await set_password(client, "admin")
    await sign_in(client, "admin")
    path = await _make_link(client)
    await client.app[ACTORS].db.execute("UPDATE invitations SET expires_at = '2000-01-01T00:00:00Z'")
    gone = await client.get(path, headers=HTML)
    assert gone.status == 410 and "it expired" in await gone.text()
    unknown = await client.get("/invite/" + "x" * 32, headers=HTML)
    assert unknown.status == 404


@pytest.mark.parametrize("data, field", [
    ({"days": "0", "max_uses": "1"}, "days"),
    ({"days": "7", "max_uses": "many"}, "max_uses"),
    ({"days": "365", "max_uses": "1"}, "days"),
    ({"days": "7", "max_uses": "1", "note": "x" * 501}, "note"),
])
async def test_bad_invitation_settings_are_422_and_make_no_link(client, data, field) -> None:  # type: ignore[no-untyped-def]
    await set_password(client, "admin")
    await sign_in(client, "admin")
    response = await post_form(client, "/pools/commons/invitations", data, status=422)
    assert f'id="{field}-error"' in await response.text()
    assert await client.app[ACTORS].db.fetchall("SELECT id FROM invitations") == []


async def test_only_a_steward_invites(client) -> None:
    await set_password(client, "alice")
    await sign_in(client, "alice")
    await page(client, "/pools/commons/invitations", status=403)


async def test_bad_account_fields_keep_the_use_and_store_nothing(client) -> None:
    await set_password(client, "admin")
    await sign_in(client, "admin")
    path = await _make_link(client, uses="1")
    client.session.cookie_jar.clear()
    response = await post_form(client, path, {"username": "Bad Name!", "password": "short",
                                              "password2": "short"}, status=400)
    text = await response.text()
    assert 'id="username-error"' in text and 'id="password-error"' in text
    taken = await post_form(client, path, {"username": "alice", "password": PASSWORD,
                                           "password2": PASSWORD}, status=409)
    assert "taken" in await taken.text()
    await _accept(client, path, "nadia")  # the one use is still there
    assert await _state(client, "nadia") == "applicant"


async def test_a_signed_in_person_applies_through_the_link(client) -> None:
    await set_password(client, "admin")
    await sign_in(client, "admin")
    path = await _make_link(client)
    client.session.cookie_jar.clear()
    await create_member(client.app[CONFIG], client.app[ACTORS], "olga")
    await set_password(client, "olga")
    await sign_in(client, "olga")
    assert "Apply as @olga" in await page(client, path)
    await post_form(client, path, {})
    assert await _state(client, "olga") == "applicant"
    again = await post_form(client, path, {}, status=409)
    assert "already" in await again.text()

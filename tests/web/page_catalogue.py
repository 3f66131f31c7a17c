"""The catalogue tests/web/test_every_page.py sweeps: every page of the web app with who opens
it (PAGES), every form sent with a mistake (MISTAKES), and every other GET route with why it is
not a page (SKIPPED)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from node.appkeys import CSRF_SECRET
from node.web.unsubscribe_tokens import sign_token
from tests.web.demo_nodes import DemoNodes

__all__ = ["EVERYONE", "HTML_ACCEPT", "MISTAKES", "PAGES", "SKIPPED", "Demo", "Mistake", "Visit"]


EVERYONE = ("anonymous", "member", "steward")
HTML_ACCEPT = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


@dataclass(frozen=True)
class Visit:
    """A page to open on one of the demo's nodes, as each of ``roles``."""

    node: str
    path: str
    roles: tuple[str, ...] = EVERYONE


@dataclass
class Demo:
    """The demo's state as the catalogue needs it."""

    nodes: DemoNodes
    welcome: str  # the path of an unused one-time sign-in link on node a
    reset: str  # an unused password reset token of node a

    def proposals(self, node: str) -> list[str]:
        base = self.nodes.url(node)
        return [url.removeprefix(base) for url in self.nodes.made["proposals"].values()
                if url.startswith(base + "/")]

    def invite(self, pool: str, node: str) -> str:
        return str(self.nodes.made["invites"][pool]).removeprefix(self.nodes.url(node))

    def seed_trays(self) -> str:
        return str(self.nodes.made["proposals"]["seed trays"])

    def discussion(self, label: str, node: str) -> str:
        return str(self.nodes.made["discussions"][label]).removeprefix(self.nodes.url(node))

    def edit(self, comment: str) -> str:
        """The edit page of a comment the demo made, by its label (its author may open it)."""
        url = str(self.nodes.made["comments"][comment])
        pool = url.split("/pools/", 1)[1].split("/", 1)[0]
        return f"/pools/{pool}/comments/{url.rsplit('#comment-', 1)[1]}/edit"
    def asset(self, label: str) -> str:
        """The path of the demo's shared asset, by its label."""
        return "/" + str(self.nodes.made["assets"][label]).split("/", 3)[3]

    def path(self, label: str) -> str:
        """The path of one of the demo's proposals (or budget rounds), by its label."""
        return "/" + str(self.nodes.made["proposals"][label]).split("/", 3)[3]


Pages = Callable[[Demo], list[Visit]]
WITNESS_FIELD = "Witness another pool (its handle, such as @garden@pools.example, or its address)"
WITH_APPLICANT = ("anonymous", "applicant", "member", "steward")
SIGNED_IN = ("member", "steward")

# Every GET route of the web app that serves a page, by its path in the router.
PAGES: dict[str, Pages] = {
    "/": lambda d: [Visit("a", "/", WITH_APPLICANT), Visit("b", "/"), Visit("c", "/")],
    "/signin": lambda d: [Visit("a", "/signin", ("anonymous",)), Visit("c", "/signin", ("anonymous",))],
    "/signup": lambda d: [Visit("a", "/signup", ("anonymous",)), Visit("c", "/signup", ("anonymous",))],
    "/settings": lambda d: [Visit("a", "/settings", SIGNED_IN)],
    "/notifications": lambda d: [Visit("a", "/notifications", SIGNED_IN)],
    "/settings/notifications": lambda d: [Visit("a", "/settings/notifications", SIGNED_IN)],
    "/unsubscribe/{token}": lambda d: [Visit("a", "/unsubscribe/" + sign_token(
        d.nodes.apps["a"][CSRF_SECRET], 1, "all"), ("anonymous",))],
    # The demo sends no mail: the page says so (a mailing node's form is checked in
    # tests/web/test_browser_notifications.py); a link mailed earlier still opens its form.
    "/reset-password": lambda d: [Visit("a", "/reset-password", ("anonymous",))],
    "/reset-password/{token}": lambda d: [Visit("a", "/reset-password/" + d.reset, ("anonymous",)),
                                          Visit("a", "/reset-password/used-up", ("anonymous",))],
    "/create-pool": lambda d: [Visit("a", "/create-pool", SIGNED_IN)],
    "/welcome/{token}": lambda d: [Visit("a", d.welcome, ("anonymous",))],
    "/invite/{token}": lambda d: [Visit("a", d.invite("garden", "a"), ("anonymous", "member")),
                                  Visit("c", d.invite("kitchen", "c"), ("anonymous",))],
    # Pools and members (content negotiation), and a page that is not there.
    "/{kind}/{name}": lambda d: [
        Visit("a", "/pools/garden", WITH_APPLICANT), Visit("a", "/pools/commons"),
        Visit("b", "/pools/bikes"), Visit("c", "/pools/kitchen"), Visit("a", "/users/ana"),
        Visit("a", "/users/hana"), Visit("a", "/pools/no_such_pool", ("anonymous",))],
    "/pools/{name}/bylaws": lambda d: [Visit("a", "/pools/garden/bylaws"),
                                       Visit("a", "/pools/garden/bylaws?form=de_eg", ("anonymous",)),
                                       Visit("c", "/pools/kitchen/bylaws", ("anonymous",))],
    # The legal text as a standalone document (its .md and .pdf are the same text as downloads:
    # tests/web/test_bylaws_files.py).
    "/pools/{name}/bylaws.{ext}": lambda d: [
        Visit("a", "/pools/garden/bylaws.html?form=uk_coop", ("anonymous",)),
        Visit("a", "/pools/garden/bylaws.html?form=us_llc&lang=es", ("anonymous",))],
    "/pools/{name}/bylaws/history": lambda d: [Visit("a", "/pools/garden/bylaws/history"),
                                               Visit("c", "/pools/kitchen/bylaws/history",
                                                     ("anonymous",))],
    # Version 2 of garden's bylaws is the demo's passed bylaws change: its diff is shown.
    "/pools/{name}/bylaws/versions/{number}": lambda d: [
        Visit("a", "/pools/garden/bylaws/versions/1", ("anonymous",)),
        Visit("a", "/pools/garden/bylaws/versions/2")],
    "/pools/{name}/join": lambda d: [Visit("a", "/pools/garden/join", WITH_APPLICANT),
                                     Visit("b", "/pools/bikes/join", ("anonymous",))],
    "/pools/{name}/application": lambda d: [
        Visit("a", "/pools/garden/application", ("applicant", "member"))],
    "/pools/{name}/leave": lambda d: [Visit("a", "/pools/garden/leave", SIGNED_IN)],
    "/pools/{name}/proposals": lambda d: [Visit("a", "/pools/garden/proposals"),
                                          Visit("a", "/pools/commons/proposals"),
                                          Visit("c", "/pools/kitchen/proposals")],
    # Every proposal the demo made: each kind and ballot, a budget round closed and one open.
    "/pools/{name}/proposals/{key}": lambda d: [
        Visit(node, path) for node in ("a", "b", "c") for path in d.proposals(node)],
    "/pools/{name}/ledger": lambda d: [Visit("a", "/pools/garden/ledger"),
                                       Visit("b", "/pools/bikes/ledger")],
    "/pools/{name}/ledger/pay": lambda d: [
        Visit("a", f"/pools/garden/ledger/pay?proposal={d.seed_trays()}", ("steward",))],
    # The asset register (content negotiation): garden's rack, booked by dan; bikes has none.
    "/pools/{name}/assets": lambda d: [Visit("a", "/pools/garden/assets"),
                                       Visit("b", "/pools/bikes/assets")],
    "/pools/{name}/assets/{key}": lambda d: [Visit("a", d.asset("tray rack"))],
    # The capital call of garden's wheelbarrow: a third paid, the rest owed (a treasurer sees
    # the payment and cancel forms).
    "/pools/{name}/proposals/{key}/call": lambda d: [Visit("a", d.path("wheelbarrow") + "/call")],
    # The share register: members only (its types, who holds what, the patronage form).
    "/pools/{name}/shares": lambda d: [Visit("a", "/pools/garden/shares", SIGNED_IN),
                                       Visit("b", "/pools/bikes/shares", SIGNED_IN)],
    "/pools/{name}/capital": lambda d: [
        Visit("a", "/pools/garden/capital", SIGNED_IN),
        Visit("a", f"/pools/garden/capital?person={d.nodes.url('a')}/users/dan", ("steward",))],
    "/pools/{name}/invitations": lambda d: [Visit("a", "/pools/garden/invitations", SIGNED_IN)],
    "/pools/{name}/moderation": lambda d: [Visit("a", "/pools/garden/moderation", SIGNED_IN)],
    "/pools/{name}/floods": lambda d: [Visit("a", "/pools/garden/floods"),
                                       Visit("b", "/pools/bikes/floods"),
                                       Visit("c", "/pools/kitchen/floods")],
    # Discussions (content negotiation): a list, an empty one, threads with a reply, a comment
    # folded away (hana's: she is not a member yet) and a hidden one; each author's edit page.
    "/pools/{name}/discussions": lambda d: [Visit("a", "/pools/garden/discussions", WITH_APPLICANT),
                                            Visit("b", "/pools/bikes/discussions"),
                                            Visit("c", "/pools/kitchen/discussions")],
    "/pools/{name}/discussions/{key}": lambda d: [
        Visit("a", d.discussion("raised beds", "a"), WITH_APPLICANT),
        Visit("b", d.discussion("saturdays", "b"))],
    "/pools/{name}/comments/{comment}/edit": lambda d: [
        Visit("a", d.edit("boards"), ("member",)), Visit("a", d.edit("hana"), ("applicant",)),
        Visit("b", d.edit("sign"), ("steward",))],
}


@dataclass(frozen=True)
class Mistake:
    """A form sent with a mistake: the page that comes back shows it beside the field."""

    node: str
    role: str
    path: Callable[[Demo], str]
    typed: tuple[tuple[str, str], ...]  # (label, what is typed)
    button: str
    # (label, text) of each field that comes back marked invalid, its error beside it (its
    # aria-describedby), with the text that was typed still in it.
    beside: tuple[tuple[str, str], ...] = ()
    # Sent as a client that does not enforce maxlength would (a browser stops the typing there):
    # the server's own limit answers.
    unlimited: bool = False


# Every form whose answer to a mistake is a page of its own state (errors beside the fields).
MISTAKES = [
    Mistake("a", "anonymous", lambda d: "/signin", (("Username", "nobody"), ("Password", "not it at all")),
            "Sign in"),
    Mistake("a", "anonymous", lambda d: "/signup", (("Username", "Not A Name"), ("Password", "short"),
                                                    ("The same password again", "other")),
            "Create my account"),
    Mistake("a", "anonymous", lambda d: d.welcome, (("New password", "short"),), "Set my password and sign in"),
    Mistake("a", "anonymous", lambda d: d.invite("garden", "a"), (("Username", "Not A Name"),),
            "Create my account and apply"),
    Mistake("a", "member", lambda d: "/settings", (("Current password", "not my password"),),
            "Change password"),
    Mistake("a", "member", lambda d: "/create-pool", (), "Create the pool and see its bylaws"),
    Mistake("a", "member", lambda d: "/pools/garden/proposals", (), "Open the proposal"),
    Mistake("a", "member", lambda d: "/pools/garden/floods", (), "Open the flood proposal"),
    Mistake("a", "steward", lambda d: "/pools/garden/ledger", (("Amount in EUR", "12.345"),),
            "Record the contribution"),
    Mistake("a", "steward", lambda d: "/pools/garden/shares", (("Patronage in EUR", "12.345"),),
            "Record the patronage", beside=(("Patronage in EUR", "12.345"),)),
    Mistake("a", "steward", lambda d: "/pools/garden/invitations", (("Valid for how many days", "0"),),
            "Make an invite link"),
    Mistake("a", "steward", lambda d: "/pools/garden/moderation",
            (("Account or domain", "not a domain!"), ("Why? (logged for the other stewards)", "spam")),
            "Block", beside=(("Account or domain", "not a domain!"),)),
    Mistake("a", "steward", lambda d: "/pools/garden/assets", (("Price paid in EUR", "12.345"),),
            "Register and book the purchase"),
    Mistake("a", "steward", lambda d: f"/pools/garden/ledger/pay?proposal={d.seed_trays()}",
            (("Amount paid to Garden centre in EUR", "500"), ("Payment reference", "invoice 1")),
            "Record the payment"),
    # A comment of spaces only; a discussion with no title and too long a text; an edit too long.
    Mistake("a", "member", lambda d: d.discussion("raised beds", "a"), (("Your comment", "   "),),
            "Post the comment", beside=(("Your text", "   "),)),
    Mistake("a", "member", lambda d: "/pools/garden/discussions",
            (("Title", ""), ("What do you want to talk about?", "x" * 5001)), "Start the discussion",
            beside=(("Title", ""), ("What do you want to talk about?", "x" * 5001)), unlimited=True),
    Mistake("a", "member", lambda d: d.edit("boards"), (("Your text", "y" * 5001),), "Save",
            beside=(("Your text", "y" * 5001),), unlimited=True),
    # The open budget round in commons, where ana (the steward) is the one member.
    Mistake("a", "steward", lambda d: d.path("summer round"), (("The least it needs, in EUR", "12.345"),),
            "Propose this bucket"),
    Mistake("a", "steward", lambda d: d.path("summer round"), (("To Hall chairs", "45"),),
            "Save my allocation"),
    # A pool to witness that is not a handle.
    Mistake("a", "steward", lambda d: "/pools/garden", ((WITNESS_FIELD, "not a handle!"),),
            "Witness this pool", beside=((WITNESS_FIELD, "not a handle!"),)),
]
_COLLECTION = "an ActivityStreams collection (JSON) for ActivityPub clients"
_DOCUMENT = "an ActivityPub document (JSON) another node verifies and recounts"
# Every other GET route, and why it is not a page.
SKIPPED: dict[str, str] = {
    "/.well-known/webfinger": "WebFinger (JRD JSON), for finding an account by its handle",
    "/.well-known/nodeinfo": "NodeInfo discovery links (JSON)",
    "/nodeinfo/2.1": "NodeInfo (JSON) about the node's software and usage",
    "/.well-known/host-meta": "host-meta (XRD XML), for WebFinger clients",
    "/{kind}/{name}/outbox": _COLLECTION,
    "/{kind}/{name}/inbox": _COLLECTION + ", readable by its owner's token only",
    "/{kind}/{name}/followers": _COLLECTION,
    "/{kind}/{name}/following": _COLLECTION,
    "/pools/{name}/members": _COLLECTION,
    "/{what}/{key}": "an activity or object (JSON) of the node's outboxes",
    "/ns/v1": "the JSON-LD context of the governance vocabulary",
    "/pools/{name}/proposals/{key}/electorate": _DOCUMENT,
    "/pools/{name}/proposals/{key}/question": _DOCUMENT,
    "/pools/{name}/proposals/{key}/tally": _DOCUMENT,
    "/pools/{name}/proposals/{key}/effect": _DOCUMENT,
    "/pools/{name}/proposals/{key}/ballots": _COLLECTION,
    "/pools/{name}/proposals/{key}/live": "the live tally (JSON) the proposal page's script polls",
    "/pools/{name}/proposals/{key}/result": "a budget round's signed result (JSON), for recounting",
    "/pools/{name}/proposals/{key}/buckets": _COLLECTION,
    "/pools/{name}/proposals/{key}/buckets/{number}": _DOCUMENT,
    "/pools/{name}/proposals/{key}/allocations": _COLLECTION,
    "/pools/{name}/applications": _COLLECTION,
    "/pools/{name}/ledger/balances": _DOCUMENT,
    "/pools/{name}/ledger/{sequence}": _DOCUMENT,
    "/pools/{name}/ledger.csv": "a CSV download linked from the ledger page",
    "/pools/{name}/balances.csv": "a CSV download linked from the ledger page",
    "/pools/{name}/members.csv": "a CSV download linked from the ledger page",
    "/pools/{name}/floods/tally": _DOCUMENT,
    "/pools/{name}/floods/proposals/{key}": _DOCUMENT,
    "/pools/{name}/floods/electorates/{key}": _DOCUMENT,
    "/pools/{name}/floods/ballots/{key}": _COLLECTION,
    "/pools/{name}/floods/attestations/{key}": _DOCUMENT,
    "/pools/{name}/floods/{slug}": "a flood's document (JSON): its pools, for other nodes",
    "/remote": "what this node verified of other nodes' pools (JSON)",
    "/static": "the style sheet and scripts the pages load",
    "/language/{code}": "a link that chooses the pages' language (a cookie) and goes back (303)",
    "/pools/{name}/discussions/{key}/replies": _COLLECTION + ": a discussion's comments",
    "/pools/{name}/witnesses": _COLLECTION + ": the latest attestation of each witness",
    "/pools/{name}/witnessing": _COLLECTION + ": the pool's attestations of other ledgers",
    "/pools/{name}/witnessing/{key}/{number}": _DOCUMENT,
    "/pools/{name}/conflicts": _COLLECTION + ": the ledger conflicts (alarms) the pool holds",
    "/pools/{name}/conflicts/{key}": _DOCUMENT,
    "/pools/{name}/recounts/{key}": _DOCUMENT,
    "/pools/{name}/proposals/{key}/replies": _COLLECTION + ": a proposal's comments",
    "/pools/{name}/bookings/{key}": "a booking's Event (JSON), as the pool federates it",
    "/pools/{name}/bookings.ics": "an iCalendar feed of the pool's bookings, linked from its assets page",
    "/pools/{name}/assets/{key}/bookings.ics": "an iCalendar feed of one asset's bookings, linked from its page",
}

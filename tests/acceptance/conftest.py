"""Black-box acceptance tests reuse the node fixtures (a remote fediverse server, a node that
may reach loopback addresses)."""

from tests.node.conftest import fed, fed_client, remote

__all__ = ["fed", "fed_client", "remote"]

"""What an operator with a node's data directory can do behind its pools' backs, and what a
stranger can send: rewrite a pool's ledger in the database (an entry edited, the chain
recomputed and re-signed with the pool's own key, read from the same database), and POST an
activity to an inbox signed with a local actor's key."""

from __future__ import annotations

import dataclasses
import json
import sqlite3
import urllib.error
import urllib.request
from datetime import UTC, datetime
from typing import Any

from federation.httpsig import sign_request
from federation.keys import load_private_key_pem
from federation.proofs import create_proof
from governance import Ledger, Posting
from node.wire import entry_from_document, ledger_entry_document
from tests.multinode.harness import NodeProcess

__all__ = ["actor_keys", "post_signed", "rewrite_ledger"]

AP = "application/activity+json"


def actor_keys(node: NodeProcess, uri: str) -> sqlite3.Row:
    """The actor row (with its private keys) of a local actor, from the node's database."""
    rows = node.query("SELECT * FROM actors WHERE uri = ?", (uri,))
    assert rows, f"no actor {uri} on {node.name}"
    return rows[0]


def rewrite_ledger(node: NodeProcess, sequence: int, amount: int) -> None:
    """With the node stopped: entry ``sequence`` of its pool's ledger gets ``amount``, and every
    entry is sealed again onto the new chain and re-signed with the pool's Ed25519 key."""
    assert node.proc is None, "stop the node first"
    pool = actor_keys(node, node.pool_id)
    key = load_private_key_pem(pool["ed25519_private_pem"])
    conn = sqlite3.connect(node.data_dir / "poolnode.sqlite3")
    conn.row_factory = sqlite3.Row
    try:
        rows = list(conn.execute(
            "SELECT sequence, document FROM ledger_entries WHERE pool_id = ? ORDER BY sequence",
            (pool["id"],)))
        ledger: Ledger | None = None
        for row in rows:
            document = json.loads(row["document"])
            transaction = entry_from_document(document).transaction
            if row["sequence"] == sequence:
                transaction = dataclasses.replace(transaction, postings=tuple(
                    Posting(p.account, amount if p.amount > 0 else -amount)
                    for p in transaction.postings))
            ledger = (ledger or Ledger(transaction.currency)).apply(transaction)
            sealed = ledger.entries[-1]
            unsigned = ledger_entry_document(sealed, node.pool_id, row["sequence"])
            resigned = create_proof(unsigned, key, node.pool_id + "#ed25519-key",
                                    datetime.fromisoformat(document["proof"]["created"].replace("Z", "+00:00")))
            conn.execute(
                "UPDATE ledger_entries SET entry_json = ?, document = ?, hash = ? WHERE pool_id = ?"
                " AND sequence = ?",
                (json.dumps(sealed.to_dict()), json.dumps(resigned), sealed.hash, pool["id"],
                 row["sequence"]))
        conn.commit()
    finally:
        conn.close()


def post_signed(sender: NodeProcess, actor: str, inbox: str, activity: dict[str, Any]) -> int:
    """POST ``activity`` to ``inbox`` with an HTTP signature by the local ``actor`` of ``sender``."""
    row = actor_keys(sender, actor)
    body = json.dumps(activity).encode()
    headers = dict(sign_request("POST", inbox, body, actor + "#main-key",
                                load_private_key_pem(row["rsa_private_pem"]), datetime.now(UTC)))
    headers["Content-Type"] = AP
    request = urllib.request.Request(inbox, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)

"""A minimal bovine-herd server for ``python -m bench.peers``: ``python bovine_inbox.py PORT DB``.

Runs in bovine-herd's own virtualenv (scripts/peers-deps.sh makes bench/peers/.venv-bovine),
never in poolnode's. Registers one actor in a fresh SQLite database, prints its inbox URL as
one JSON line, then serves bovine-herd (Quart on hypercorn) on 127.0.0.1 only: the inbox
checks each POST's HTTP signature (fetching the signer's key document over loopback),
answers 202 and processes the activity in a background task, as bovine-herd does.

bovine fetches JSON-LD contexts it does not carry from the internet; here they come from
poolnode's bundled copies (schemas/contexts) or are empty, so the benchmark sends nothing
beyond the loopback interface.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

import bovine.jsonld
from bovine_herd import BovineHerd
from bovine_store import BovineAdminStore
from bovine_store.config import tortoise_config
from bovine_store.models import BovineActor, BovineActorEndpoint
from bovine_store.types import EndpointType
from hypercorn.asyncio import serve
from hypercorn.config import Config
from quart import Quart
from tortoise import Tortoise

_CONTEXTS = Path(__file__).resolve().parents[2] / "schemas" / "contexts"
_BUNDLED = {
    "https://w3id.org/security/v1": "security-v1.jsonld",
    "https://w3id.org/security/data-integrity/v2": "data-integrity-v2.jsonld",
    "https://w3id.org/security/multikey/v1": "multikey-v1.jsonld",
}


def _offline_loader(**_options: Any) -> Any:
    """In place of bovine's requests loader: bundled contexts, never the network."""

    def load(url: str, options: Any = None) -> dict[str, Any]:
        name = _BUNDLED.get(url.split("#", 1)[0])
        if name is None:
            raise OSError(f"not fetched in the benchmark: {url}")
        document = json.loads((_CONTEXTS / name).read_text(encoding="utf-8"))
        return {"contentType": "application/ld+json", "contextUrl": None,
                "documentUrl": url, "document": document}

    return load


async def _register(domain: str, db_url: str) -> str:
    await Tortoise.init(config=tortoise_config(db_url))
    await Tortoise.generate_schemas()
    try:
        name = await BovineAdminStore(domain=domain).register("bench")
        actor = await BovineActor.get(bovine_name=name)
        inbox = await BovineActorEndpoint.get(bovine_actor=actor, endpoint_type=EndpointType.INBOX)
        return str(inbox.name)
    finally:
        await Tortoise.close_connections()


async def main(port: int, db: str) -> None:
    bovine.jsonld.requests_document_loader = _offline_loader  # type: ignore[attr-defined]
    db_url = f"sqlite://{db}"
    inbox = await _register(f"http://127.0.0.1:{port}", db_url)
    app = Quart(__name__)
    BovineHerd(app, db_url=db_url)

    @app.get("/ready")
    async def ready() -> dict[str, str]:
        return {"inbox": inbox}

    config = Config()
    config.bind = [f"127.0.0.1:{port}"]
    config.accesslog = None
    config.errorlog = "-"
    print(json.dumps({"inbox": inbox}), flush=True)
    await serve(app, config)  # type: ignore[arg-type]


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), sys.argv[2]))

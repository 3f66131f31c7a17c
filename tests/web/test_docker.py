"""What can be checked of the container files without a Docker engine.

compose.yaml is written in the JSON subset of YAML, so the standard library parses it.
"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from urllib.parse import urlsplit

from node.cli import _parser

ROOT = Path(__file__).resolve().parents[2]
DOCKER = ROOT / "docker"


def _compose() -> dict:  # type: ignore[type-arg]
    return json.loads((DOCKER / "compose.yaml").read_text("utf-8"))


def _flags(command: str) -> list[str]:
    return [word for word in shlex.split(command) if word.startswith("--")]


def _poolnode_lines(text: str, sub: str) -> list[str]:
    """Each ``poolnode SUB ...`` command in a script, from 'poolnode' up to a ';' or the end."""
    found = []
    for line in text.splitlines():
        match = re.search(rf"poolnode {sub}\b[^;|]*", line)
        if match:
            found.append(match[0].rstrip(" \\"))
    return found


def test_compose_runs_three_nodes_with_consistent_urls_ports_and_volumes() -> None:
    compose = _compose()
    services = compose["services"]
    assert len(services) == 3
    seen_ports, seen_volumes, seen_urls = set(), set(), set()
    for name, service in services.items():
        env = service["environment"]
        url = urlsplit(env["POOLNODE_BASE_URL"])
        # Other nodes reach this one by its service name; the URL's port is the one it serves.
        assert url.hostname == name and str(url.port) == env["POOLNODE_PORT"]
        assert env["POOLNODE_ALLOW_PRIVATE_ADDRESSES"] == "true"  # containers share a private network
        (mapping,) = service["ports"]
        host_ip, host_port, container_port = mapping.split(":")
        assert host_ip == "127.0.0.1" and host_port == container_port == env["POOLNODE_PORT"]
        (volume,) = service["volumes"]
        source, target = volume.split(":")
        assert target == "/data" and source in compose["volumes"]
        assert service["build"] == {"context": "..", "dockerfile": "docker/Dockerfile"}
        seen_ports.add(host_port)
        seen_volumes.add(source)
        seen_urls.add(env["POOLNODE_BASE_URL"])
    assert len(seen_ports) == len(seen_volumes) == len(seen_urls) == 3
    assert set(compose["volumes"]) == seen_volumes


def test_every_environment_setting_is_a_poolnode_setting_or_an_entrypoint_variable() -> None:
    from dataclasses import fields

    from node.config import Config

    settings = {f"POOLNODE_{f.name.upper()}" for f in fields(Config)} | {"POOLNODE_DATA"}
    entrypoint = (DOCKER / "entrypoint.sh").read_text("utf-8")
    for service in _compose()["services"].values():
        for key in service["environment"]:
            assert key in settings or key in entrypoint, key


def test_dockerfile_is_slim_non_root_with_a_data_volume_and_a_nodeinfo_healthcheck() -> None:
    text = (DOCKER / "Dockerfile").read_text("utf-8")
    assert re.search(r"^FROM python:3\.1[1-9]-slim$", text, re.M)
    users = re.findall(r"^USER (\S+)$", text, re.M)
    assert users and users[-1] not in ("root", "0")
    assert 'VOLUME ["/data"]' in text and "POOLNODE_DATA=/data" in text
    assert re.search(r"^HEALTHCHECK .*\n?.*/nodeinfo/2\.1", text, re.M)
    for copied in re.findall(r"^COPY (?:--\S+ )?(\S+)", text, re.M):
        assert (ROOT / copied).exists(), copied


def test_entrypoint_runs_the_same_commands_as_the_makefile() -> None:
    # make run passes --host/--port to serve only when given on its command line (SERVE_FLAGS).
    makefile = (ROOT / "Makefile").read_text("utf-8").replace(
        "$(SERVE_FLAGS)", '--host "$(HOST)" --port "$(PORT)"')
    entrypoint = (DOCKER / "entrypoint.sh").read_text("utf-8")
    parser = _parser()
    for sub in ("init", "serve"):
        (make_line,) = _poolnode_lines(makefile, sub)
        (entry_line,) = _poolnode_lines(entrypoint, sub)
        assert _flags(make_line) == _flags(entry_line), sub
        # And the CLI accepts them.
        words = shlex.split(entry_line.split("poolnode ", 1)[1])
        args = parser.parse_args([w if not w.startswith("$") else "8080" for w in words])
        assert callable(getattr(args, "run", None) or getattr(args, "sync", None))
    password = _poolnode_lines(entrypoint, "member password")
    assert password and "--password-stdin" in password[0]

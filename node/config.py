"""Node configuration: a TOML file in the data directory, overridable by environment."""

from __future__ import annotations

import ipaddress
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from urllib.parse import urlsplit

from node.errors import NodeError

__all__ = [
    "CONFIG_FILENAME",
    "Config",
    "ConfigError",
    "check_database_url",
    "database_from_environment",
    "load_config",
    "set_setting",
    "without_password",
    "write_config",
]

CONFIG_FILENAME = "poolnode.toml"
_ENV_PREFIX = "POOLNODE_"


class ConfigError(NodeError):
    """The configuration is missing or invalid."""


@dataclass(frozen=True, slots=True)
class Config:
    """Everything a node needs to know to run; ``data_dir`` is where all its files live."""

    data_dir: Path
    base_url: str
    host: str = "127.0.0.1"
    port: int = 8080
    max_body_bytes: int = 1024 * 1024
    # Seconds a client has to send a whole request body; past it, 408 (docs/OPERATIONS.md).
    body_read_timeout: float = 30.0
    allow_private_addresses: bool = False
    # Whether anyone may create an account in the web app (docs/OPERATIONS.md, "Web app").
    open_registrations: bool = False
    signature_window_seconds: int = 3600
    page_size: int = 20
    log_level: str = "INFO"
    # Outgoing delivery (docs/FEDERATION.md, "Sending"); seconds unless said otherwise.
    delivery_workers: int = 32
    delivery_per_host: int = 4
    delivery_base_delay: float = 30.0
    delivery_max_delay: float = 36000.0
    delivery_max_attempts: int = 15
    delivery_timeout: float = 30.0
    delivery_breaker_threshold: int = 10
    delivery_breaker_cooldown: float = 30.0
    delivery_unavailable_after: float = 172800.0
    delivery_poll_interval: float = 1.0
    # Seconds after a flood proposal's close after which a pool not yet reconciled is reported
    # overdue (the result stays provisional until it is; docs/PROTOCOL.md, "Provisional and final").
    flood_reconcile_wait: float = 30.0
    # Seconds between a pool's checks of each ledger it witnesses (its flood peers', and those
    # its stewards chose); each check that finds the head grown signs an attestation of it
    # (docs/FEDERATION.md, "Witnessed ledger heads").
    witness_interval: float = 3600.0
    # Seconds between two signed running Tallies of one proposal while ballots arrive
    # (docs/OPERATIONS.md, "Running tallies"): a clock signs them, never a reader.
    tally_interval: float = 1.0
    # Receiving (docs/OPERATIONS.md, "Limits and retention"): token buckets per client
    # address and per verified sender, in requests per minute with a burst; 0 turns one off.
    inbox_address_rate: int = 3000
    inbox_address_burst: int = 3000
    inbox_sender_rate: int = 600
    inbox_sender_burst: int = 1000
    # Processed inbox items are deleted this many days after processing; 0 keeps them.
    inbox_retention_days: int = 30
    # Reverse proxies whose Forwarded / X-Forwarded-For header is believed (addresses or
    # CIDRs), and which of the two headers they set (docs/OPERATIONS.md, "Reverse proxy").
    trusted_proxies: tuple[str, ...] = ()
    proxy_header: str = "x-forwarded-for"
    # Where the node's data lives (docs/OPERATIONS.md, "PostgreSQL"): '' is the SQLite file in
    # the data directory, a path another SQLite file (relative to the data directory), and a
    # postgresql:// URL a PostgreSQL database; database_pool_size caps its connections.
    database_url: str = ""
    database_pool_size: int = 10
    # Discussion (docs/OPERATIONS.md, "Discussion"): comments and discussions one actor may post
    # in an hour (0: no limit), and how many comments a page of a thread shows.
    comments_per_hour: int = 60
    thread_page_size: int = 50
    # Email (docs/OPERATIONS.md, "Email"): '' sends none. The user name and password come from
    # the environment only (POOLNODE_SMTP_USERNAME, POOLNODE_SMTP_PASSWORD), never this file.
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_security: str = "starttls"
    smtp_from: str = ""
    smtp_timeout: float = 30.0
    # The hour (UTC) daily digests go out; notifications are kept this many days (0: forever).
    mail_digest_hour: int = 7
    notification_retention_days: int = 180

    def __post_init__(self) -> None:
        check_receiving(self)
        check_database_url(self.database_url)

    @property
    def domain(self) -> str:
        """The host[:port] that names this node in acct: URIs."""
        return urlsplit(self.base_url).netloc

    def url(self, path: str) -> str:
        """An absolute URL on this node."""
        return self.base_url + path


def normalise_base_url(url: str) -> str:
    """Check a public base URL and drop its trailing slash."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"base URL must be an absolute http(s) URL, got {url!r}")
    if parts.query or parts.fragment or parts.username or parts.password:
        raise ConfigError(f"base URL must not carry credentials, a query or a fragment: {url!r}")
    if parts.path not in ("", "/"):
        raise ConfigError(f"base URL must be the root of a host (no path): {url!r}")
    return f"{parts.scheme}://{parts.netloc}".lower()


_INT_KEYS = {"port", "max_body_bytes", "signature_window_seconds", "page_size", "database_pool_size",
             "thread_page_size", "smtp_port"}
_BOOL_KEYS = {"allow_private_addresses", "open_registrations"}
_INT_KEYS |= {
    "delivery_workers", "delivery_per_host", "delivery_max_attempts", "delivery_breaker_threshold",
}
# Counts where 0 means "off".
_COUNT_KEYS = {
    "inbox_address_rate", "inbox_address_burst", "inbox_sender_rate", "inbox_sender_burst",
    "inbox_retention_days", "comments_per_hour", "mail_digest_hour", "notification_retention_days",
}
_LIST_KEYS = {"trusted_proxies"}
PROXY_HEADERS = ("x-forwarded-for", "forwarded")
SMTP_SECURITY = ("starttls", "tls", "none")
# The mail server's credentials: environment variables POOLNODE_SMTP_USERNAME and _PASSWORD.
SMTP_SECRETS = ("smtp_username", "smtp_password")
_MAX_RETENTION_DAYS = 36500
_MAX_WITNESS_INTERVAL = 30 * 86400.0
# A running Tally older than this would tell readers little about a vote in progress.
_MAX_TALLY_INTERVAL = 3600.0


def check_database_url(url: str) -> None:
    """A database_url is '', a SQLite file path, or a postgresql:// URL with a database name."""
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if scheme in ("postgresql", "postgres"):
        try:
            parts = urlsplit(url)
            parts.port  # noqa: B018 (a port that is not a number raises here)
        except ValueError as exc:
            raise ConfigError(
                f"database_url {without_password(url)!r} is not a valid URL ({exc})"
            ) from None
        if not parts.hostname and "host=" not in parts.query:
            raise ConfigError(f"database_url {without_password(url)!r} names no server")
        if not parts.path.strip("/"):
            raise ConfigError(f"database_url {without_password(url)!r} names no database")
    elif scheme:
        raise ConfigError(
            f"database_url must be a SQLite file path or a postgresql:// URL, got a {scheme}:// URL"
        )
    elif any(ord(c) < 32 for c in url):
        raise ConfigError("database_url holds a control character")


_QUERY_PASSWORD = re.compile(r"([?&]password=)[^&#]*", re.IGNORECASE)


def without_password(url: str) -> str:
    """A database URL with its password (in the user part or the query) replaced by ``***``.

    Written without ``urlsplit``, which raises on some malformed URLs that still need a
    message naming them."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    end = min([i for i in (rest.find("/"), rest.find("?"), rest.find("#")) if i >= 0],
              default=len(rest))
    authority, tail = rest[:end], rest[end:]
    if "@" in authority:
        userinfo, host = authority.rsplit("@", 1)
        if ":" in userinfo:
            authority = userinfo.split(":", 1)[0] + ":***@" + host
    return f"{scheme}://{authority}" + _QUERY_PASSWORD.sub(r"\1***", tail)


def check_receiving(config: Config) -> None:
    """The receiving limits, retention and proxy settings make sense together."""
    for rate, burst in (("inbox_address_rate", "inbox_address_burst"),
                        ("inbox_sender_rate", "inbox_sender_burst")):
        if getattr(config, rate) > 0 and getattr(config, burst) < 1:
            raise ConfigError(f"{burst} must be at least 1 when {rate} is set")
    days = config.inbox_retention_days
    if days > _MAX_RETENTION_DAYS:
        raise ConfigError(f"inbox_retention_days must be at most {_MAX_RETENTION_DAYS} (0 keeps items)")
    if days and days * 86400 <= config.signature_window_seconds:
        # A deleted item no longer deduplicates: a replay inside the window would be new again.
        raise ConfigError("inbox_retention_days must be longer than signature_window_seconds")
    if config.proxy_header not in PROXY_HEADERS:
        raise ConfigError(f"proxy_header must be one of {', '.join(PROXY_HEADERS)}, "
                          f"got {config.proxy_header!r}")
    if config.smtp_security not in SMTP_SECURITY:
        raise ConfigError(f"smtp_security must be one of {', '.join(SMTP_SECURITY)}, "
                          f"got {config.smtp_security!r}")
    if 0 < config.notification_retention_days < 8:
        # Results are told for a week after their close; their markers must outlive that.
        raise ConfigError("notification_retention_days must be 0 (keep) or at least 8")
    if config.tally_interval > _MAX_TALLY_INTERVAL:
        raise ConfigError(f"tally_interval must be at most {_MAX_TALLY_INTERVAL:.0f} seconds")
    if config.mail_digest_hour > 23:
        raise ConfigError("mail_digest_hour must be an hour of the day, 0 to 23")
    if config.witness_interval > _MAX_WITNESS_INTERVAL:
        raise ConfigError("witness_interval must be at most 30 days (2592000 seconds)")
    if config.smtp_port > 65535:
        raise ConfigError("smtp_port must be a port number, 1 to 65535")
    for entry in config.trusted_proxies:
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError:
            raise ConfigError(
                f"trusted_proxies: {entry!r} is not an IP address or CIDR network"
            ) from None


_FLOAT_KEYS = {
    "body_read_timeout",
    "delivery_base_delay", "delivery_max_delay", "delivery_timeout", "delivery_breaker_cooldown",
    "delivery_unavailable_after", "delivery_poll_interval", "flood_reconcile_wait", "smtp_timeout",
    "witness_interval",
    "tally_interval",
}


def _coerce(key: str, value: object, source: str) -> object:
    if key in _COUNT_KEYS:
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise ConfigError(f"{source}: {key} must be a whole number")
        try:
            count = int(value)
        except ValueError:
            raise ConfigError(f"{source}: {key} must be a whole number, got {value!r}") from None
        if count < 0:
            raise ConfigError(f"{source}: {key} must be 0 (off) or more")
        return count
    if key in _LIST_KEYS:
        items = value.split(",") if isinstance(value, str) else value
        if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
            raise ConfigError(f"{source}: {key} must be a list of strings")
        return tuple(i.strip() for i in items if i.strip())
    if key in _INT_KEYS:
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise ConfigError(f"{source}: {key} must be an integer")
        try:
            number = int(value)
        except ValueError:
            raise ConfigError(f"{source}: {key} must be an integer, got {value!r}") from None
        if number <= 0:
            raise ConfigError(f"{source}: {key} must be positive")
        return number
    if key in _FLOAT_KEYS:
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise ConfigError(f"{source}: {key} must be a number")
        try:
            seconds = float(value)
        except ValueError:
            raise ConfigError(f"{source}: {key} must be a number, got {value!r}") from None
        if not seconds > 0 or seconds == float("inf"):
            raise ConfigError(f"{source}: {key} must be a positive number")
        return seconds
    if key in _BOOL_KEYS:
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("1", "true", "yes", "on"):
            return True
        if text in ("0", "false", "no", "off"):
            return False
        raise ConfigError(f"{source}: {key} must be true or false, got {value!r}")
    if not isinstance(value, str):
        raise ConfigError(f"{source}: {key} must be a string")
    if key == "database_url":
        try:
            check_database_url(value)
        except ConfigError as exc:
            raise ConfigError(f"{source}: {exc.reason}") from None
    return value


def database_from_environment(environ: Mapping[str, str] | None = None) -> dict[str, object]:
    """The database settings ``POOLNODE_DATABASE_URL`` and ``POOLNODE_DATABASE_POOL_SIZE`` give,
    checked: what ``init`` uses before a ``poolnode.toml`` exists to be overridden."""
    environ = os.environ if environ is None else environ
    found: dict[str, object] = {}
    for key in ("database_url", "database_pool_size"):
        name = _ENV_PREFIX + key.upper()
        if environ.get(name) is not None:
            found[key] = _coerce(key, environ[name], name)
    return found


def load_config(data_dir: Path, environ: Mapping[str, str] | None = None) -> Config:
    """Read ``poolnode.toml`` from the data directory, then apply POOLNODE_* variables."""
    environ = os.environ if environ is None else environ
    path = data_dir / CONFIG_FILENAME
    if not path.exists():
        raise ConfigError(
            f"{data_dir} is not a poolnode data directory (no {CONFIG_FILENAME}); "
            f"run 'poolnode init --data {data_dir} --url BASE_URL' first"
        )
    try:
        raw = tomllib.loads(path.read_text("utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    return _from_raw(data_dir, raw, str(path), environ)


def _from_raw(data_dir: Path, raw: Mapping[str, object], source: str,
              environ: Mapping[str, str]) -> Config:
    known = {f.name for f in fields(Config)} - {"data_dir"}
    values: dict[str, object] = {}
    for key, value in raw.items():
        if key in SMTP_SECRETS:
            raise ConfigError(f"{source}: {key} is read from the environment only "
                              f"({_ENV_PREFIX}{key.upper()}), never from this file")
        if key not in known:
            raise ConfigError(f"{source}: unknown setting {key!r}")
        values[key] = _coerce(key, value, source)
    for key in known:
        env_value = environ.get(_ENV_PREFIX + key.upper())
        if env_value is not None:
            values[key] = _coerce(key, env_value, _ENV_PREFIX + key.upper())
    if "base_url" not in values:
        raise ConfigError(f"{source}: base_url is required")
    values["base_url"] = normalise_base_url(str(values["base_url"]))
    try:
        return Config(data_dir=data_dir, **values)  # type: ignore[arg-type]
    except ConfigError as exc:
        raise ConfigError(f"{source}: {exc.reason}") from None


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, tuple):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    text = str(value)
    if not re.fullmatch(r"[^\"\\\x00-\x1f]*", text):
        raise ConfigError(f"cannot write {text!r} to the configuration file")
    return f'"{text}"'


def write_config(config: Config) -> Path:
    """Write the configuration file (all settings, so an operator sees what can be set)."""
    lines = ["# poolnode configuration; environment variables POOLNODE_<NAME> override these."]
    for f in fields(Config):
        if f.name == "data_dir":
            continue
        lines.append(f"{f.name} = {_toml_value(getattr(config, f.name))}")
    path = config.data_dir / CONFIG_FILENAME
    path.write_text("\n".join(lines) + "\n", "utf-8")
    os.chmod(path, 0o600)
    return path


def set_setting(data_dir: Path, key: str, value: bool | int | str) -> Config:
    """Change one setting in ``poolnode.toml``, keeping every other line as it is.

    The new file is checked (as ``load_config`` would, without the environment) before it
    replaces the old one, so a bad value leaves the old file.
    """
    path = data_dir / CONFIG_FILENAME
    load_config(data_dir, {})  # a data directory with a readable file, or its clear error
    line = f"{key} = {_toml_value(value)}"
    pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
    lines = path.read_text("utf-8").splitlines()
    found = [i for i, text in enumerate(lines) if pattern.match(text)]
    for i in found:
        lines[i] = line
    if not found:
        lines.append(line)
    text = "\n".join(lines) + "\n"
    config = _from_raw(data_dir, tomllib.loads(text), str(path), {})
    candidate = path.with_name(CONFIG_FILENAME + ".new")
    candidate.write_text(text, "utf-8")
    os.chmod(candidate, 0o600)
    os.replace(candidate, path)
    return config


def with_overrides(config: Config, **changes: object) -> Config:
    """A copy with some settings changed (e.g. --host/--port on the command line)."""
    return replace(config, **{k: v for k, v in changes.items() if v is not None})  # type: ignore[arg-type]

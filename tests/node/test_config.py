"""Configuration: the TOML file in the data directory and POOLNODE_* overrides."""

from __future__ import annotations

import pytest

from node.config import (
    Config,
    ConfigError,
    database_from_environment,
    load_config,
    without_password,
    write_config,
)


def test_round_trip_and_environment_overrides(tmp_path):
    write_config(Config(data_dir=tmp_path, base_url="https://pool.example"))
    config = load_config(tmp_path, environ={})
    assert config.base_url == "https://pool.example"
    assert config.max_body_bytes == 1024 * 1024
    assert config.allow_private_addresses is False
    env = {"POOLNODE_PORT": "9000", "POOLNODE_ALLOW_PRIVATE_ADDRESSES": "true"}
    config = load_config(tmp_path, environ=env)
    assert config.port == 9000 and config.allow_private_addresses is True


@pytest.mark.parametrize(
    ("text", "env", "words"),
    [
        ('base_url = "ftp://x"', {}, "absolute http(s) URL"),
        ('base_url = "https://x.example/sub"', {}, "no path"),
        ('base_url = "https://x.example"\ncolour = "red"', {}, "unknown setting 'colour'"),
        ('base_url = "https://x.example"\nport = "many"', {}, "port must be an integer"),
        ('base_url = "https://x.example"', {"POOLNODE_ALLOW_PRIVATE_ADDRESSES": "maybe"}, "true or false"),
        ('base_url = "https://x.example"', {"POOLNODE_MAX_BODY_BYTES": "-1"}, "positive"),
        ("base_url = ", {}, "invalid TOML"),
        ("port = 1", {}, "base_url is required"),
    ],
)
def test_invalid_configuration_is_explained(tmp_path, text, env, words):
    (tmp_path / "poolnode.toml").write_text(text)
    with pytest.raises(ConfigError, match=words.replace("(", r"\(").replace(")", r"\)")):
        load_config(tmp_path, environ=env)


def test_the_running_tally_interval_defaults_to_a_second_and_is_read_from_the_environment(tmp_path):
    write_config(Config(data_dir=tmp_path, base_url="https://pool.example"))
    assert load_config(tmp_path, environ={}).tally_interval == 1.0
    assert load_config(tmp_path, environ={"POOLNODE_TALLY_INTERVAL": "2.5"}).tally_interval == 2.5


def test_missing_data_directory_says_how_to_create_one(tmp_path):
    with pytest.raises(ConfigError, match="poolnode init"):
        load_config(tmp_path / "nowhere", environ={})


def test_receiving_settings_round_trip_and_take_lists_from_the_environment(tmp_path):
    write_config(Config(data_dir=tmp_path, base_url="https://pool.example",
                        trusted_proxies=("127.0.0.1", "10.0.0.0/8"), inbox_sender_rate=0))
    config = load_config(tmp_path, environ={})
    assert config.trusted_proxies == ("127.0.0.1", "10.0.0.0/8")
    assert config.inbox_sender_rate == 0 and config.inbox_retention_days == 30
    config = load_config(tmp_path, environ={"POOLNODE_TRUSTED_PROXIES": "::1, 192.0.2.0/24"})
    assert config.trusted_proxies == ("::1", "192.0.2.0/24")


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ('trusted_proxies = ["nginx"]', "not an IP address or CIDR"),
        ("trusted_proxies = [1]", "list of strings"),
        ("inbox_address_rate = -1", "0 .off. or more"),
        ('proxy_header = "x-real-ip"', "proxy_header must be one of"),
        ("tally_interval = 0", "tally_interval must be a positive number"),
        ('tally_interval = "soon"', "tally_interval must be a number"),
        ("tally_interval = 7200", "tally_interval must be at most 3600 seconds"),
    ],
)
def test_invalid_receiving_settings_are_explained(tmp_path, text, words):
    (tmp_path / "poolnode.toml").write_text('base_url = "https://x.example"\n' + text)
    with pytest.raises(ConfigError, match=words):
        load_config(tmp_path, environ={})


@pytest.mark.parametrize(("url", "shown"), [
    ("postgresql://u:pw@db.example/pool", "postgresql://u:***@db.example/pool"),
    ("postgresql://u:p@ss@db.example:5432/pool", "postgresql://u:***@db.example:5432/pool"),
    ("postgresql://u:pw@[::1/pool", "postgresql://u:***@[::1/pool"),  # urlsplit raises on it
    ("postgresql://u@h/pool?sslmode=require&password=pw", "postgresql://u@h/pool?sslmode=require&password=***"),
    ("postgresql://h/pool", "postgresql://h/pool"),
    ("/srv/node.sqlite3", "/srv/node.sqlite3"),
])
def test_a_database_url_is_shown_without_its_password(url, shown):
    assert without_password(url) == shown


@pytest.mark.parametrize(("env", "words"), [
    ({"POOLNODE_DATABASE_URL": "postgresql://u:secret@[::1/pool"},
     "POOLNODE_DATABASE_URL: database_url 'postgresql://u:***@[::1/pool' is not a valid URL"),
    ({"POOLNODE_DATABASE_URL": "postgresql://u:secret@h:port/pool"},
     "POOLNODE_DATABASE_URL: database_url 'postgresql://u:***@h:port/pool' is not a valid URL"),
    ({"POOLNODE_DATABASE_URL": "mysql://h/pool"}, "POOLNODE_DATABASE_URL: database_url must be"),
])
def test_a_bad_database_url_names_where_it_was_set_and_not_its_password(tmp_path, env, words):
    write_config(Config(data_dir=tmp_path, base_url="https://pool.example"))
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path, environ=env)
    assert caught.value.reason.startswith(words), caught.value.reason
    assert "secret" not in caught.value.reason and "poolnode.toml" not in caught.value.reason


def test_init_takes_the_database_settings_from_the_environment_only():
    env = {"POOLNODE_DATABASE_URL": "postgresql://u@h/pool", "POOLNODE_DATABASE_POOL_SIZE": "4",
           "POOLNODE_PORT": "9"}
    assert database_from_environment(env) == {"database_url": "postgresql://u@h/pool",
                                              "database_pool_size": 4}
    with pytest.raises(ConfigError, match="POOLNODE_DATABASE_POOL_SIZE: database_pool_size"):
        database_from_environment({"POOLNODE_DATABASE_POOL_SIZE": "0"})

"""Configuration: the TOML file in the data directory and POOLNODE_* overrides."""

from __future__ import annotations

import pytest

from node.config import Config, ConfigError, load_config, write_config


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


def test_missing_data_directory_says_how_to_create_one(tmp_path):
    with pytest.raises(ConfigError, match="poolnode init"):
        load_config(tmp_path / "nowhere", environ={})

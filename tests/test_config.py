from __future__ import annotations

import pytest

from coverage.config import ConfigError, load_config, normalise_database_url
from tests.conftest import PRODUCTION_ENV


def test_production_requires_a_secret_key(tmp_path):
    with pytest.raises(ConfigError, match="SECRET_KEY must be set"):
        load_config(tmp_path, {"COVERAGE_ENV": "production"})


def test_production_secures_cookies(tmp_path):
    config = load_config(tmp_path, PRODUCTION_ENV)
    assert config["SESSION_COOKIE_SECURE"] is True
    assert config["SECRET_KEY"] == PRODUCTION_ENV["SECRET_KEY"]


def test_development_key_is_kept_in_the_instance_folder(tmp_path):
    first = load_config(tmp_path, {})["SECRET_KEY"]
    second = load_config(tmp_path, {})["SECRET_KEY"]
    assert first == second and len(first) >= 32
    assert (tmp_path / "secret_key").read_text() == first


def test_default_database_is_sqlite_in_the_instance_folder(tmp_path):
    config = load_config(tmp_path, {})
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'coverage.sqlite'}"


@pytest.mark.parametrize(
    "given,expected",
    [
        ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        ("sqlite:///x.db", "sqlite:///x.db"),
    ],
)
def test_database_url_spellings(given, expected):
    assert normalise_database_url(given) == expected


def test_unknown_environment_name_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="COVERAGE_ENV"):
        load_config(tmp_path, {"COVERAGE_ENV": "staging"})


def test_home_market_defaults_to_the_uk_and_refuses_nonsense(tmp_path):
    assert load_config(tmp_path, {})["HOME_MARKET"] == "UK"
    assert load_config(tmp_path, {"HOME_MARKET": " ie "})["HOME_MARKET"] == "IE"
    for wrong in ("United Kingdom", "U.K.", "1"):
        with pytest.raises(ConfigError, match="HOME_MARKET must be a country code"):
            load_config(tmp_path, {"HOME_MARKET": wrong})


def test_publication_name_has_a_default(tmp_path):
    assert load_config(tmp_path, {})["PUBLICATION_NAME"] == "Festival Coverage"
    named = load_config(tmp_path, {"PUBLICATION_NAME": "The Film Desk"})
    assert named["PUBLICATION_NAME"] == "The Film Desk"


def test_the_page_stores_are_sized_from_the_environment_and_0_turns_them_off(tmp_path):
    config = load_config(tmp_path, {"PUBLIC_PAGE_STORE_BYTES": "1048576"})
    assert config["PUBLIC_PAGE_STORE_BYTES"] == 1_048_576
    assert config["DESK_FRAGMENT_STORE_BYTES"] == 32 * 1024 * 1024
    assert config["CALENDAR_FEED_STORE_BYTES"] == 32 * 1024 * 1024
    off = load_config(
        tmp_path, {"DESK_FRAGMENT_STORE_BYTES": "0", "CALENDAR_FEED_STORE_BYTES": "0"}
    )
    assert off["DESK_FRAGMENT_STORE_BYTES"] == 0 and off["CALENDAR_FEED_STORE_BYTES"] == 0
    for wrong, message in (("32MB", "a whole number, not '32MB'"), ("-1", "at least 0, not -1")):
        with pytest.raises(ConfigError) as refused:
            load_config(tmp_path, {"PUBLIC_PAGE_STORE_BYTES": wrong})
        assert str(refused.value).startswith(f"PUBLIC_PAGE_STORE_BYTES must be {message}")

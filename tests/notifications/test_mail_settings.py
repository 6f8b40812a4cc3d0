"""The SMTP settings read from the environment, and the mistakes refused at start-up."""

from __future__ import annotations

import pytest

from coverage.config import ConfigError, load_config


def mail(tmp_path, **env) -> dict:
    config = load_config(tmp_path, env)
    return {key: config[key] for key in config if key.startswith(("SMTP_", "MAIL_", "DIGEST_"))}


def test_defaults_send_nothing(tmp_path):
    settings = mail(tmp_path)
    assert settings["SMTP_HOST"] == ""
    assert (settings["SMTP_PORT"], settings["SMTP_SECURITY"]) == (25, "none")
    assert settings["DIGEST_HOUR_UTC"] == 7
    assert settings["MAIL_FROM"] == "Festival desk <desk@localhost>"


@pytest.mark.parametrize("security,port", [("none", 25), ("starttls", 587), ("ssl", 465)])
def test_the_port_follows_the_security(tmp_path, security, port):
    assert mail(tmp_path, SMTP_SECURITY=security)["SMTP_PORT"] == port
    assert mail(tmp_path, SMTP_SECURITY=security, SMTP_PORT="2525")["SMTP_PORT"] == 2525


@pytest.mark.parametrize(
    "env,named",
    [
        ({"SMTP_SECURITY": "tls"}, "SMTP_SECURITY"),
        ({"SMTP_PORT": "70000"}, "SMTP_PORT"),
        ({"SMTP_TIMEOUT_SECONDS": "0"}, "SMTP_TIMEOUT_SECONDS"),
        ({"DIGEST_HOUR_UTC": "24"}, "DIGEST_HOUR_UTC"),
        # A password in clear over the network is refused; on loopback it is a local relay.
        ({"SMTP_HOST": "smtp.example.com", "SMTP_USERNAME": "desk"}, "SMTP_USERNAME"),
    ],
)
def test_mistakes_are_refused_naming_the_setting(tmp_path, env, named):
    with pytest.raises(ConfigError, match=named):
        load_config(tmp_path, env)


def test_a_login_on_loopback_needs_no_tls(tmp_path):
    settings = mail(tmp_path, SMTP_HOST="127.0.0.1", SMTP_USERNAME="desk", SMTP_PASSWORD="pw")
    assert (settings["SMTP_USERNAME"], settings["SMTP_PASSWORD"]) == ("desk", "pw")

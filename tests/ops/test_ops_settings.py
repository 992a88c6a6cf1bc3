"""Webhook and log settings: defaults, validation that names the variable, run options."""

from __future__ import annotations

import pytest
from telegram import Update

from bot.settings import (
    DEFAULT_WEBHOOK_LISTEN,
    DEFAULT_WEBHOOK_PORT,
    ConfigError,
    load_settings,
)
from bot.telegram.runner import uses_webhook, webhook_options

SECRET = "s3cret_Token-42"


def test_polling_is_the_default() -> None:
    settings = load_settings()
    assert settings.webhook_url is None
    assert settings.webhook_secret is None
    assert settings.webhook_listen == DEFAULT_WEBHOOK_LISTEN == "127.0.0.1"
    assert settings.webhook_port == DEFAULT_WEBHOOK_PORT
    assert settings.log_format == "text"
    assert uses_webhook(settings) is False
    assert uses_webhook(settings, webhook=True) is True


def test_webhook_url_turns_webhook_mode_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEBHOOK_URL", "https://bot.example.com/hooks/greenlist")
    monkeypatch.setenv("WEBHOOK_SECRET", SECRET)
    monkeypatch.setenv("WEBHOOK_PORT", "9001")
    monkeypatch.setenv("WEBHOOK_LISTEN", "0.0.0.0")
    settings = load_settings()
    assert uses_webhook(settings) is True
    assert webhook_options(settings) == {
        "listen": "0.0.0.0",
        "port": 9001,
        "url_path": "hooks/greenlist",
        "webhook_url": "https://bot.example.com/hooks/greenlist",
        "secret_token": SECRET,
        "allowed_updates": Update.ALL_TYPES,
    }


def test_webhook_path_overrides_the_path_of_the_url() -> None:
    settings = load_settings(
        webhook_url="https://bot.example.com/public/hook",
        webhook_secret=SECRET,
        webhook_path="/internal/",
    )
    options = webhook_options(settings)
    assert options["url_path"] == "internal"
    assert options["webhook_url"] == "https://bot.example.com/public/hook"


def test_webhook_mode_without_a_secret_refuses_to_start() -> None:
    settings = load_settings(webhook_url="https://bot.example.com/telegram")
    with pytest.raises(ConfigError) as caught:
        webhook_options(settings)
    message = str(caught.value)
    assert message.startswith("WEBHOOK_SECRET is not set")
    assert "\n" not in message


def test_webhook_flag_without_a_url_says_what_to_set() -> None:
    settings = load_settings(webhook_secret=SECRET)
    assert uses_webhook(settings, webhook=True)
    with pytest.raises(ConfigError, match=r"^WEBHOOK_URL is not set"):
        webhook_options(settings)


def test_a_url_without_path_needs_webhook_path() -> None:
    settings = load_settings(webhook_url="https://bot.example.com", webhook_secret=SECRET)
    with pytest.raises(ConfigError, match="WEBHOOK_URL has no path"):
        webhook_options(settings)
    fixed = load_settings(
        webhook_url="https://bot.example.com", webhook_secret=SECRET, webhook_path="telegram"
    )
    assert webhook_options(fixed)["url_path"] == "telegram"


def test_plain_http_is_only_for_a_self_hosted_bot_api_server() -> None:
    with pytest.raises(ConfigError, match=r"WEBHOOK_URL: must start with https://"):
        load_settings(webhook_url="http://bot.example.com/telegram")
    settings = load_settings(
        webhook_url="http://10.0.0.5:8080/telegram",
        telegram_api_base_url="http://127.0.0.1:8081/bot",
    )
    assert settings.webhook_url == "http://10.0.0.5:8080/telegram"


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("WEBHOOK_SECRET", "has spaces in it", "A-Z, a-z, 0-9, _ and -"),
        ("WEBHOOK_SECRET", "x" * 257, "1-256 characters"),
        ("WEBHOOK_SECRET", "秘密", "1-256 characters"),
        ("WEBHOOK_PORT", "0", "between 1 and 65535"),
        ("WEBHOOK_PORT", "70000", "between 1 and 65535"),
        ("WEBHOOK_PORT", "eighty", "integer"),
        ("WEBHOOK_LISTEN", "not an address!", "IP address or a host name"),
        ("WEBHOOK_URL", "bot.example.com/telegram", "full public URL"),
        ("WEBHOOK_URL", "https://bot.example.com/telegram?x=1", "query string"),
        ("WEBHOOK_PATH", "with space", "URL path"),
        ("LOG_FORMAT", "xml", "'text' or 'json'"),
    ],
)
def test_bad_values_name_the_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, expected: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    message = str(caught.value)
    assert f"{variable}: " in message
    assert expected in message
    assert value not in message or variable != "WEBHOOK_SECRET", "a secret is never echoed"


def test_secret_with_the_whole_allowed_alphabet_is_kept_verbatim() -> None:
    secret = "AZaz09_-" * 32
    settings = load_settings(webhook_secret=secret, webhook_url="https://b.example/t")
    assert webhook_options(settings)["secret_token"] == secret


def test_log_format_is_case_insensitive(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOG_FORMAT", "JSON")
    assert load_settings().log_format == "json"

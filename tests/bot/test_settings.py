from __future__ import annotations

import pytest

from bot.settings import DEFAULT_DATABASE_URL, ConfigError, load_settings


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    """Neither the developer's environment nor a stray .env may leak into these tests."""
    for name in (
        "TELEGRAM_BOT_TOKEN",
        "TELEGRAM_API_BASE_URL",
        "TELEGRAM_API_FILE_URL",
        "DATABASE_URL",
        "ADMIN_IDS",
        "DEFAULT_LANGUAGE",
        "LOG_LEVEL",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


def test_defaults_use_an_sqlite_file_in_the_working_directory() -> None:
    settings = load_settings()
    assert settings.database_url == DEFAULT_DATABASE_URL
    assert settings.admin_ids == frozenset()
    assert settings.default_language == "zh"
    assert settings.log_level == "INFO"
    assert settings.telegram_api_base_url is None


def test_environment_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:abc")
    monkeypatch.setenv("DATABASE_URL", "postgresql://green:secret@db.example:5432/greenlist")
    monkeypatch.setenv("ADMIN_IDS", "101, 202,303")
    monkeypatch.setenv("DEFAULT_LANGUAGE", "en")
    monkeypatch.setenv("LOG_LEVEL", "debug")
    monkeypatch.setenv("TELEGRAM_API_BASE_URL", "http://127.0.0.1:8081/bot")
    settings = load_settings()
    assert settings.token() == "123:abc"
    assert settings.database_url == "postgresql+asyncpg://green:secret@db.example:5432/greenlist"
    assert settings.admin_ids == frozenset({101, 202, 303})
    assert settings.default_language == "en"
    assert settings.log_level == "DEBUG"
    assert settings.file_url() == "http://127.0.0.1:8081/file/bot"


def test_dot_env_file_is_read(tmp_path) -> None:
    (tmp_path / ".env").write_text(
        "TELEGRAM_BOT_TOKEN=999:from-file\nADMIN_IDS=7\n", encoding="utf-8"
    )
    settings = load_settings()
    assert settings.token() == "999:from-file"
    assert settings.admin_ids == frozenset({7})


def test_missing_token_is_one_clear_sentence() -> None:
    settings = load_settings()
    with pytest.raises(ConfigError) as caught:
        settings.token()
    message = str(caught.value)
    assert message.startswith("TELEGRAM_BOT_TOKEN is not set")
    assert "\n" not in message


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("DATABASE_URL", "mysql://root@localhost/x", "DATABASE_URL"),
        ("DATABASE_URL", "not a url", "DATABASE_URL"),
        ("ADMIN_IDS", "12,abc", "ADMIN_IDS"),
        ("DEFAULT_LANGUAGE", "fr", "DEFAULT_LANGUAGE"),
        ("TELEGRAM_API_BASE_URL", "ftp://x/bot", "TELEGRAM_API_BASE_URL"),
    ],
)
def test_bad_values_name_the_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, expected: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert expected in str(caught.value)
    assert "Traceback" not in str(caught.value)

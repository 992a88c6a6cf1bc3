"""Runtime settings, read from the environment and an optional `.env` file.

Every knob an operator may turn lives here so that the rest of the code receives
plain values and never reads the environment itself.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from storage import normalise_url

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///greenlist.db"


class ConfigError(Exception):
    """A setting is missing or wrong; the message is one sentence an operator can act on."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
    )

    telegram_bot_token: SecretStr | None = None
    telegram_api_base_url: str | None = Field(
        default=None, description="Self-hosted Bot API server, e.g. http://127.0.0.1:8081/bot"
    )
    telegram_api_file_url: str | None = Field(
        default=None, description="File URL of a self-hosted Bot API server (derived if unset)"
    )
    database_url: str = DEFAULT_DATABASE_URL
    admin_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    default_language: Literal["zh", "en"] = "zh"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"

    @field_validator("database_url")
    @classmethod
    def _database_url_is_usable(cls, value: str) -> str:
        return normalise_url(value)

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_admin_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p.strip() for p in value.replace(";", ",").split(",") if p.strip()]
            try:
                return frozenset(int(p) for p in parts)
            except ValueError:
                raise ValueError(
                    "ADMIN_IDS must be Telegram user ids separated by commas, e.g. 12345,67890"
                ) from None
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_log_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("telegram_api_base_url", "telegram_api_file_url")
    @classmethod
    def _url_looks_like_http(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip()
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value

    def token(self) -> str:
        """The bot token, or a ConfigError saying how to provide it."""
        if self.telegram_bot_token is None or not self.telegram_bot_token.get_secret_value():
            raise ConfigError(
                "TELEGRAM_BOT_TOKEN is not set: create a bot with @BotFather and export "
                "TELEGRAM_BOT_TOKEN=<token> (or put it in a .env file) before starting the bot."
            )
        return self.telegram_bot_token.get_secret_value().strip()

    def file_url(self) -> str | None:
        """Self-hosted servers serve files under /file/bot beside /bot."""
        if self.telegram_api_file_url:
            return self.telegram_api_file_url
        base = self.telegram_api_base_url
        if base and base.rstrip("/").endswith("/bot"):
            return base.rstrip("/")[: -len("/bot")] + "/file/bot"
        return None

    @property
    def is_default_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment, with errors turned into one readable sentence."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            name = ".".join(str(p) for p in error["loc"]).upper() or "settings"
            message = str(error["msg"]).removeprefix("Value error, ")
            problems.append(f"{name}: {message}")
        raise ConfigError("Invalid configuration: " + "; ".join(problems)) from None

"""Runtime settings, read from the environment and an optional `.env` file.

Every knob an operator may turn lives here so that the rest of the code receives
plain values and never reads the environment itself.
"""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from storage import normalise_url
from storage.sqlite_driver import SqliteDriver

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///greenlist.db"
DEFAULT_WEBHOOK_LISTEN = "127.0.0.1"
# Plain HTTP on the loopback interface, behind a proxy that terminates TLS; 8443 would
# suggest TLS here, and 8081 is what a self-hosted Bot API server listens on.
DEFAULT_WEBHOOK_PORT = 8080
DEFAULT_WEBHOOK_PATH = "telegram"
# What TELEGRAM_PROXY may start with (bot/telegram/proxy.py speaks each of them).
PROXY_SCHEMES = ("http", "https", "socks4", "socks4a", "socks5", "socks5h")

# What Telegram accepts in the X-Telegram-Bot-Api-Secret-Token header (setWebhook).
_SECRET_TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{1,256}")
_LABEL = r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_HOSTNAME_RE = re.compile(rf"(?=.{{1,253}}$){_LABEL}(\.{_LABEL})*")
_URL_PATH_RE = re.compile(r"[A-Za-z0-9._~!$&'()*+,;=:@%/-]*")


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
    telegram_proxy: str | None = Field(
        default=None,
        description="Proxy for every Bot API call, e.g. socks5h://user:pass@127.0.0.1:1080; "
        "unset: HTTPS_PROXY, then ALL_PROXY, from the environment",
    )
    database_url: str = DEFAULT_DATABASE_URL
    sqlite_driver: SqliteDriver = Field(
        default="inline",
        description="inline runs SQLite statements on the event loop's thread (fastest); "
        "stock uses SQLAlchemy's own aiosqlite adapter, should a library update break inline",
    )
    evidence_dir: str | None = Field(
        default=None,
        description="Directory of the evidence store (default: evidence/ beside the SQLite "
        "file, else in the working directory); ignored when EVIDENCE_S3_BUCKET is set",
    )
    evidence_s3_bucket: str | None = Field(
        default=None, description="S3 bucket for evidence files; setting it selects S3"
    )
    evidence_s3_endpoint: str | None = Field(
        default=None, description="S3-compatible endpoint URL (MinIO, Ceph, OSS); unset for AWS"
    )
    evidence_s3_region: str | None = None
    evidence_s3_access_key: SecretStr | None = None
    evidence_s3_secret_key: SecretStr | None = None
    reading_workers: int = Field(
        default=1,
        ge=0,
        le=8,
        description="Worker processes that read uploaded certificates (PDF text, OCR) beside "
        "the interview; 0 reads nothing",
    )
    database_timeout: float = Field(
        default=3.0,
        gt=0,
        le=60,
        description="Seconds one PostgreSQL connect, statement or commit may take",
    )
    database_retry_budget: float = Field(
        default=6.0,
        ge=0,
        le=120,
        description="Seconds a transient database error is retried before the user hears",
    )
    admin_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    default_language: Literal["zh", "en"] = "zh"
    telegram_rate_limit: bool = Field(
        default=True,
        description="Pace outgoing messages to Telegram's limits (about 30/s overall); "
        "turn off only against a local test server",
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    log_format: Literal["text", "json"] = Field(
        default="text", description="text for a terminal, json for one JSON object per line"
    )
    webhook_url: str | None = Field(
        default=None, description="Public https URL Telegram posts updates to (webhook mode)"
    )
    webhook_secret: SecretStr | None = Field(
        default=None, description="Shared secret Telegram sends with every webhook request"
    )
    webhook_listen: str = Field(
        default=DEFAULT_WEBHOOK_LISTEN, description="Address the webhook server binds"
    )
    webhook_port: int = Field(
        default=DEFAULT_WEBHOOK_PORT, description="Port the webhook server binds"
    )
    webhook_path: str | None = Field(
        default=None, description="Local path of the webhook (default: WEBHOOK_URL's path)"
    )

    @field_validator("database_url")
    @classmethod
    def _database_url_is_usable(cls, value: str) -> str:
        return normalise_url(value)

    @field_validator("sqlite_driver", mode="before")
    @classmethod
    def _lower_sqlite_driver(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

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

    @field_validator("log_format", mode="before")
    @classmethod
    def _lower_log_format(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("webhook_url")
    @classmethod
    def _webhook_url_is_absolute(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip()
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(
                "must be the full public URL Telegram posts to, e.g. "
                f"https://bot.example.com/{DEFAULT_WEBHOOK_PATH}"
            )
        if parts.query or parts.fragment:
            raise ValueError("must not carry a query string or a fragment")
        try:
            parts.port  # noqa: B018 - reading the port is what validates it
        except ValueError:
            raise ValueError("has an invalid port") from None
        # Telegram delivers only to https; a self-hosted Bot API server (--local) also
        # delivers to plain http, and TELEGRAM_API_BASE_URL is how one is configured.
        if parts.scheme == "http" and not info.data.get("telegram_api_base_url"):
            raise ValueError(
                "must start with https:// (Telegram delivers only to https; plain http "
                "works only with a self-hosted Bot API server)"
            )
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _secret_fits_telegram(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value().strip():
            return None
        secret = value.get_secret_value().strip()
        if not _SECRET_TOKEN_RE.fullmatch(secret):
            raise ValueError(
                "must be 1-256 characters of A-Z, a-z, 0-9, _ and - (Telegram's rule), "
                "e.g. the output of `openssl rand -hex 32`"
            )
        return SecretStr(secret)

    @field_validator("webhook_listen")
    @classmethod
    def _listen_is_an_address(cls, value: str) -> str:
        value = value.strip().removeprefix("[").removesuffix("]")
        try:
            ipaddress.ip_address(value)
        except ValueError:
            if not _HOSTNAME_RE.fullmatch(value):
                raise ValueError(
                    "must be an IP address or a host name to bind, e.g. 127.0.0.1 or 0.0.0.0"
                ) from None
        return value

    @field_validator("webhook_port")
    @classmethod
    def _port_in_range(cls, value: int) -> int:
        if not 1 <= value <= 65535:
            raise ValueError("must be a TCP port between 1 and 65535")
        return value

    @field_validator("webhook_path")
    @classmethod
    def _path_is_plain(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        path = value.strip().strip("/")
        if not _URL_PATH_RE.fullmatch(path):
            raise ValueError("must be a URL path such as telegram or hooks/greenlist")
        return path

    @field_validator("telegram_proxy")
    @classmethod
    def _proxy_scheme_is_known(cls, value: str | None) -> str | None:
        """Checked at start, not at the first call; the client reads the rest of the URL."""
        if value is None or not value.strip():
            return None
        value = value.strip()
        scheme = value.split("://", 1)[0].lower() if "://" in value else "http"
        if scheme not in PROXY_SCHEMES:
            known = ", ".join(f"{name}://" for name in PROXY_SCHEMES)
            raise ValueError(f"the proxy scheme {scheme}:// is not supported (use {known})")
        parts = urlsplit(value if "://" in value else f"http://{value}")
        try:
            parts.port  # noqa: B018 - urlsplit checks the port only when asked
        except ValueError:
            raise ValueError("the proxy's port must be a number from 1 to 65535") from None
        if not parts.hostname:
            raise ValueError("names no proxy host (write e.g. socks5h://127.0.0.1:1080)")
        return value

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

    def webhook_secret_token(self) -> str:
        """The webhook secret, or a ConfigError saying how to provide it."""
        if self.webhook_secret is None:
            raise ConfigError(
                "WEBHOOK_SECRET is not set: webhook mode needs a shared secret of 1-256 "
                "characters A-Z a-z 0-9 _ - (e.g. `openssl rand -hex 32`) so that only "
                "Telegram can post updates."
            )
        return self.webhook_secret.get_secret_value()

    def effective_webhook_path(self) -> str:
        """WEBHOOK_PATH, else the path of WEBHOOK_URL: where the bot's webhook server listens.

        They differ only when the reverse proxy rewrites the path. A URL without a path
        and no WEBHOOK_PATH is refused: the webhook would then sit at the site's root.
        """
        if self.webhook_path is not None:
            return self.webhook_path
        path = urlsplit(self.webhook_url or "").path.strip("/")
        if not path:
            raise ConfigError(
                "WEBHOOK_URL has no path: give the full URL Telegram posts to, e.g. "
                f"https://bot.example.com/{DEFAULT_WEBHOOK_PATH}, or set WEBHOOK_PATH."
            )
        return path

    def evidence_directory(self) -> Path:
        """EVIDENCE_DIR, else `evidence/` beside the SQLite file (or the working directory)."""
        if self.evidence_dir and self.evidence_dir.strip():
            return Path(self.evidence_dir.strip()).expanduser()
        if self.database_url.startswith("sqlite"):
            database = self.database_url.split("///", 1)[-1].split("?", 1)[0]
            if database and database != ":memory:":
                return Path(database).expanduser().parent / "evidence"
        return Path("evidence")

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

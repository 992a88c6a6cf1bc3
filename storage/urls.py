"""Database URLs as an operator sees them: printable without the password."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError


def redacted_url(url: str) -> str:
    """The URL with its password masked, fit for a terminal or a log."""
    return make_url(url).render_as_string(hide_password=True)


def url_password(url: str) -> str | None:
    """The password in `url`, so logs can mask it; None when there is none or no URL."""
    try:
        password = make_url(url).password
    except ArgumentError:
        return None
    return str(password) if password else None


def missing_sqlite_file(url: str) -> Path | None:
    """The SQLite file `url` names when it does not exist (in-memory and URI forms excepted)."""
    parsed = make_url(url)
    database = parsed.database or ""
    if parsed.get_backend_name() != "sqlite" or database in {"", ":memory:"}:
        return None
    if database.startswith("file:"):
        return None
    path = Path(database)
    return None if path.exists() else path


__all__ = ["missing_sqlite_file", "redacted_url", "url_password"]

"""What front ends ask storage about a failure: the database's fault, and an outage?"""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError

from storage.errors import error_summary, is_database_error, is_database_outage
from storage.urls import redacted_url, url_password


class _DriverError(Exception):
    def __init__(self, message: str, sqlstate: str) -> None:
        super().__init__(message)
        self.sqlstate = sqlstate


def test_a_lost_connection_is_an_outage_and_a_broken_statement_is_not() -> None:
    lost = OperationalError("SELECT 1", {}, _DriverError("server closed", "08006"))
    shutting_down = ProgrammingError("SELECT 1", {}, _DriverError("admin shutdown", "57P01"))
    duplicate = IntegrityError("INSERT", {}, _DriverError("duplicate key", "23505"))
    assert is_database_outage(lost)
    assert is_database_outage(shutting_down)
    assert is_database_outage(ConnectionRefusedError())
    assert not is_database_outage(duplicate)
    assert not is_database_outage(ValueError("bad answer"))
    assert not is_database_outage(None)


def test_an_outage_is_found_behind_the_error_that_wraps_it() -> None:
    try:
        try:
            raise OperationalError("SELECT 1", {}, _DriverError("timeout", "08001"))
        except OperationalError as exc:
            raise RuntimeError("the update failed") from exc
    except RuntimeError as wrapped:
        assert is_database_outage(wrapped)


def test_database_errors_are_told_apart_from_others_with_their_first_line() -> None:
    error = ProgrammingError("SELECT", {}, _DriverError("relation missing\nLINE 1: …", "42P01"))
    assert is_database_error(error)
    assert not is_database_error(OSError("disk full"))
    assert error_summary(error) == "relation missing"


def test_urls_are_shown_without_their_password() -> None:
    url = "postgresql+asyncpg://bot:s3cret@db:5432/greenlist"
    assert "s3cret" not in redacted_url(url)
    assert url_password(url) == "s3cret"
    assert url_password("sqlite+aiosqlite:///greenlist.db") is None
    assert url_password("not a url") is None

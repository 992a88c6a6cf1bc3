"""Errors callers are expected to handle, and questions about database failures.

Callers above storage never see SQLAlchemy's exception types: they ask here whether a
failure came from the database, and whether it is an outage (worth telling the user to try
again later) rather than a fault in what was asked.
"""

from __future__ import annotations

from alembic.util.exc import CommandError as MigrationError
from sqlalchemy.exc import DBAPIError, OperationalError, SQLAlchemyError

#: SQLSTATE classes of a server that cannot serve now: connection exception (08),
#: insufficient resources (53), operator intervention such as a shutdown (57), and a
#: database that is not accepting connections (55000).
OUTAGE_STATES = ("08", "53", "57", "55000")


class ConcurrentUpdate(Exception):
    """Someone else wrote the same row since it was read.

    The unit of work is rolled back; the caller reloads and retries (or tells the user the
    session moved on), instead of overwriting the other write.
    """


def is_database_error(error: BaseException) -> bool:
    """Whether `error` was raised by the database layer (a driver, the pool, a statement, a
    migration script)."""
    return isinstance(error, SQLAlchemyError | MigrationError)


def is_database_outage(error: BaseException | None) -> bool:
    """Whether the database, not the request, is at fault: then the request is safe to repeat.

    The whole chain of causes is searched, since the driver's error is often wrapped.
    """
    while error is not None:
        if isinstance(error, OperationalError | ConnectionError | OSError | TimeoutError):
            return True
        if isinstance(error, DBAPIError):
            if error.connection_invalidated:
                return True
            state = str(getattr(error.orig, "sqlstate", "") or "")
            if state.startswith(OUTAGE_STATES):
                return True
        state = str(getattr(error, "sqlstate", "") or "")
        if state.startswith(OUTAGE_STATES):
            return True
        error = error.__cause__ or error.__context__
    return False


def error_summary(error: BaseException) -> str:
    """The first line of the driver's own message, without SQLAlchemy's wrapping."""
    original = getattr(error, "orig", None) or error
    lines = str(original).strip().splitlines()
    return lines[0] if lines else ""


__all__ = [
    "OUTAGE_STATES",
    "ConcurrentUpdate",
    "error_summary",
    "is_database_error",
    "is_database_outage",
]

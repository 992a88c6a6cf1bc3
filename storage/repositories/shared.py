"""What every repository relies on: enum values checked at the door, a flush that reports
lost races as ConcurrentUpdate, and the tables behind the models for Core statements."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from storage.errors import ConcurrentUpdate
from storage.models import Decision, Language, Role, Status

_E = TypeVar("_E", Status, Role, Language, Decision)


def coerce(enum_cls: type[_E], value: str, what: str) -> _E:
    """A value as its enum member; a ValueError listing the allowed ones otherwise."""
    try:
        return enum_cls(value)
    except ValueError:
        allowed = ", ".join(member.value for member in enum_cls)
        raise ValueError(f"unknown {what} {value!r}; expected one of: {allowed}") from None


async def flush(session: AsyncSession) -> None:
    """Send pending changes; a row changed by someone else since it was read fails here."""
    if not (session.new or session.dirty or session.deleted):
        return  # the usual case on the way of every answer: no trip into the ORM's flush
    try:
        await session.flush()
    except StaleDataError as exc:
        raise ConcurrentUpdate(str(exc)) from exc


def dialect_insert(session: AsyncSession, table: Any) -> Any:
    """The dialect's INSERT, which offers ON CONFLICT on both supported backends."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def table_of(model: type[Any]) -> Table:
    """A mapped class's table, typed as one so Core's insert/update accept it."""
    table = model.__table__
    assert isinstance(table, Table)
    return table


__all__ = ["coerce", "dialect_insert", "flush", "table_of"]

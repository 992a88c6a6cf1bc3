"""People: everyone who has used the bot, with the role and language they keep."""

from __future__ import annotations

import builtins
from collections.abc import Collection
from typing import Any

from sqlalchemy import TextClause, bindparam, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AssessmentSession, Language, Person, Role, utcnow
from storage.repositories.sessions import newest_open_session
from storage.repositories.shared import coerce, flush, table_of

_PEOPLE = table_of(Person)

# The dialects' INSERT ... ON CONFLICT constructs cannot be cached by SQLAlchemy (their
# Insert class sets inherit_cache=False), so every execution compiled the statement anew;
# on the path every update takes, that was the larger part of the storage work. Written
# as text, which SQLite and PostgreSQL accept alike, they are compiled once and cached.
_PERSON_INSERTED = ("telegram_id", "name", "username", "language", "role", "created_at")


def _person_upsert(*, set_language: bool, returning: bool) -> TextClause:
    table = Person.__table__
    updated = ["name", "username", "updated_at"] + (["language"] if set_language else [])
    sql = (
        f"INSERT INTO people ({', '.join(_PERSON_INSERTED)}, updated_at) "
        f"VALUES ({', '.join(':' + name for name in _PERSON_INSERTED)}, :created_at) "
        "ON CONFLICT (telegram_id) DO UPDATE SET "
        + ", ".join(f"{name} = excluded.{name}" for name in updated)
    )
    if returning:
        sql += " RETURNING " + ", ".join(column.name for column in table.c)
    return text(sql).bindparams(
        *(bindparam(name, type_=table.c[name].type) for name in _PERSON_INSERTED)
    )


_UPSERT_PERSON = {
    set_language: select(Person)
    .from_statement(
        _person_upsert(set_language=set_language, returning=True).columns(*Person.__table__.c)
    )
    .execution_options(populate_existing=True)
    for set_language in (False, True)
}
_UPSERT_PERSON_NO_RETURNING = {
    set_language: _person_upsert(set_language=set_language, returning=False)
    for set_language in (False, True)
}

# Read on every update: built once, so only its parameter changes between executions
# (constructing the statement and its cache key each time cost more than running it).
_VISIT = (
    select(Person, AssessmentSession)
    .outerjoin(
        AssessmentSession,
        AssessmentSession.id
        == newest_open_session(Person.telegram_id).correlate(Person).scalar_subquery(),
    )
    .where(Person.telegram_id == bindparam("telegram_id"))
)


def _as_stored(name: str, username: str | None) -> tuple[str, str | None]:
    """A Telegram name and username as the people table keeps them (bounded, no empty)."""
    return name[:256], username[:64] if username else None


class PeopleRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, telegram_id: int) -> Person | None:
        return await self._session.get(Person, telegram_id)

    async def visit(
        self,
        telegram_id: int,
        name: str,
        username: str | None = None,
        *,
        initial_language: str | None = None,
    ) -> tuple[Person, AssessmentSession | None]:
        """The person behind an update, recorded as `upsert` does, and their open session.

        Every update needs both; read together they cost one statement where the person
        is known under the same name, which is nearly always. Only a new or renamed
        person is written, so `updated_at` tells when the record last changed.
        """
        found = (await self._session.execute(_VISIT, {"telegram_id": telegram_id})).first()
        person, open_session = (found[0], found[1]) if found is not None else (None, None)
        if person is None or (person.name, person.username) != _as_stored(name, username):
            person = await self.upsert(
                telegram_id, name, username, initial_language=initial_language
            )
        return person, open_session

    async def upsert(
        self,
        telegram_id: int,
        name: str,
        username: str | None = None,
        language: str | None = None,
        *,
        initial_language: str | None = None,
    ) -> Person:
        """Record a Telegram user as seen now, keeping any role granted earlier.

        A single INSERT ... ON CONFLICT makes two processes greeting the same new user at
        once converge instead of one failing on the primary key. The language is only
        changed when one is given, so a user's explicit choice survives later visits;
        `initial_language` (what their Telegram client says) only applies to a new person.
        """
        now = utcnow()
        lang = coerce(Language, language, "language") if language is not None else None
        first = (
            coerce(Language, initial_language, "language") if initial_language is not None else None
        )
        stored_name, stored_username = _as_stored(name, username)
        values: dict[str, Any] = {
            "telegram_id": telegram_id,
            "name": stored_name,
            "username": stored_username,
            "language": lang or first or Language.ZH,
            "role": Role.SUPPLIER,
            "created_at": now,
        }
        set_language = lang is not None
        if self._session.get_bind().dialect.insert_returning:
            # One statement that also hands back the row (SQLite 3.35+, PostgreSQL).
            rows = await self._session.scalars(_UPSERT_PERSON[set_language], values)
            return rows.one()
        await self._session.execute(_UPSERT_PERSON_NO_RETURNING[set_language], values)
        person = await self._session.get(Person, telegram_id, populate_existing=True)
        assert person is not None  # just written in this transaction
        return person

    async def anonymise(self, telegram_id: int) -> Person | None:
        """Forget the person's name and username; the id stays so their role survives."""
        person = await self.get(telegram_id)
        if person is None:
            return None
        person.name = ""
        person.username = None
        person.updated_at = utcnow()
        await flush(self._session)
        return person

    async def set_role(self, telegram_id: int, role: str) -> Person | None:
        """Returns None when nobody with this id has used the bot yet."""
        person = await self.get(telegram_id)
        if person is None:
            return None
        person.role = coerce(Role, role, "role")
        await flush(self._session)
        return person

    async def set_language(self, telegram_id: int, lang: str) -> Person | None:
        person = await self.get(telegram_id)
        if person is None:
            return None
        person.language = coerce(Language, lang, "language")
        await flush(self._session)
        return person

    async def list(self, role: str | None = None) -> builtins.list[Person]:
        query = select(Person).order_by(Person.created_at, Person.telegram_id)
        if role is not None:
            query = query.where(Person.role == coerce(Role, role, "role"))
        return list((await self._session.scalars(query)).all())

    async def languages(self, telegram_ids: Collection[int]) -> dict[int, str]:
        """The language of each of these people, read as bare columns: for a batch of
        notices, where loading whole rows into the unit of work would only cost."""
        query = select(_PEOPLE.c.telegram_id, _PEOPLE.c.language).where(
            _PEOPLE.c.telegram_id.in_(sorted(set(telegram_ids)))
        )
        return {
            owner: str(language) for owner, language in (await self._session.execute(query)).all()
        }

    async def lock_admins(self) -> builtins.list[Person]:
        """The admins, locked until commit (PostgreSQL), before a change that may remove one.

        Two concurrent demotions of the last two admins are then serialised: the second
        sees the first one's change and finds a single admin left.
        """
        query = (
            select(Person)
            .where(Person.role == Role.ADMIN)
            .order_by(Person.telegram_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return list((await self._session.scalars(query)).all())

    async def count_admins(self) -> int:
        query = select(func.count()).select_from(Person).where(Person.role == Role.ADMIN)
        return int(await self._session.scalar(query) or 0)


__all__ = ["PeopleRepository"]

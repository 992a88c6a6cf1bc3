"""Role changes, shared by the chat (/grant, /revoke, /people) and `greenlist roles`.

The rule that matters lives here once: the last admin can be neither revoked nor demoted.
It is checked with the admins locked (PostgreSQL), so two concurrent demotions of the last
two admins are serialised and the second one is refused. Nothing here commits: the caller's
unit of work decides, so the change and its audit entry become durable together.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from storage import Person, Role, UnitOfWork

GRANTABLE_ROLES: tuple[Role, ...] = (Role.ASSESSOR, Role.ADMIN)
_MAX_TELEGRAM_ID = 2**63 - 1


class RoleRefused(Exception):
    """A role change that breaks a rule; nothing was changed."""

    def __init__(self, user_id: int) -> None:
        super().__init__(user_id)
        self.user_id = user_id


class LastAdmin(RoleRefused):
    """Removing this admin would leave nobody able to administer the bot."""


class UnknownPerson(RoleRefused):
    """Nobody with this id has used the bot, so there is no role to take away."""


@dataclass(frozen=True)
class RoleChange:
    user_id: int
    name: str
    #: None when the person had never used the bot and has been recorded just now.
    old: Role | None
    new: Role

    @property
    def created(self) -> bool:
        return self.old is None

    @property
    def changed(self) -> bool:
        return self.old != self.new


def parse_user_id(text: str) -> int | None:
    """A Telegram user id as typed (full-width digits accepted), or None."""
    cleaned = unicodedata.normalize("NFKC", text).strip()
    if cleaned.isascii() and cleaned.isdigit() and 0 < int(cleaned) <= _MAX_TELEGRAM_ID:
        return int(cleaned)
    return None


def parse_role(text: str) -> Role | None:
    """A grantable role by its name (assessor, admin), or None."""
    cleaned = unicodedata.normalize("NFKC", text).strip().lower()
    for role in GRANTABLE_ROLES:
        if cleaned == role.value:
            return role
    return None


async def grant(
    uow: UnitOfWork, user_id: int, role: Role, *, actor_id: int | None, note: str | None = None
) -> RoleChange:
    """Give `user_id` the role; someone not yet known is recorded with their id as name."""
    if role not in GRANTABLE_ROLES:
        raise ValueError(f"{role.value} is not a role that can be granted")
    admins = await uow.people.lock_admins()
    person = await uow.people.get(user_id)
    created = person is None
    if person is None:
        person = await uow.people.upsert(user_id, str(user_id))
    old = Role(person.role)
    if old == role:
        return RoleChange(user_id, person.name, old, role)
    if old == Role.ADMIN and _is_last(admins, user_id):
        raise LastAdmin(user_id)
    await uow.people.set_role(user_id, role.value)
    await uow.audit.add(
        actor_id,
        "role.grant",
        f"person:{user_id}",
        old_value=None if created else old.value,
        new_value=role.value,
        note=note,
    )
    return RoleChange(user_id, person.name, None if created else old, role)


async def revoke(
    uow: UnitOfWork, user_id: int, *, actor_id: int | None, note: str | None = None
) -> RoleChange:
    """Back to supplier; refused for someone unknown and for the last admin."""
    admins = await uow.people.lock_admins()
    person = await uow.people.get(user_id)
    if person is None:
        raise UnknownPerson(user_id)
    old = Role(person.role)
    if old == Role.SUPPLIER:
        return RoleChange(user_id, person.name, old, old)
    if old == Role.ADMIN and _is_last(admins, user_id):
        raise LastAdmin(user_id)
    await uow.people.set_role(user_id, Role.SUPPLIER.value)
    await uow.audit.add(
        actor_id,
        "role.revoke",
        f"person:{user_id}",
        old_value=old.value,
        new_value=Role.SUPPLIER.value,
        note=note,
    )
    return RoleChange(user_id, person.name, old, Role.SUPPLIER)


async def staff(uow: UnitOfWork) -> list[Person]:
    """Everyone with a role beyond supplier: admins first, then assessors."""
    return [
        *await uow.people.list(role=Role.ADMIN.value),
        *await uow.people.list(role=Role.ASSESSOR.value),
    ]


def _is_last(admins: list[Person], user_id: int) -> bool:
    others = [p for p in admins if p.telegram_id != user_id]
    return not others


__all__ = [
    "GRANTABLE_ROLES",
    "LastAdmin",
    "RoleChange",
    "RoleRefused",
    "UnknownPerson",
    "grant",
    "parse_role",
    "parse_user_id",
    "revoke",
    "staff",
]

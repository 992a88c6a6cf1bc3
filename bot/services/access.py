"""Who may do what, decided from the database at the moment an action runs.

Menus only hide commands; a forged callback or a typed command reaches the action anyway,
so every desk and admin action asks here first, inside its own transaction.
"""

from __future__ import annotations

import logging

from storage import Role, UnitOfWork

log = logging.getLogger(__name__)

DESK_ROLES = frozenset({Role.ASSESSOR, Role.ADMIN})
ADMIN_ROLES = frozenset({Role.ADMIN})


class Refused(Exception):
    """The person lacks the role; nothing was changed."""


async def require(uow: UnitOfWork, user_id: int, roles: frozenset[Role], action: str) -> None:
    person = await uow.people.get(user_id)
    role = Role(person.role) if person is not None else Role.SUPPLIER
    if role not in roles:
        log.warning("refused %s to user %s (role %s)", action, user_id, role.value)
        raise Refused(action)

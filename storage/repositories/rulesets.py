"""Ruleset versions: admins' edits of the thresholds, stored as whole new versions."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.errors import ConcurrentUpdate
from storage.models import RulesetVersion, utcnow
from storage.repositories.shared import flush

# Version 1 of every ruleset is the YAML file packaged with `criteria`; stored edits
# therefore start at 2.
BASELINE_RULESET_VERSION = 1


class RulesetRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def latest(self, ruleset_id: str) -> RulesetVersion | None:
        """The newest stored edit, or None when the packaged baseline (version 1) applies."""
        query = (
            select(RulesetVersion)
            .where(RulesetVersion.ruleset_id == ruleset_id)
            .order_by(RulesetVersion.version.desc())
            .limit(1)
        )
        return (await self._session.scalars(query)).first()

    async def get(self, ruleset_id: str, version: int) -> RulesetVersion | None:
        query = select(RulesetVersion).where(
            RulesetVersion.ruleset_id == ruleset_id, RulesetVersion.version == version
        )
        return (await self._session.scalars(query)).one_or_none()

    async def add(
        self,
        ruleset_id: str,
        values: Mapping[str, Any],
        author_id: int | None,
        note: str,
    ) -> RulesetVersion:
        """Store the next version (2 for the first edit, since 1 is the packaged baseline).

        Two admins saving at once compete for the same number; the loser gets
        ConcurrentUpdate from the unique (ruleset_id, version) constraint.
        """
        current = await self._session.scalar(
            select(func.max(RulesetVersion.version)).where(RulesetVersion.ruleset_id == ruleset_id)
        )
        row = RulesetVersion(
            ruleset_id=ruleset_id,
            version=max(current or BASELINE_RULESET_VERSION, BASELINE_RULESET_VERSION) + 1,
            values=copy.deepcopy(dict(values)),
            author_id=author_id,
            note=note,
            created_at=utcnow(),
        )
        self._session.add(row)
        try:
            await flush(self._session)
        except IntegrityError as exc:
            raise ConcurrentUpdate(
                f"ruleset {ruleset_id!r} version {row.version} was saved by someone else"
            ) from exc
        return row

    async def history(self, ruleset_id: str) -> list[RulesetVersion]:
        """Stored versions, newest first."""
        query = (
            select(RulesetVersion)
            .where(RulesetVersion.ruleset_id == ruleset_id)
            .order_by(RulesetVersion.version.desc())
        )
        return list((await self._session.scalars(query)).all())


__all__ = ["BASELINE_RULESET_VERSION", "RulesetRepository"]

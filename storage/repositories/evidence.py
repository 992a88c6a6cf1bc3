"""Evidence files: what a supplier uploaded for a question, and where its bytes are stored."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import EvidenceFile, utcnow
from storage.repositories.shared import flush


class EvidenceRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(
        self,
        session_id: int,
        question_id: str,
        file_id: str,
        file_unique_id: str,
        file_name: str | None,
        mime_type: str | None,
        file_size: int | None,
        *,
        sha256: str | None = None,
        stored_size: int | None = None,
        content_type: str | None = None,
        uploader_id: int | None = None,
    ) -> EvidenceFile:
        row = EvidenceFile(
            session_id=session_id,
            question_id=question_id,
            file_id=file_id,
            file_unique_id=file_unique_id,
            file_name=file_name[:512] if file_name else None,
            mime_type=mime_type[:128] if mime_type else None,
            file_size=file_size,
            uploaded_at=utcnow(),
            sha256=sha256,
            stored_size=stored_size,
            content_type=content_type,
            uploader_id=uploader_id,
        )
        self._session.add(row)
        await flush(self._session)
        return row

    async def get(self, evidence_id: int) -> EvidenceFile | None:
        return await self._session.get(EvidenceFile, evidence_id)

    async def list_for_session(self, session_id: int) -> list[EvidenceFile]:
        query = (
            select(EvidenceFile)
            .where(EvidenceFile.session_id == session_id)
            .order_by(EvidenceFile.uploaded_at, EvidenceFile.id)
        )
        return list((await self._session.scalars(query)).all())

    async def list_stored(self, after_id: int = 0, limit: int = 500) -> list[EvidenceFile]:
        """A page of the rows whose bytes are in the store, by id (for verify and export)."""
        query = (
            select(EvidenceFile)
            .where(EvidenceFile.sha256.is_not(None), EvidenceFile.id > after_id)
            .order_by(EvidenceFile.id)
            .limit(limit)
        )
        return list((await self._session.scalars(query)).all())

    async def list_unstored(self, after_id: int = 0, limit: int = 500) -> list[EvidenceFile]:
        """A page of the rows known by Telegram file id only (uploaded before the store)."""
        query = (
            select(EvidenceFile)
            .where(EvidenceFile.sha256.is_(None), EvidenceFile.id > after_id)
            .order_by(EvidenceFile.id)
            .limit(limit)
        )
        return list((await self._session.scalars(query)).all())

    async def count_unstored(self) -> int:
        query = select(func.count()).select_from(EvidenceFile).where(EvidenceFile.sha256.is_(None))
        return int((await self._session.scalar(query)) or 0)

    async def mark_stored(
        self, evidence_id: int, sha256: str, stored_size: int, content_type: str | None
    ) -> None:
        row = await self._session.get(EvidenceFile, evidence_id)
        if row is None:
            return
        row.sha256 = sha256
        row.stored_size = stored_size
        row.content_type = content_type
        await flush(self._session)

    async def is_referenced(self, sha256: str) -> bool:
        """Whether any row still points at these bytes (the same file may serve twice)."""
        query = select(func.count()).select_from(EvidenceFile).where(EvidenceFile.sha256 == sha256)
        return int((await self._session.scalar(query)) or 0) > 0

    async def referenced(self, digests: Collection[str]) -> set[str]:
        """Of these digests, the ones some row still points at."""
        if not digests:
            return set()
        query = select(EvidenceFile.sha256).where(EvidenceFile.sha256.in_(digests)).distinct()
        return {str(digest) for digest in (await self._session.scalars(query))}

    async def count_by_session(self, session_ids: Collection[int]) -> dict[int, int]:
        """How many files each session has; sessions without any are left out."""
        if not session_ids:
            return {}
        query = (
            select(EvidenceFile.session_id, func.count())
            .where(EvidenceFile.session_id.in_(sorted(set(session_ids))))
            .group_by(EvidenceFile.session_id)
        )
        return {int(sid): int(count) for sid, count in (await self._session.execute(query)).all()}

    async def forget_uploader(self, session_id: int) -> None:
        """The session's files stay with its verdict; who uploaded them (a person) goes."""
        await self._session.execute(
            update(EvidenceFile)
            .where(EvidenceFile.session_id == session_id)
            .values(uploader_id=None)
            .execution_options(synchronize_session="fetch")
        )

    async def digests_for_question(self, session_id: int, question_id: str) -> list[str]:
        query = select(EvidenceFile.sha256).where(
            EvidenceFile.session_id == session_id,
            EvidenceFile.question_id == question_id,
            EvidenceFile.sha256.is_not(None),
        )
        return [str(d) for d in (await self._session.scalars(query)).all()]

    async def remove_for_question(self, session_id: int, question_id: str) -> int:
        """Drop a question's files when the supplier replaces them; returns how many."""
        result = await self._session.execute(
            delete(EvidenceFile)
            .where(EvidenceFile.session_id == session_id, EvidenceFile.question_id == question_id)
            .execution_options(synchronize_session="fetch")
        )
        return int(getattr(result, "rowcount", 0) or 0)


__all__ = ["EvidenceRepository"]

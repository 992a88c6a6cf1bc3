"""The evidence archive: what happens to a file's bytes between upload and audit.

A front end hands over the downloaded bytes; the archive sniffs their type from the content,
refuses what is not a certificate or report format, and stores the rest in the evidence
store by SHA-256 before the upload is confirmed. Assessors, exports and `greenlist evidence
verify` read the bytes back from the store, never from Telegram, so a new bot token or a
second bot changes nothing.

Bytes no row points at any more (a file the supplier replaced, an upload whose answer was
never saved) are swept out of the store once they have gone a day without being written:
the day covers any upload still on its way from the store to its row.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from bot.settings import Settings
from storage import Database, EvidenceFile
from storage.evidence_store import (
    EvidenceStore,
    LocalEvidenceStore,
    S3Config,
    S3EvidenceStore,
    StoreUnavailable,
    sha256_hex,
    sniff_type,
)

log = logging.getLogger(__name__)

#: The Bot API lets a bot download files up to 20 MB (getFile); larger ones cannot be kept.
BOT_API_DOWNLOAD_LIMIT = 20 * 1024 * 1024
#: How long stored bytes may go unreferenced before a sweep deletes them.
UNREFERENCED_KEPT = timedelta(days=1)


@dataclass(frozen=True)
class Stored:
    sha256: str
    size: int
    content_type: str


@dataclass(frozen=True)
class Refused:
    """Why a file was not kept: its content is no accepted type, or the store failed."""

    reason: Literal["type", "store"]


@dataclass(frozen=True)
class Check:
    """One stored file as `verify` found it."""

    evidence_id: int
    session_id: int
    sha256: str
    state: Literal["ok", "missing", "altered"]


@dataclass
class Swept:
    """What one sweep of the store found and did."""

    examined: int = 0
    #: Digests of bytes no row points at, written before the cut-off.
    unreferenced: list[str] = field(default_factory=list)
    deleted: int = 0


def store_from_settings(settings: Settings) -> EvidenceStore:
    """S3 when a bucket is named, else the local directory."""
    if settings.evidence_s3_bucket:
        return S3EvidenceStore(
            S3Config(
                bucket=settings.evidence_s3_bucket,
                endpoint_url=settings.evidence_s3_endpoint,
                region=settings.evidence_s3_region,
                access_key=_secret(settings.evidence_s3_access_key),
                secret_key=_secret(settings.evidence_s3_secret_key),
            )
        )
    return LocalEvidenceStore(settings.evidence_directory())


def _secret(value: object) -> str | None:
    getter = getattr(value, "get_secret_value", None)
    return str(getter()) if getter is not None else None


class EvidenceArchive:
    def __init__(self, db: Database, store: EvidenceStore) -> None:
        self.db = db
        self.store = store

    async def keep(self, data: bytes) -> Stored | Refused:
        """Sniff, then store; nothing is confirmed to a supplier unless this returns Stored."""
        kind = sniff_type(data)
        if kind is None:
            return Refused("type")
        try:
            digest = await self.store.put(data)
        except StoreUnavailable as exc:
            log.error("evidence store failed: %s", exc)
            return Refused("store")
        return Stored(digest, len(data), kind)

    async def content(self, row: EvidenceFile) -> bytes | None:
        """The file's bytes from the store, checked against the digest; None if not there."""
        if not row.sha256:
            return None
        return await self.content_of(row.sha256)

    async def content_of(self, sha256: str) -> bytes | None:
        """The bytes stored under a digest, checked against it; None if not there."""
        data = await self.store.get(sha256)
        if data is None or sha256_hex(data) != sha256:
            return None
        return data

    async def stored_rows(self, page: int = 500) -> AsyncIterator[EvidenceFile]:
        """Every row with stored bytes, a page per short transaction."""
        after = 0
        while True:
            async with self.db.unit_of_work() as uow:
                rows = await uow.evidence.list_stored(after, page)
            if not rows:
                return
            for row in rows:
                yield row
            after = rows[-1].id

    async def verify(self) -> AsyncIterator[Check]:
        """Re-hash every stored file: missing (not in the store) or altered (other bytes)."""
        async for row in self.stored_rows():
            assert row.sha256 is not None
            data = await self.store.get(row.sha256)
            if data is None:
                state: Literal["ok", "missing", "altered"] = "missing"
            elif sha256_hex(data) != row.sha256:
                state = "altered"
            else:
                state = "ok"
            yield Check(row.id, row.session_id, row.sha256, state)

    async def forget(self, digests: list[str]) -> int:
        """Delete stored bytes no row refers to any more; returns how many went."""
        gone = 0
        for digest in sorted(set(digests)):
            async with self.db.unit_of_work() as uow:
                if await uow.evidence.is_referenced(digest):
                    continue
            await self.store.delete(digest)
            gone += 1
        return gone

    async def sweep(self, now: datetime, *, dry_run: bool = False) -> Swept:
        """Delete stored bytes that no row has pointed at for `UNREFERENCED_KEPT`."""
        cut_off = now - UNREFERENCED_KEPT
        swept = Swept()
        async for page in self.store.listing():
            swept.examined += len(page)
            old = {item.sha256 for item in page if item.written < cut_off}
            if not old:
                continue
            async with self.db.unit_of_work() as uow:
                kept = await uow.evidence.referenced(old)
            for digest in sorted(old - kept):
                swept.unreferenced.append(digest)
                if not dry_run and await self.store.delete_unless_written_since(digest, cut_off):
                    swept.deleted += 1
        if swept.deleted:
            log.info("swept %d unreferenced evidence file(s) from the store", swept.deleted)
        return swept

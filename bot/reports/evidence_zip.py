"""`greenlist export --evidence`: every archived file in one zip, a folder per session.

An auditor gets the bytes the assessors saw, outside Telegram: `session-<id>-<company>/
<question>/<file name>`, plus `manifest.json` (each file's session, question, size, type
and SHA-256) and `SHA256SUMS` in the format `sha256sum -c` reads. Files are read from the
evidence store and checked against their digest; one that is missing or altered is left
out of the folders and named in the manifest instead.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.services.evidence import EvidenceArchive
from storage import AssessmentSession, EvidenceFile

_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


@dataclass
class EvidenceZipSummary:
    sessions: int = 0
    files: int = 0
    missing: list[int] = field(default_factory=list)


def safe_name(text: str, limit: int = 80) -> str:
    """A path component every unzip tool accepts: no separators, no control characters."""
    cleaned = _UNSAFE.sub("_", text).strip(" .")
    return cleaned[:limit] or "_"


def session_folder(session: AssessmentSession) -> str:
    company = session.company_name or ""
    return safe_name(f"session-{session.id}-{company}" if company else f"session-{session.id}")


def _file_name(row: EvidenceFile) -> str:
    if row.file_name:
        return safe_name(row.file_name, 120)
    return f"{row.sha256[:12] if row.sha256 else row.id}.{row.content_type or 'bin'}"


async def write_evidence_zip(
    archive: EvidenceArchive, path: Path, *, status: str | None = None
) -> EvidenceZipSummary:
    """Write the zip to `path` atomically (a temporary file renamed into place)."""
    summary = EvidenceZipSummary()
    sessions: dict[int, AssessmentSession | None] = {}
    entries: list[dict[str, Any]] = []
    taken: set[str] = set()
    directory = path.parent if str(path.parent) else Path(".")
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=directory)
    os.close(handle)
    try:
        with zipfile.ZipFile(temporary, "w", compression=zipfile.ZIP_DEFLATED) as out:
            async for row in archive.stored_rows():
                if row.session_id not in sessions:
                    async with archive.db.unit_of_work() as uow:
                        sessions[row.session_id] = await uow.sessions.get(row.session_id)
                session = sessions[row.session_id]
                if session is None or (status is not None and str(session.status) != status):
                    continue
                data = await archive.content(row)
                if data is None:
                    summary.missing.append(row.id)
                    entries.append(_entry(row, session, None))
                    continue
                member = _unique(
                    f"{session_folder(session)}/{row.question_id}/{_file_name(row)}", taken
                )
                out.writestr(member, data)
                entries.append(_entry(row, session, member))
                summary.files += 1
            summary.sessions = len({e["session_id"] for e in entries if e["path"]})
            manifest = {"files": entries, "missing_evidence_ids": summary.missing}
            out.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
            sums = "".join(f"{e['sha256']}  {e['path']}\n" for e in entries if e["path"])
            out.writestr("SHA256SUMS", sums)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    return summary


def _unique(member: str, taken: set[str]) -> str:
    """Two uploads of the same name for one question both go in, the second numbered."""
    candidate, n = member, 1
    stem, dot, suffix = member.rpartition(".")
    while candidate in taken:
        n += 1
        candidate = f"{stem}-{n}.{suffix}" if dot else f"{member}-{n}"
    taken.add(candidate)
    return candidate


def _entry(row: EvidenceFile, session: AssessmentSession, member: str | None) -> dict[str, Any]:
    return {
        "path": member,
        "evidence_id": row.id,
        "session_id": session.id,
        "company": session.company_name,
        "question_id": row.question_id,
        "file_name": row.file_name,
        "content_type": row.content_type,
        "size": row.stored_size,
        "sha256": row.sha256,
        "uploaded_at": row.uploaded_at.isoformat() if row.uploaded_at else None,
        "uploader_id": row.uploader_id,
    }

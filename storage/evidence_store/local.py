"""Evidence in a local directory: the default, beside the SQLite file.

Files sit under `ab/cd/<sha256>` so no directory grows too large. A write goes to a
temporary file in the same directory, is flushed to disk, then renamed into place, so a
crash never leaves a half-written file under a digest's name.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

from storage.evidence_store.base import (
    StoredObject,
    StoreHealth,
    StoreUnavailable,
    check_key,
    is_key,
    sha256_hex,
)

#: Objects per page of a listing.
PAGE = 500

_PROBE = b"greenlist evidence store probe"


class LocalEvidenceStore:
    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    @property
    def where(self) -> str:
        return str(self.root)

    def path_of(self, sha256: str) -> Path:
        key = check_key(sha256)
        return self.root / key[:2] / key[2:4] / key

    async def put(self, data: bytes) -> str:
        digest = sha256_hex(data)
        await asyncio.to_thread(self._write, digest, data)
        return digest

    def _write(self, digest: str, data: bytes) -> None:
        target = self.path_of(digest)
        if target.exists() and target.stat().st_size == len(data):
            os.utime(target)  # written again, as far as a sweep is concerned
            return
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, temp = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
            try:
                with os.fdopen(fd, "wb") as out:
                    out.write(data)
                    out.flush()
                    os.fsync(out.fileno())
                os.replace(temp, target)
            except BaseException:
                Path(temp).unlink(missing_ok=True)
                raise
        except OSError as exc:
            raise StoreUnavailable(f"cannot write to {self.root}: {exc}") from exc

    async def get(self, sha256: str) -> bytes | None:
        return await asyncio.to_thread(self._read, sha256)

    def _read(self, sha256: str) -> bytes | None:
        try:
            return self.path_of(sha256).read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise StoreUnavailable(f"cannot read from {self.root}: {exc}") from exc

    async def exists(self, sha256: str) -> bool:
        return await asyncio.to_thread(self.path_of(sha256).is_file)

    async def delete(self, sha256: str) -> None:
        await asyncio.to_thread(self.path_of(sha256).unlink, True)

    async def listing(self) -> AsyncIterator[list[StoredObject]]:
        found = await asyncio.to_thread(self._list)
        for start in range(0, len(found), PAGE):
            yield found[start : start + PAGE]

    def _list(self) -> list[StoredObject]:
        if not self.root.is_dir():
            return []
        found = []
        for directory, _, names in os.walk(self.root):
            for name in names:
                if is_key(name):
                    written = os.stat(os.path.join(directory, name)).st_mtime
                    found.append(StoredObject(name, datetime.fromtimestamp(written, UTC)))
        return found

    async def delete_unless_written_since(self, sha256: str, since: datetime) -> bool:
        return await asyncio.to_thread(self._delete_unless_written_since, sha256, since)

    def _delete_unless_written_since(self, sha256: str, since: datetime) -> bool:
        path = self.path_of(sha256)
        try:
            if path.stat().st_mtime >= since.timestamp():
                return False
            path.unlink()
        except FileNotFoundError:
            return False
        return True

    async def health(self) -> StoreHealth:
        return await asyncio.to_thread(self._health)

    def _health(self) -> StoreHealth:
        free: int | None = None
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            free = shutil.disk_usage(self.root).free
            digest = sha256_hex(_PROBE)
            probe = self.root / f".probe-{os.getpid()}"
            probe.write_bytes(_PROBE)
            ok = sha256_hex(probe.read_bytes()) == digest
            probe.unlink()
        except OSError as exc:
            return StoreHealth(self.where, False, free, f"not writable: {exc}")
        if not ok:
            return StoreHealth(self.where, False, free, "a probe file read back differently")
        return StoreHealth(self.where, True, free)

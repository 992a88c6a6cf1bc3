"""The interface every evidence store offers, and the naming rule they share."""

from __future__ import annotations

import hashlib
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

_SHA256_RE = re.compile(r"[0-9a-f]{64}")


class StoreUnavailable(Exception):
    """The store cannot be read or written (disk full, bucket unreachable, bad keys)."""


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def is_key(name: str) -> bool:
    return _SHA256_RE.fullmatch(name) is not None


def check_key(sha256: str) -> str:
    """A key is a lowercase SHA-256 and nothing else, so no name can climb out of the store."""
    if not _SHA256_RE.fullmatch(sha256):
        raise ValueError(f"not a SHA-256 digest: {sha256!r}")
    return sha256


@dataclass(frozen=True)
class StoreHealth:
    """What `greenlist doctor` reports about a store; `problem` is None when all is well."""

    where: str
    writable: bool
    free_bytes: int | None
    problem: str | None = None


@dataclass(frozen=True)
class StoredObject:
    """One object in a store: its digest and when its bytes were last written (UTC)."""

    sha256: str
    written: datetime


class EvidenceStore(Protocol):
    """Bytes by their SHA-256. `put` returns the digest and is idempotent."""

    @property
    def where(self) -> str:
        """A human description of the location (a path, a bucket URL), for messages."""
        ...

    async def put(self, data: bytes) -> str: ...

    async def get(self, sha256: str) -> bytes | None:
        """The stored bytes, or None when nothing is stored under that digest."""
        ...

    async def exists(self, sha256: str) -> bool: ...

    async def delete(self, sha256: str) -> None: ...

    def listing(self) -> AsyncIterator[list[StoredObject]]:
        """Every stored object, a page at a time, in no particular order."""
        ...

    async def delete_unless_written_since(self, sha256: str, since: datetime) -> bool:
        """Delete unless the bytes were (re)written at or after `since`; True if deleted.

        `put` of bytes already stored counts as a write, so an upload of the same file
        arriving while a sweep decides keeps its bytes.
        """
        ...

    async def health(self) -> StoreHealth:
        """Write, read back and delete a probe object; the free space where it is known."""
        ...

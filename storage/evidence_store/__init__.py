"""Where uploaded evidence files live: one small interface, a local directory or S3.

Files are content-addressed by their SHA-256, so a file stored twice is kept once, a
stored file can be checked against its name at any time, and Telegram's file ids are only
a cache: a new bot token changes nothing here.
"""

from storage.evidence_store.base import (
    EvidenceStore,
    StoredObject,
    StoreHealth,
    StoreUnavailable,
    sha256_hex,
)
from storage.evidence_store.local import LocalEvidenceStore
from storage.evidence_store.s3 import S3Config, S3EvidenceStore
from storage.evidence_store.sniff import ACCEPTED_TYPES, sniff_type

__all__ = [
    "ACCEPTED_TYPES",
    "EvidenceStore",
    "LocalEvidenceStore",
    "S3Config",
    "S3EvidenceStore",
    "StoreHealth",
    "StoreUnavailable",
    "StoredObject",
    "sha256_hex",
    "sniff_type",
]

"""Errors callers are expected to handle, free of SQLAlchemy types."""

from __future__ import annotations


class ConcurrentUpdate(Exception):
    """Someone else wrote the same row since it was read.

    The unit of work is rolled back; the caller reloads and retries (or tells the user the
    session moved on), instead of overwriting the other write.
    """

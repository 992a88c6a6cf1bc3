"""A CSV table streamed to a binary sink, in UTF-8 with a byte order mark so that Excel
opens Chinese text correctly."""

from __future__ import annotations

import contextlib
import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any, BinaryIO


class CsvWriter:
    """A header row, then rows as they come. `close` leaves `out` open for its owner."""

    def __init__(self, out: BinaryIO, headers: Sequence[str]) -> None:
        self._text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="", write_through=False)
        self._writer = csv.writer(self._text)
        self._writer.writerow(headers)

    def add_rows(self, rows: Iterable[Sequence[Any]]) -> None:
        self._writer.writerows(rows)

    def close(self) -> None:
        self._text.flush()
        self._text.detach()

    def abort(self) -> None:
        """Let go of `out` after a failure (its content is garbage) without closing it."""
        with contextlib.suppress(Exception):
            self._text.detach()


__all__ = ["CsvWriter"]

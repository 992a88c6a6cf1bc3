"""The text of a certificate or report: a PDF's text layer where there is one, else OCR.

OCR is rapidocr-onnxruntime: its Chinese detection and recognition models ship inside the
wheel, so nothing is downloaded at run time, and ONNX Runtime runs them on the CPU. It is
slow and memory-hungry next to the bot, so it runs in a process pool of bounded size, never
on the event loop; the pool starts its workers on first use only.
"""

from __future__ import annotations

import asyncio
import io
from concurrent.futures import ProcessPoolExecutor
from functools import cache
from typing import Any, Literal

from storage.evidence_store import sniff_type

Method = Literal["pdf_text", "ocr"]

#: A PDF page with fewer characters than this in its text layer is a scan.
_MIN_TEXT = 20


class TextUnavailable(Exception):
    """The file has no text layer and cannot be OCRed (an Office file, a PDF scan)."""


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data))
        text = "\n".join(page.extract_text() or "" for page in reader.pages)
    except (PyPdfError, ValueError, KeyError) as exc:
        raise TextUnavailable(f"a damaged PDF: {exc}") from exc
    # Some writers map CJK glyphs to UTF-16 code units; the NULs between them carry nothing.
    return text.replace("\x00", "")


@cache
def _engine() -> Any:
    from rapidocr_onnxruntime import RapidOCR

    return RapidOCR()


def ocr_text(data: bytes) -> str:
    """One image's text, lines top to bottom; runs in a worker process."""
    result, _ = _engine()(data)
    if not result:
        return ""
    boxes = sorted(result, key=lambda item: (round(item[0][0][1] / 12), item[0][0][0]))
    lines: list[list[str]] = []
    last_row: int | None = None
    for box, text, _score in boxes:
        row = round(box[0][1] / 12)
        if last_row is not None and row == last_row:
            lines[-1].append(text)
        else:
            lines.append([text])
        last_row = row
    return "\n".join(" ".join(parts) for parts in lines)


def read_text_sync(data: bytes) -> tuple[str, Method]:
    kind = sniff_type(data)
    if kind == "pdf":
        text = pdf_text(data)
        if len(text.strip()) >= _MIN_TEXT:
            return text, "pdf_text"
        raise TextUnavailable("a PDF without a text layer (a scan)")
    if kind in ("jpeg", "png"):
        return ocr_text(data), "ocr"
    raise TextUnavailable(f"no text to read in a {kind or 'unknown'} file")


class TextReader:
    """Reads off the event loop in at most `workers` processes."""

    def __init__(self, workers: int = 1) -> None:
        self._pool = ProcessPoolExecutor(max_workers=workers)

    async def read(self, data: bytes) -> tuple[str, Method]:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, read_text_sync, data)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


async def read_text(data: bytes, workers: int = 1) -> tuple[str, Method]:
    reader = TextReader(workers)
    try:
        return await reader.read(data)
    finally:
        reader.close()

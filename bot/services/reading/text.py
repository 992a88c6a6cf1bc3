"""The text of a certificate or report: a PDF's text layer where there is one, else OCR.

OCR is rapidocr-onnxruntime: its Chinese detection and recognition models ship inside the
wheel, so nothing is downloaded at run time, and ONNX Runtime runs them on the CPU. A scanned
PDF (no text layer) is rendered page by page with pypdfium2, PDFium's own renderer in a wheel,
and the pages are OCRed like photos. It is
slow and memory-hungry next to the bot, so it runs in a process pool of bounded size, never
on the event loop; the pool starts its workers on first use only.
"""

from __future__ import annotations

import asyncio
import io
import logging
import multiprocessing
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from functools import cache
from typing import Any, Literal

from bot.services.background import yield_to_chats
from storage.evidence_store import sniff_type

Method = Literal["pdf_text", "ocr", "pdf_ocr"]

#: A PDF page with fewer characters than this in its text layer is a scan.
_MIN_TEXT = 20
#: A scan is rendered at this resolution: small print on a certificate stays legible to the
#: recogniser, and an A4 page stays near 2,300 x 3,300 pixels.
_SCAN_DPI = 200
#: Certificates and reports put what an assessor checks on their first pages; a 100-page
#: report is not OCRed whole.
_SCAN_PAGES = 4
#: A reading worker's threads for the recogniser: one core, so that on a small server the
#: bot keeps another (left alone, ONNX Runtime takes every core for each page).
OCR_THREADS = 1
#: In a reading worker, after each step of the recogniser (the detection, a batch of lines)
#: a pause this many times as long as the step took. A small virtual server that keeps a
#: vCPU busy for seconds is slowed as a whole, bot included, whatever the priority inside
#: it; busy half the time, it is not (bench/README.md, "Reading beside the interview").
WORKER_PAUSE_RATIO = 1.0
_pause_ratio = 0.0  # set in the reading workers only: reading in the foreground is not paced


class _Paced:
    """An ONNX Runtime session whose every run is followed by a pause (`_pause_ratio`)."""

    def __init__(self, session: Any) -> None:
        self._session = session

    def run(self, *args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return self._session.run(*args, **kwargs)
        finally:
            if _pause_ratio > 0:
                time.sleep((time.perf_counter() - started) * _pause_ratio)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._session, name)


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

    engine = RapidOCR(intra_op_num_threads=OCR_THREADS, inter_op_num_threads=1)
    # The sessions of rapidocr-onnxruntime 1.4 (detection, orientation, recognition); in a
    # version laid out otherwise, whatever is not found is simply not paced.
    for holder in (
        getattr(getattr(engine, "text_det", None), "infer", None),
        getattr(getattr(engine, "text_cls", None), "infer", None),
        getattr(getattr(engine, "text_rec", None), "session", None),
    ):
        if holder is not None and hasattr(holder, "session"):
            holder.session = _Paced(holder.session)
    return engine


def ocr_text(data: bytes | Any) -> str:
    """One image's text (encoded bytes or a BGR pixel array), lines top to bottom; runs in a
    worker process."""
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


def scan_pages(data: bytes, dpi: int = _SCAN_DPI, pages: int = _SCAN_PAGES) -> list[Any]:
    """The first pages of a PDF as BGR pixel arrays, the form the recogniser takes."""
    import pypdfium2 as pdfium

    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise TextUnavailable(f"a damaged PDF: {exc}") from exc
    try:
        rendered = []
        for index in range(min(len(document), pages)):
            page = document[index]
            bitmap = page.render(scale=dpi / 72)
            rendered.append(bitmap.to_numpy()[:, :, :3].copy())
            bitmap.close()
            page.close()
        return rendered
    finally:
        document.close()


def read_text_sync(data: bytes) -> tuple[str, Method]:
    kind = sniff_type(data)
    if kind == "pdf":
        text = pdf_text(data)
        if len(text.strip()) >= _MIN_TEXT:
            return text, "pdf_text"
        scanned = "\n".join(ocr_text(page) for page in scan_pages(data))
        if scanned.strip():
            return scanned, "pdf_ocr"
        raise TextUnavailable("a PDF without a text layer, and nothing legible on its pages")
    if kind in ("jpeg", "png"):
        return ocr_text(data), "ocr"
    raise TextUnavailable(f"no text to read in a {kind or 'unknown'} file")


def _start_worker(parent: int) -> None:
    """In a worker: yield the CPU to the bot (`yield_to_chats`, WORKER_PAUSE_RATIO), and end
    when the bot's process ends, even when it was killed outright (a worker left behind
    would hold the bot's output streams and memory for nothing)."""
    global _pause_ratio
    yield_to_chats()
    _pause_ratio = WORKER_PAUSE_RATIO
    # A damaged PDF is an ordinary upload; pypdf's warnings about it (hundreds for one
    # file) would reach the bot's log through the worker's stderr and bury what matters.
    logging.getLogger("pypdf").setLevel(logging.ERROR)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1)
        os._exit(0)

    threading.Thread(target=watch, name="follow-parent", daemon=True).start()


class TextReader:
    """Reads off the event loop in at most `workers` processes."""

    def __init__(self, workers: int = 1) -> None:
        # Spawned, not forked: the bot's process has threads (database drivers, the HTTP
        # client), and a fork copies whatever lock one of them held at that moment.
        self._pool = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_worker,
            initargs=(os.getpid(),),
        )

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

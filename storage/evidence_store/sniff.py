"""The type of an uploaded file, from its first bytes rather than its name.

A supplier's phone may call anything `证书.pdf`; what matters for an assessor (and for
anyone who later opens the file) is what the bytes are. Only the formats certificates and
test reports really come in are accepted: PDF, JPEG, PNG, Office documents (zip-based),
OFD (China's fixed-layout format, also zip-based) and plain ZIP archives.
"""

from __future__ import annotations

import io
import zipfile

#: Accepted content types, by the name `sniff_type` returns.
ACCEPTED_TYPES = ("pdf", "jpeg", "png", "docx", "xlsx", "pptx", "ofd", "zip")

_OFFICE_PARTS = {"word/": "docx", "xl/": "xlsx", "ppt/": "pptx"}


def sniff_type(data: bytes) -> str | None:
    """One of ACCEPTED_TYPES, or None for anything else (an executable, an HTML page)."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _zip_kind(data)
    return None


def _zip_kind(data: bytes) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, ValueError):
        return None
    if "[Content_Types].xml" in names:
        for prefix, kind in _OFFICE_PARTS.items():
            if any(name.startswith(prefix) for name in names):
                return kind
        return "zip"
    if "OFD.xml" in names:
        return "ofd"
    return "zip"

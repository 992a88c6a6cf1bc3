"""The evidence stores: content-addressed, atomic, idempotent, and the type sniffed from
the bytes. The S3 store runs against moto's S3 server on 127.0.0.1, not a mock."""

from __future__ import annotations

import asyncio
import hashlib
import io
import os
import socket
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from storage.evidence_store import (
    EvidenceStore,
    LocalEvidenceStore,
    S3Config,
    S3EvidenceStore,
    sniff_type,
)

PDF = b"%PDF-1.4\n%%EOF\n"


def zipped(*names: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, b"x")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (PDF, "pdf"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "jpeg"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "png"),
        (zipped("[Content_Types].xml", "word/document.xml"), "docx"),
        (zipped("[Content_Types].xml", "xl/workbook.xml"), "xlsx"),
        (zipped("OFD.xml", "Doc_0/Document.xml"), "ofd"),
        (zipped("scan1.jpg", "scan2.jpg"), "zip"),
        (b"MZ\x90\x00\x03\x00\x00\x00", None),
        (b"\x7fELF\x02\x01\x01", None),
        (b"<!DOCTYPE html><html>", None),
        (b"  <html><body>%PDF-1.4", None),
        (b"PK\x03\x04 not really a zip", None),
        (b"", None),
    ],
)
def test_the_type_comes_from_the_content(data: bytes, kind: str | None) -> None:
    assert sniff_type(data) == kind


async def test_local_store_keeps_bytes_by_their_digest(tmp_path: Path) -> None:
    store = LocalEvidenceStore(tmp_path / "evidence")
    digest = await store.put(PDF)
    assert digest == hashlib.sha256(PDF).hexdigest()
    assert store.path_of(digest) == tmp_path / "evidence" / digest[:2] / digest[2:4] / digest
    assert await store.get(digest) == PDF
    assert await store.put(PDF) == digest  # the same file twice is kept once
    files = [p for p in (tmp_path / "evidence").rglob("*") if p.is_file()]
    assert files == [store.path_of(digest)]  # no temporary file left behind
    assert await store.exists(digest)
    await store.delete(digest)
    assert await store.get(digest) is None
    assert not await store.exists(digest)


async def test_local_store_lists_its_files_and_deletes_only_what_was_not_written_since(
    tmp_path: Path,
) -> None:
    store = LocalEvidenceStore(tmp_path / "evidence")
    assert [page async for page in store.listing()] == []
    old, new = await store.put(PDF), await store.put(b"\x89PNG\r\n\x1a\n")
    two_days_ago = (datetime.now(UTC) - timedelta(days=2)).timestamp()
    os.utime(store.path_of(old), (two_days_ago, two_days_ago))
    os.utime(store.path_of(new), (two_days_ago, two_days_ago))
    (tmp_path / "evidence" / ".probe-1").write_bytes(b"not evidence")
    listed = {
        item.sha256: item.written for page in [p async for p in store.listing()] for item in page
    }
    assert set(listed) == {old, new}
    assert all(now_minus(written) > timedelta(days=1) for written in listed.values())

    day_ago = datetime.now(UTC) - timedelta(days=1)
    await store.put(b"\x89PNG\r\n\x1a\n")  # the same file uploaded again: written now
    assert await store.delete_unless_written_since(old, day_ago) is True
    assert await store.delete_unless_written_since(new, day_ago) is False
    assert await store.delete_unless_written_since(old, day_ago) is False  # already gone
    assert await store.get(old) is None
    assert await store.get(new) is not None


def now_minus(moment: datetime) -> timedelta:
    return datetime.now(UTC) - moment


async def test_local_store_refuses_a_name_that_is_no_digest(tmp_path: Path) -> None:
    store = LocalEvidenceStore(tmp_path)
    with pytest.raises(ValueError, match="not a SHA-256 digest"):
        await store.get("../../etc/passwd")


async def test_local_store_health_says_writable_and_free_space(tmp_path: Path) -> None:
    health = await LocalEvidenceStore(tmp_path / "new").health()
    assert health.writable and health.problem is None
    assert health.free_bytes is not None and health.free_bytes > 0


async def test_local_store_health_names_an_unwritable_directory(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    health = await LocalEvidenceStore(blocker / "evidence").health()
    assert not health.writable
    assert health.problem is not None and health.problem.startswith("not writable")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    """moto's S3 server in a thread on 127.0.0.1: real HTTP, real boto3 requests."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


def s3_store(endpoint: str, bucket: str) -> S3EvidenceStore:
    import boto3

    config = S3Config(
        bucket=bucket,
        endpoint_url=endpoint,
        access_key="testing",
        secret_key="testing",
        region="us-east-1",
    )
    boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name="us-east-1",
    ).create_bucket(Bucket=bucket)
    return S3EvidenceStore(config)


async def test_s3_store_keeps_bytes_by_their_digest(s3_endpoint: str) -> None:
    store: EvidenceStore = await asyncio.to_thread(s3_store, s3_endpoint, "evidence-a")
    digest = await store.put(PDF)
    assert digest == hashlib.sha256(PDF).hexdigest()
    assert await store.get(digest) == PDF
    assert await store.exists(digest)
    other = hashlib.sha256(b"never stored").hexdigest()
    assert await store.get(other) is None
    assert not await store.exists(other)
    await store.delete(digest)
    assert await store.get(digest) is None
    health = await store.health()
    assert health.writable and health.problem is None


async def test_s3_store_lists_page_by_page_and_deletes_only_what_was_not_written_since(
    s3_endpoint: str,
) -> None:
    store = await asyncio.to_thread(s3_store, s3_endpoint, "evidence-b")
    store.page = 2
    digests = {await store.put(PDF + bytes([n])) for n in range(3)}
    pages = [page async for page in store.listing()]
    assert [len(page) for page in pages] == [2, 1]
    listed = [item for page in pages for item in page]
    assert {item.sha256 for item in listed} == digests
    assert all(now_minus(item.written) < timedelta(minutes=5) for item in listed)
    first = sorted(digests)[0]
    in_a_minute = datetime.now(UTC) + timedelta(minutes=1)
    a_minute_ago = datetime.now(UTC) - timedelta(minutes=1)
    assert await store.delete_unless_written_since(first, a_minute_ago) is False  # fresh
    assert await store.delete_unless_written_since(first, in_a_minute) is True
    assert await store.get(first) is None
    assert await store.delete_unless_written_since(first, in_a_minute) is False


async def test_s3_store_health_names_a_missing_bucket(s3_endpoint: str) -> None:
    store = S3EvidenceStore(
        S3Config(
            bucket="no-such-bucket",
            endpoint_url=s3_endpoint,
            access_key="testing",
            secret_key="testing",
        )
    )
    health = await store.health()
    assert not health.writable
    assert health.problem is not None and "NoSuchBucket" in health.problem

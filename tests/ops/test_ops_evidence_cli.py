"""`greenlist export --evidence`, `greenlist evidence verify`, `backfill` and `prune`, run as
the command line runs them, on files kept in a real store."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import time
import zipfile
from pathlib import Path

import pytest

from bot.cli import main as cli
from storage import Database
from storage.evidence_store import LocalEvidenceStore
from tests.fakebot import FakeTelegram

PDF = b"%PDF-1.4\nquality certificate\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
SUPPLIER = 4201


async def seed_session(db: Database, company: str) -> int:
    async with db.unit_of_work() as uow:
        await uow.people.upsert(SUPPLIER, "供应商")
        row = await uow.sessions.create(SUPPLIER, {}, {}, "company_name")
        await uow.sessions.save_progress(
            row, state={}, answers={"enterprise": {"name": company}}, current_question=None
        )
        await uow.commit()
        return row.id


async def add_file(
    db: Database, session_id: int, question: str, name: str, data: bytes | None, file_id: str
) -> int:
    digest = hashlib.sha256(data).hexdigest() if data is not None else None
    async with db.unit_of_work() as uow:
        row = await uow.evidence.add(
            session_id,
            question,
            file_id,
            f"u-{file_id}",
            name,
            None,
            len(data) if data else None,
            sha256=digest,
            stored_size=len(data) if data is not None else None,
            content_type="pdf" if data is not None else None,
            uploader_id=SUPPLIER,
        )
        await uow.commit()
        return row.id


@pytest.fixture
def evidence_env(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> LocalEvidenceStore:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("EVIDENCE_DIR", str(tmp_path / "archive"))
    return LocalEvidenceStore(tmp_path / "archive")


async def test_export_then_verify_and_the_files_an_audit_finds_changed(
    evidence_env: LocalEvidenceStore,
    database_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    store = evidence_env
    db = Database(database_url)
    try:
        sid = await seed_session(db, "豫中(新型)墙材有限公司")
        for data in (PDF, PNG):
            await store.put(data)
        first = await add_file(db, sid, "qms_certificate", "证书.pdf", PDF, "f1")
        second = await add_file(db, sid, "qms_certificate", "证书.pdf", PNG, "f2")
        await add_file(db, sid, "ems_certificate", "old.pdf", None, "f3")  # predates the store
    finally:
        await db.dispose()

    out = tmp_path / "evidence.zip"
    code = await asyncio.to_thread(cli.main, ["export", "--evidence", "-o", str(out)])
    printed = capsys.readouterr().out
    assert code == 0, printed
    assert f"已导出 1 个评价的 2 个证明文件到 {out}（缺失或被改动 0 个）" in printed
    folder = f"session-{sid}-豫中(新型)墙材有限公司"
    with zipfile.ZipFile(out) as archive:
        assert sorted(archive.namelist()) == [
            "SHA256SUMS",
            "manifest.json",
            f"{folder}/qms_certificate/证书-2.pdf",
            f"{folder}/qms_certificate/证书.pdf",
        ]
        assert archive.read(f"{folder}/qms_certificate/证书.pdf") == PDF
        assert archive.read(f"{folder}/qms_certificate/证书-2.pdf") == PNG
        manifest = json.loads(archive.read("manifest.json"))
        sums = archive.read("SHA256SUMS").decode()
    assert [(f["evidence_id"], f["sha256"], f["size"]) for f in manifest["files"]] == [
        (first, hashlib.sha256(PDF).hexdigest(), len(PDF)),
        (second, hashlib.sha256(PNG).hexdigest(), len(PNG)),
    ]
    assert sums.splitlines()[0] == (
        f"{hashlib.sha256(PDF).hexdigest()}  {folder}/qms_certificate/证书.pdf"
    )

    code = await asyncio.to_thread(cli.main, ["evidence", "verify"])
    printed = capsys.readouterr().out
    assert code == 0
    assert printed.splitlines() == [
        f"已校验 {store.root} 中的 2 个存档文件：2 个完好，0 个缺失或被改动；"
        "另有 1 个上传文件尚未存档（greenlist evidence backfill）"
    ]

    pdf_path = store.path_of(hashlib.sha256(PDF).hexdigest())
    await asyncio.to_thread(pdf_path.write_bytes, PDF + b"tampered")
    await store.delete(hashlib.sha256(PNG).hexdigest())
    code = await asyncio.to_thread(cli.main, ["evidence", "verify"])
    lines = capsys.readouterr().out.splitlines()
    assert code == 1
    assert lines[:2] == [
        f"被改动：第 {sid} 号评价的证明文件 #{first}（sha256 {hashlib.sha256(PDF).hexdigest()}）",
        f"缺失：第 {sid} 号评价的证明文件 #{second}（sha256 {hashlib.sha256(PNG).hexdigest()}）",
    ]
    assert lines[2].startswith(f"已校验 {store.root} 中的 2 个存档文件：0 个完好，2 个缺失")

    code = await asyncio.to_thread(cli.main, ["export", "--evidence", "-o", str(out)])
    assert code == 1
    assert "（缺失或被改动 2 个）" in capsys.readouterr().out


async def test_export_evidence_wants_a_zip(
    evidence_env: LocalEvidenceStore, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = await asyncio.to_thread(
        cli.main, ["export", "--evidence", "-o", str(tmp_path / "files.xlsx")]
    )
    assert code == 2
    assert capsys.readouterr().err.strip() == (
        "greenlist：--evidence 的输出文件须以 .zip 结尾，"
        "且不能与 --format、--since 或 --clauses 同用"
    )


async def test_backfill_fetches_old_uploads_into_the_store(
    evidence_env: LocalEvidenceStore,
    database_url: str,
    tg: FakeTelegram,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    store = evidence_env
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", tg.token)
    monkeypatch.setenv("TELEGRAM_API_BASE_URL", tg.base_url)
    monkeypatch.setenv("TELEGRAM_API_FILE_URL", tg.base_file_url)
    held = tg._register_file("document", PDF, file_name="证书.pdf", mime_type="application/pdf")
    page = tg._register_file("document", b"<html>login</html>", file_name="报告.pdf")
    db = Database(database_url)
    try:
        sid = await seed_session(db, "回填砖厂")
        ok = await add_file(db, sid, "qms_certificate", "证书.pdf", None, held.file_id)
        await add_file(db, sid, "ems_certificate", "报告.pdf", None, page.file_id)
        await add_file(db, sid, "waste_report_file", "gone.pdf", None, "no-such-file-id")
    finally:
        await db.dispose()

    code = await asyncio.to_thread(cli.main, ["evidence", "backfill"])
    captured = capsys.readouterr()
    assert code == 1
    assert captured.out.splitlines() == [
        f"补存：3 个上传文件中 1 个已存入 {store.root}，1 个无法下载，1 个因内容被拒"
    ]
    progress = captured.err.splitlines()
    assert progress[0].startswith(
        f"[1/3] 第 {sid} 号评价的证明文件 #{ok}：已存档 {len(PDF)} 字节，sha256 "
    )
    assert progress[1].endswith("：内容不是证书或报告格式，保持原样")
    assert progress[2].startswith("[3/3] 第 ") and "：未能下载：" in progress[2]

    digest = hashlib.sha256(PDF).hexdigest()
    assert await store.get(digest) == PDF
    db = Database(database_url)
    try:
        async with db.unit_of_work() as uow:
            row = await uow.evidence.get(ok)
            assert row is not None
            assert (row.sha256, row.stored_size, row.content_type) == (digest, len(PDF), "pdf")
            assert await uow.evidence.count_unstored() == 2
    finally:
        await db.dispose()


async def test_prune_deletes_bytes_no_upload_refers_to_after_a_day(
    evidence_env: LocalEvidenceStore,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    store = evidence_env
    replaced, kept, fresh = PDF + b"v1", PDF, PNG
    for data in (replaced, kept, fresh):
        await store.put(data)
    two_days_ago = time.time() - 2 * 86400
    for data in (replaced, kept):
        os.utime(store.path_of(hashlib.sha256(data).hexdigest()), (two_days_ago, two_days_ago))
    db = Database(database_url)
    try:
        sid = await seed_session(db, "豫中墙材有限公司")
        await add_file(db, sid, "qms_certificate", "证书.pdf", kept, "f1")
    finally:
        await db.dispose()
    gone = hashlib.sha256(replaced).hexdigest()

    code = await asyncio.to_thread(cli.main, ["evidence", "prune", "--dry-run"])
    assert code == 0
    assert capsys.readouterr().out.splitlines() == [
        f"无引用：sha256 {gone}",
        f"清理：{store.root} 中共 3 个文件，1 个超过一天无任何上传记录引用，已删除 0 个"
        "（试运行：未删除任何文件）",
    ]
    assert await store.exists(gone)

    code = await asyncio.to_thread(cli.main, ["evidence", "prune"])
    assert code == 0
    assert capsys.readouterr().out.splitlines()[-1] == (
        f"清理：{store.root} 中共 3 个文件，1 个超过一天无任何上传记录引用，已删除 1 个"
    )
    assert not await store.exists(gone)
    # The referenced file stays however old; the unreferenced one uploaded today stays too.
    assert await store.get(hashlib.sha256(kept).hexdigest()) == kept
    assert await store.get(hashlib.sha256(fresh).hexdigest()) == fresh

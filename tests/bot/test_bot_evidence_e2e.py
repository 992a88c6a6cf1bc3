"""Evidence through the real bot: each upload is downloaded and kept in the store before it
is confirmed, a file whose content is no certificate format is refused whatever its name,
an assessor fetches the stored bytes even through a bot with another token, and a replaced
file's bytes leave the store a day later."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path
from typing import Any

from bot.services.evidence import store_from_settings
from bot.settings import Settings, load_settings
from bot.telegram.app import build_application
from bot.telegram.context import services_of
from storage import Database, Role
from storage.evidence_store import LocalEvidenceStore
from storage.models import utcnow
from tests.bot.conftest import make_services
from tests.bot.shown import shows
from tests.bot.telegram_supplier import TelegramSupplier, labels
from tests.bot.test_bot_desk_e2e import ENGINE, grant, session_row, submitted_by
from tests.fakebot import FakeTelegram, running_application

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n"


def stored_names(root: Path) -> list[str]:
    return sorted(p.name for p in root.rglob("*") if p.is_file())


async def test_a_file_is_kept_by_content_before_it_is_confirmed(
    telegram: FakeTelegram, bot: Any, read_db: Database, bot_settings: Settings
) -> None:
    s = TelegramSupplier(telegram.user(6101, "供应商"), ENGINE)
    screen = await s.answer_until(await s.start(), stop="qms_certificate")

    await s.user.send_document("证书.pdf", b"<!DOCTYPE html><html><body>login</body></html>")
    refused = await s.user.wait_for("按文件内容判断")
    assert refused.text == (
        "这个文件的内容不是可接受的格式（按文件内容判断，而非文件名）。"
        "请发送证书或检测报告的 PDF、JPG、PNG、Office 文档、OFD 或 ZIP 文件。"
    )
    again = await s.user.wait_for("请上传质量管理体系认证证书")
    shows(again, "请上传质量管理体系认证证书（扫描件或照片）。")

    await s.user.send_document("renamed.pdf", b"MZ\x90\x00\x03\x00\x00\x00PE\x00\x00")
    await s.user.wait_for("按文件内容判断")

    await s.user.send_document("质量证书.pdf", PDF, "application/pdf")
    done = await s.user.wait_for(lambda m: s.t("button.done") in labels(m))
    shows(done, "已收到“质量证书.pdf”")
    del screen

    row = await session_row(read_db, 6101)
    async with read_db.unit_of_work() as uow:
        (kept,) = await uow.evidence.list_for_session(row.id)
    digest = hashlib.sha256(PDF).hexdigest()
    assert (kept.question_id, kept.sha256, kept.stored_size, kept.content_type) == (
        "qms_certificate",
        digest,
        len(PDF),
        "pdf",
    )
    assert kept.uploader_id == 6101
    store = store_from_settings(bot_settings)
    assert isinstance(store, LocalEvidenceStore)
    assert await store.get(digest) == PDF
    # Nothing of the refused files was kept.
    assert stored_names(store.root) == [digest]


async def test_a_replaced_file_leaves_the_store_a_day_later_and_its_replacement_stays(
    telegram: FakeTelegram, bot: Any, read_db: Database, bot_settings: Settings
) -> None:
    s = TelegramSupplier(telegram.user(6105, "供应商"), ENGINE)
    await s.answer_until(await s.start(), stop="qms_certificate")
    first, second = PDF + b"% first scan\n", PDF + b"% better scan\n"
    await s.user.send_document("旧证书.pdf", first, "application/pdf")
    await s.user.wait_for(lambda m: s.t("button.done") in labels(m))
    await s.user.press("🗑 清空重传")
    await s.user.wait_for("请上传质量管理体系认证证书")
    await s.user.send_document("新证书.pdf", second, "application/pdf")
    await s.user.wait_for(lambda m: s.t("button.done") in labels(m))

    archive = services_of(bot).evidence
    store = archive.store
    assert isinstance(store, LocalEvidenceStore)
    old, new = hashlib.sha256(first).hexdigest(), hashlib.sha256(second).hexdigest()
    assert stored_names(store.root) == sorted([old, new])  # a day's grace for the old one
    assert (await archive.sweep(utcnow())).deleted == 0
    swept = await archive.sweep(utcnow() + timedelta(days=1, minutes=1))
    assert (swept.unreferenced, swept.deleted) == ([old], 1)
    assert stored_names(store.root) == [new]
    row = await session_row(read_db, 6105)
    async with read_db.unit_of_work() as uow:
        (kept,) = await uow.evidence.list_for_session(row.id)
    assert (kept.file_name, kept.sha256) == ("新证书.pdf", new)


async def test_an_assessor_fetches_a_file_through_a_bot_with_another_token(
    telegram: FakeTelegram, bot: Any, read_db: Database, bot_settings: Settings
) -> None:
    await submitted_by(telegram, 6102, "换令牌砖厂")
    row = await session_row(read_db, 6102)
    async with read_db.unit_of_work() as uow:
        files = await uow.evidence.list_for_session(row.id)
    assert all(f.sha256 for f in files)

    # The same database and store, a new bot token on another Telegram: the old file ids
    # mean nothing there.
    async with FakeTelegram(token="654321:OTHER-TOKEN") as other:
        settings = load_settings(
            telegram_bot_token=other.token,
            telegram_api_base_url=other.base_url,
            telegram_api_file_url=other.base_file_url,
            database_url=bot_settings.database_url,
        )
        await grant(read_db, 9101, Role.ASSESSOR)
        app = build_application(settings, make_services(settings))
        async with running_application(app):
            assessor = other.user(9101, "老周")
            await assessor.send_command("sessions")
            listing = await assessor.wait_for("评审列表")
            await assessor.press(f"#{row.id}", listing)
            card = await assessor.wait_for(f"评价会话 #{row.id}")
            button = next(label for label in labels(card) if label.startswith("📎"))
            await assessor.press(button, card)
            sent = await assessor.wait_for(lambda m: m.method == "sendDocument")
    (shown,) = [f for f in files if f.file_name == button.removeprefix("📎 ")]
    assert sent.document is not None
    assert hashlib.sha256(sent.document.content).hexdigest() == shown.sha256
    assert sent.document.content == b"%PDF-1.4 " + shown.question_id.encode()
    assert sent.text == f"SHA-256 {shown.sha256}"


async def test_erasure_deletes_a_drafts_files_and_keeps_the_submitted_ones_anonymised(
    telegram: FakeTelegram, bot: Any, read_db: Database, bot_settings: Settings
) -> None:
    s = await submitted_by(telegram, 6103, "删除规则砖厂")
    submitted = await session_row(read_db, 6103)
    await s.user.send_command("new")
    await s.user.wait_for(s.t("chat.new_started"))
    await s.answer_until(await s.next_screen(), stop="qms_certificate")
    draft_only = b"%PDF-1.5 draft only"
    shared = b"%PDF-1.4 qms_certificate"  # the same bytes the submitted session holds
    for name, data in (("草稿.pdf", draft_only), ("同一份.pdf", shared)):
        await s.user.send_document(name, data, "application/pdf")
        await s.user.wait_for(f"已收到“{name}”")
    store = store_from_settings(bot_settings)
    assert await store.get(hashlib.sha256(draft_only).hexdigest()) == draft_only

    await s.user.send_command("delete_my_data")
    confirm = await s.user.wait_for("确定删除您的个人信息吗")
    shows(
        confirm,
        "以及尚未提交的草稿及其上传的文件。已提交评价中的企业信息、评价结果和证明文件将匿名保留"
        "（不再记录上传人）",
    )
    await s.user.press("确定删除", confirm)
    await s.user.wait_for("已删除您的个人信息")

    assert await store.get(hashlib.sha256(draft_only).hexdigest()) is None
    assert await store.get(hashlib.sha256(shared).hexdigest()) == shared
    async with read_db.unit_of_work() as uow:
        (kept,) = await uow.sessions.list_for_owner(6103)
        files = await uow.evidence.list_for_session(submitted.id)
    assert kept.id == submitted.id
    assert len(files) == 10 and all(f.sha256 and f.uploader_id is None for f in files)
    for f in files:
        assert f.sha256 is not None and await store.exists(f.sha256)

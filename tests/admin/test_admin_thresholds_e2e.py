"""Thresholds through the real bot: /thresholds, /set with preview and confirm, /reevaluate
with notices, /rollback, refusals of bad values, of non-admins and of forged buttons."""

from __future__ import annotations

from typing import Any

from storage import Database, Role, Status
from tests.admin.admin_sessions import person, plant, session_row, submitted, t
from tests.bot.shown import offers, shows
from tests.bot.telegram_supplier import labels
from tests.fakebot import FakeTelegram, FakeUser, SentMessage

ADMIN = 9501
ASSESSOR = 9502
SUPPLIER = 9503


async def set_and_confirm(admin: FakeUser, command: str) -> SentMessage:
    await admin.send_command("set", command)
    preview = await admin.wait_for(t("admin.preview.heading_set"))
    await admin.press(t("admin.button.confirm"), preview)
    await admin.wait_for("已保存")
    return preview


async def ruleset_rows(db: Database) -> list[Any]:
    async with db.unit_of_work() as uow:
        return await uow.rulesets.history("sintered-wall-2020")


async def audit_actions(db: Database) -> list[tuple[Any, ...]]:
    async with db.unit_of_work() as uow:
        entries = await uow.audit.latest(50)
    return [(e.actor_id, e.action, e.target, e.old_value, e.new_value, e.note) for e in entries]


async def test_a_threshold_change_is_previewed_confirmed_and_stored_as_a_new_version(
    telegram: FakeTelegram, bot: Any, read_db: Database
) -> None:
    await person(read_db, ADMIN, "管理员老王", Role.ADMIN)
    at_risk = await submitted(read_db, 7001, plant("边缘砖厂", "porous_brick", "45.5"))
    safe = await submitted(read_db, 7002, plant("达标砖厂", "porous_brick", "44"))
    decided = await submitted(
        read_db, 7003, plant("已审砖厂", "porous_brick", "45.5"), status=Status.APPROVED
    )
    admin = telegram.user(ADMIN, "老王")

    await admin.send_command("thresholds")
    table = await admin.wait_for("energy.porous_brick")
    assert "5.2 a) 烧结多孔砖和多孔砌块单位产品综合能耗先进值：≤ 46 kgce/t" in table.text
    assert "版本 v1（现行）" in table.text

    await admin.send_command("set", "energy.porous_brick 45 kgce/t 工作组收紧")
    preview = await admin.wait_for(t("admin.preview.heading_set"))
    assert preview.text.startswith("拟修改评价规则（尚未生效，请确认）：\n")
    offers(preview, "✅ 确认", "取消")
    shows(preview, "确认后保存为版本 v2，取代现行的 v1。")
    assert "（energy.porous_brick，条款 5.2 a)）：46 → 45 kgce/t" in preview.text
    assert "来源：表2 烧结多孔砖和多孔砌块" in preview.text
    assert "说明：工作组收紧" in preview.text
    # Two submitted sessions await a decision; only the one at 45.5 kgce/t would flip.
    assert "待审核的已提交评价共 2 份" in preview.text
    assert "结论会改变的有 1 份（合格 → 不合格 1 份，不合格 → 合格 0 份）" in preview.text
    assert await ruleset_rows(read_db) == []  # nothing stored before confirming

    await admin.press(t("admin.button.confirm"), preview)
    saved = await admin.wait_for("已保存")
    assert "版本 v2 现已生效（energy.porous_brick 46 → 45 kgce/t）" in saved.text

    (stored,) = await ruleset_rows(read_db)
    assert stored.version == 2 and stored.author_id == ADMIN and stored.note == "工作组收紧"
    assert stored.values["version"] == 2
    assert stored.values["energy"]["porous_brick"]["value"] == "45"
    assert stored.values["energy"]["hollow_brick"]["value"] == "47"

    await admin.send_command("thresholds")
    table = await admin.wait_for("energy.porous_brick")
    assert "≤ 45 kgce/t" in table.text and "版本 v2（现行）" in table.text
    assert "由 管理员老王 保存" in table.text

    # Verdicts already given keep the version and verdict they were judged under.
    for seeded in (at_risk, safe, decided):
        row = await session_row(read_db, seeded.session_id)
        assert (row.ruleset_version, row.qualified) == (1, True)
        assert row.evaluation["ruleset_version"] == 1
    assert (await session_row(read_db, decided.session_id)).status == Status.APPROVED

    (entry,) = [a for a in await audit_actions(read_db) if a[1] == "ruleset.set"]
    assert entry == (
        ADMIN,
        "ruleset.set",
        "ruleset:sintered-wall-2020@2",
        {"version": 1, "energy.porous_brick": "46"},
        {"version": 2, "energy.porous_brick": "45"},
        "工作组收紧",
    )


async def test_reevaluation_rejudges_exactly_the_affected_sessions_and_tells_only_them(
    telegram: FakeTelegram, bot: Any, read_db: Database
) -> None:
    await person(read_db, ADMIN, "管理员老王", Role.ADMIN)
    suppliers = {n: telegram.user(n, f"供应商{n}") for n in (7101, 7102, 7103, 7104, 7105)}
    flips = await submitted(read_db, 7101, plant("边缘砖厂", "porous_brick", "45.5"))
    stays_qualified = await submitted(read_db, 7102, plant("达标砖厂", "porous_brick", "44"))
    stays_out = await submitted(read_db, 7103, plant("超标砖厂", "porous_brick", "47"))
    other_category = await submitted(read_db, 7104, plant("空心砖厂", "hollow_brick", "46.5"))
    decided = await submitted(
        read_db, 7105, plant("已审砖厂", "porous_brick", "45.5"), status=Status.APPROVED
    )
    english = await submitted(
        read_db, 7106, plant("Edge Bricks", "porous_brick", "45.9"), lang="en"
    )
    telegram.user(7106, "Supplier", language_code="en")
    admin = telegram.user(ADMIN, "老王")

    await set_and_confirm(admin, "energy.porous_brick 45 工作组收紧")
    await admin.send_command("reevaluate")
    report = await admin.wait_for("重新评价")
    assert "已按 sintered-wall-2020@2 重新评价 5 份待审核的已提交评价" in report.text
    assert "• 合格 → 不合格：2 份" in report.text
    assert "• 不合格 → 合格：0 份" in report.text
    assert "• 结论不变：3 份（其中 2 份已按新版本重新评价；1 份不涉及改动的数值" in report.text
    assert f"#{flips.session_id} 边缘砖厂：合格 → 不合格" in report.text
    assert f"#{english.session_id} Edge Bricks：合格 → 不合格" in report.text

    expected = {
        flips.session_id: (2, False),
        stays_qualified.session_id: (2, True),
        stays_out.session_id: (2, False),
        # Table 2's hollow-brick value did not change: its evaluation stands as it was.
        other_category.session_id: (1, True),
        english.session_id: (2, False),
    }
    for session_id, (version, qualified) in expected.items():
        row = await session_row(read_db, session_id)
        assert (row.ruleset_version, row.qualified) == (version, qualified), session_id
        assert row.evaluation["ruleset_version"] == version
        assert row.evaluation["qualified"] is qualified
        assert row.status == Status.SUBMITTED
    changed = await session_row(read_db, flips.session_id)
    assert "45 kgce/t" in changed.evaluation["clauses"]["5.2a"]["reason"]
    kept = await session_row(read_db, decided.session_id)
    assert (kept.status, kept.ruleset_version, kept.qualified) == (Status.APPROVED, 1, True)

    notice = await suppliers[7101].wait_for("重新评价")
    assert f"您的评价 #{flips.session_id}（边缘砖厂）" in notice.text
    assert "结论变为：不合格" in notice.text
    assert "❌ 5.2 a) 单位产品综合能耗" in notice.text
    assert "E = 45.5 kgce/t > 45 kgce/t" in notice.text
    told_in_english = await telegram.user(7106).wait_for("re-evaluated")
    assert "the verdict is now: not qualified" in told_in_english.text
    await admin.messages_until_idle()
    for quiet in (7102, 7103, 7104, 7105):
        assert suppliers[quiet].messages == [], quiet

    audit = await audit_actions(read_db)
    (run,) = [a for a in audit if a[1] == "ruleset.reevaluate"]
    assert run[0] == ADMIN and run[2] == "ruleset:sintered-wall-2020@2"
    assert run[4]["qualified_to_not_qualified"] == 2
    assert sorted(run[4]["changed_ids"]) == sorted([flips.session_id, english.session_id])

    # A second run finds everything judged under the version in force: nothing to tell.
    await admin.send_command("reevaluate")
    again = await admin.wait_for("重新评价")
    assert "• 合格 → 不合格：0 份" in again.text
    await admin.messages_until_idle()
    assert len(suppliers[7101].messages) == 1


async def test_rollback_restores_earlier_values_as_a_new_version_and_history_shows_all(
    telegram: FakeTelegram, bot: Any, read_db: Database
) -> None:
    await person(read_db, ADMIN, "管理员老王", Role.ADMIN)
    admin = telegram.user(ADMIN, "老王")
    await set_and_confirm(admin, "energy.porous_brick 45 工作组收紧")
    await set_and_confirm(admin, "factors.natural_gas_m3 1.3300 GB/T 2589 新版")

    await admin.send_command("rollback", "1 恢复导则原值")
    preview = await admin.wait_for(t("admin.preview.heading_rollback", target=1))
    assert preview.text.startswith("拟恢复版本 v1 的数值（尚未生效，请确认）：\n")
    assert "：45 → 46 kgce/t" in preview.text
    assert "1.33 → 1.2143" in preview.text
    assert "确认后保存为版本 v4，取代现行的 v3。" in preview.text
    await admin.press(t("admin.button.confirm"), preview)
    saved = await admin.wait_for("已保存")
    assert "版本 v4 现已生效" in saved.text

    rows = await ruleset_rows(read_db)
    assert [r.version for r in rows] == [4, 3, 2]
    from criteria import load_ruleset

    baseline = load_ruleset().model_dump(mode="json")
    restored = dict(rows[0].values)
    assert restored.pop("version") == 4
    baseline.pop("version")
    assert restored == baseline

    await admin.send_command("thresholds", "history")
    history = await admin.wait_for("版本历史")
    lines = history.text.splitlines()
    assert lines[1].startswith("v4（现行） · ") and lines[1].endswith(" · 管理员老王")
    assert "变更：energy.porous_brick 45 → 46 kgce/t；factors.natural_gas_m3 1.33 → 1.2143" in (
        history.text
    )
    assert "说明：GB/T 2589 新版" in history.text
    assert "v1 · 随程序发布的基准版本（导则 2020-03-31）" in history.text

    await admin.send_command("thresholds", "2")
    second = await admin.wait_for("energy.porous_brick")
    assert "版本 v2（非现行；现行为 v4）" in second.text and "≤ 45 kgce/t" in second.text

    await admin.send_command("rollback", "4")
    same = await admin.wait_for("无需恢复")
    assert "版本 v4 的数值与现行版本 v4 相同" in same.text
    await admin.send_command("rollback", "9")
    missing = await admin.wait_for("没有版本 v9")
    assert "现有版本：v1, v2, v3, v4" in missing.text

    restored_entry = [a for a in await audit_actions(read_db) if a[1] == "ruleset.rollback"]
    assert restored_entry[0][4]["restored"] == 1
    assert restored_entry[0][5] == "恢复导则原值"


async def test_invalid_values_are_refused_naming_what_is_wrong(
    telegram: FakeTelegram, bot: Any, read_db: Database
) -> None:
    await person(read_db, ADMIN, "管理员老王", Role.ADMIN)
    admin = telegram.user(ADMIN, "老王")
    cases = {
        "energy.porous_brick -5": "设置项 energy.porous_brick 的值无效：应在 1 到 500 kgce/t 之间",
        "energy.porous_brick 四十五": "设置项 energy.porous_brick 的值无效：应为数字",
        "energy.porous_brick 5000": "而不是 5,000",
        "energy.marble 40": "没有设置项 energy.marble；可设置的有：waste.coal_gangue_only",
        "factors.natural_gas_m3 0": "应大于 0 且不超过 10",
        "waste.fly_ash_only 101 %": "应在 0 到 100 % 之间",
        "energy.porous_brick 46": "energy.porous_brick 现在已经是 46 kgce/t，无需修改。",
        "energy.porous_brick": "用法：/set 键 数值 说明",
    }
    for command, expected in cases.items():
        await admin.send_command("set", command)
        reply = await admin.wait_for(lambda m: bool(m.text))
        assert expected in reply.text, (command, reply.text)
        assert not labels(reply)
    assert await ruleset_rows(read_db) == []
    async with read_db.unit_of_work() as uow:
        assert await uow.pending.get(ADMIN) is None

    # Full-width digits and a unit after the number are what people type; they are fine.
    await admin.send_command("set", "energy.porous_brick ４５kgce/t")
    preview = await admin.wait_for(t("admin.preview.heading_set"))
    assert "46 → 45 kgce/t" in preview.text and t("admin.preview.no_note") in preview.text
    shows(preview, "说明：（无）——可在命令末尾附上说明，它会记入审计日志")


async def test_non_admins_are_refused_and_forged_confirmations_change_nothing(
    telegram: FakeTelegram, bot: Any, read_db: Database
) -> None:
    await person(read_db, ADMIN, "管理员老王", Role.ADMIN)
    await person(read_db, ASSESSOR, "评审员老周", Role.ASSESSOR)
    await person(read_db, SUPPLIER, "供应商", Role.SUPPLIER)
    admin = telegram.user(ADMIN, "老王")
    await admin.send_command("set", "energy.porous_brick 45 工作组收紧")
    preview = await admin.wait_for(t("admin.preview.heading_set"))
    token = next(
        data for row in preview.buttons for _, data in row if data and data.startswith("ad:c:")
    )

    for intruder_id in (ASSESSOR, SUPPLIER):
        intruder = telegram.user(intruder_id, "冒充者")
        for command, args in (
            ("set", "energy.porous_brick 10 偷改"),
            ("rollback", "1"),
            ("reevaluate", ""),
            ("thresholds", ""),
            ("grant", f"{intruder_id} admin"),
            ("revoke", str(ADMIN)),
            ("people", ""),
            ("audit", ""),
        ):
            await intruder.send_command(command, args)
            refusal = await intruder.wait_for(t("admin.refused"))
            assert "46" not in refusal.text
            assert refusal.text == "抱歉，只有管理员可以执行此操作。"
        for data in (token, token.replace("ad:c:", "ad:x:"), "ad:c:00000000", "ad:zz"):
            telegram.enqueue(
                {
                    "callback_query": {
                        "id": f"forged-{intruder_id}-{data}",
                        "from": intruder.as_user(),
                        "chat_instance": "forged",
                        "data": data,
                        "message": {
                            "message_id": 1,
                            "date": 0,
                            "chat": {"id": intruder_id, "type": "private"},
                        },
                    }
                }
            )
            await intruder.wait_for(t("admin.refused"))

    assert await ruleset_rows(read_db) == []
    async with read_db.unit_of_work() as uow:
        roles = {p.telegram_id: p.role for p in await uow.people.list()}
        assert (await uow.pending.get(ADMIN)) is not None  # the admin's own step is intact
    assert roles == {ADMIN: Role.ADMIN, ASSESSOR: Role.ASSESSOR, SUPPLIER: Role.SUPPLIER}
    assert [a[1] for a in await audit_actions(read_db)] == []

    # The admin's own confirmation still works afterwards, exactly once.
    await admin.press(t("admin.button.confirm"), preview)
    await admin.wait_for("已保存")
    await admin.press(t("admin.button.confirm"), preview)
    stale = await admin.wait_for(t("admin.stale_token"))
    shows(stale, "这个确认已失效（已确认、已取消，或已被新的修改取代）。")
    assert [r.version for r in await ruleset_rows(read_db)] == [2]


async def test_a_stale_preview_or_a_cancel_stores_nothing(
    telegram: FakeTelegram, bot: Any, read_db: Database
) -> None:
    await person(read_db, ADMIN, "管理员老王", Role.ADMIN)
    await person(read_db, ADMIN + 1, "管理员老李", Role.ADMIN)
    first = telegram.user(ADMIN, "老王")
    second = telegram.user(ADMIN + 1, "老李")

    await first.send_command("set", "energy.porous_brick 45 收紧")
    stale = await first.wait_for(t("admin.preview.heading_set"))
    await set_and_confirm(second, "energy.hollow_brick 46 收紧")
    await first.press(t("admin.button.confirm"), stale)
    refused = await first.wait_for("没有保存")
    assert "现行为 v2" in refused.text
    assert [r.version for r in await ruleset_rows(read_db)] == [2]

    await first.send_command("set", "energy.porous_brick 45 收紧")
    preview = await first.wait_for(t("admin.preview.heading_set"))
    assert "确认后保存为版本 v3，取代现行的 v2。" in preview.text
    await first.press(t("admin.button.cancel"), preview)
    cancelled = await first.wait_for(t("admin.cancelled"))
    assert cancelled.text == "已取消，评价规则没有修改。"
    await first.press(t("admin.button.confirm"), preview)
    await first.wait_for(t("admin.stale_token"))
    assert [r.version for r in await ruleset_rows(read_db)] == [2]

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, text

from storage import (
    AssessmentSession,
    ConcurrentUpdate,
    Database,
    Decision,
    EvidenceFile,
    Language,
    Role,
    Status,
)
from storage.repositories import Rejudged

SUPPLIER = 10_000_000_001
ASSESSOR = 10_000_000_002
# Telegram ids exceed 32 bits; BigInteger columns must keep them intact.
BIG_ID = 7_999_999_999_999


def answers(
    name: str = "江西红砖建材有限公司",
    credit_code: str = "91360100MA35ABCD1X",
    category: str = "porous_brick",
) -> dict[str, Any]:
    return {
        "enterprise": {"name": name, "credit_code": credit_code},
        "product_category": category,
        "basic": {"lawful_operation": True, "white_list": True},
        "solid_waste": {"coal_gangue_pct": 82.5, "fly_ash_pct": 0, "other_pct": 0},
        "energy": {"output_t": 120000, "electricity_kwh": 3_500_000, "total_kgce": None},
    }


EVALUATION = {
    "qualified": True,
    "needs_review": False,
    "clauses": {"5.2a": {"passed": True, "reason": "E = 41.2 kgce/t ≤ 46"}},
    "metrics": {"unit_energy_kgce_per_t": "41.2", "local_material_ratio": "0.97"},
    "ruleset": {"id": "sintered-wall-2020", "version": 1},
}


def assert_recent_utc(moment: datetime | None) -> None:
    assert moment is not None
    assert moment.utcoffset() == timedelta(0)
    assert abs(datetime.now(UTC) - moment) < timedelta(minutes=1)


async def add_people(db: Database) -> None:
    async with db.unit_of_work() as uow:
        await uow.people.upsert(SUPPLIER, "王经理", "wang_mgr")
        await uow.people.upsert(ASSESSOR, "Li Assessor")
        await uow.people.set_role(ASSESSOR, "assessor")
        await uow.commit()


async def test_person_upsert_creates_a_supplier_and_later_keeps_role_and_language(
    db: Database,
) -> None:
    async with db.unit_of_work() as uow:
        created = await uow.people.upsert(BIG_ID, "张三", "zhangsan")
        await uow.commit()
    assert (created.role, created.language) == (Role.SUPPLIER, Language.ZH)

    async with db.unit_of_work() as uow:
        await uow.people.set_role(BIG_ID, "admin")
        await uow.people.set_language(BIG_ID, "en")
        await uow.commit()
    async with db.unit_of_work() as uow:
        renamed = await uow.people.upsert(BIG_ID, "张三丰", None)
        await uow.commit()

    async with db.unit_of_work() as uow:
        person = await uow.people.get(BIG_ID)
        admins = await uow.people.list(role="admin")
        everyone = await uow.people.list()
        admin_count = await uow.people.count_admins()
    assert person is not None
    assert person.telegram_id == BIG_ID
    assert (person.name, person.username) == ("张三丰", None)
    assert (person.role, person.language) == (Role.ADMIN, Language.EN)
    assert renamed.role == Role.ADMIN
    assert_recent_utc(person.created_at)
    assert person.updated_at >= person.created_at
    assert [p.telegram_id for p in admins] == [BIG_ID]
    assert [p.telegram_id for p in everyone] == [BIG_ID]
    assert admin_count == 1


async def test_a_visit_records_new_and_renamed_people_and_finds_the_newest_open_session(
    db: Database,
) -> None:
    async with db.unit_of_work() as uow:
        person, open_session = await uow.people.visit(BIG_ID, "张三", "zs", initial_language="en")
        await uow.commit()
    assert (person.name, person.username, person.language) == ("张三", "zs", Language.EN)
    assert open_session is None

    async with db.unit_of_work() as uow:
        older = await uow.sessions.create(BIG_ID, {"n": 1}, {}, "q1")
        newer = await uow.sessions.create(BIG_ID, {"n": 2}, {}, "q2")
        closed = await uow.sessions.create(BIG_ID, {"n": 3}, {}, None)
        await uow.sessions.mark_submitted(closed, EVALUATION, "sintered-wall-2020", 1)
        await uow.commit()
    first_seen = person.updated_at

    async with db.unit_of_work() as uow:
        same, open_session = await uow.people.visit(BIG_ID, "张三", "zs", initial_language="zh")
        await uow.commit()
    assert open_session is not None and open_session.id == newer.id != older.id
    assert open_session.state == {"n": 2} and open_session.current_question == "q2"
    assert (same.language, same.updated_at) == (Language.EN, first_seen)  # nothing written

    async with db.unit_of_work() as uow:
        renamed, _ = await uow.people.visit(BIG_ID, "张三丰", None)
        await uow.commit()
    async with db.unit_of_work() as uow:
        stored = await uow.people.get(BIG_ID)
    assert stored is not None
    assert (stored.name, stored.username, stored.language) == ("张三丰", None, Language.EN)
    assert stored.updated_at > first_seen
    assert renamed.name == "张三丰"


async def test_people_changes_refuse_unknown_values_and_unknown_ids(db: Database) -> None:
    async with db.unit_of_work() as uow:
        await uow.people.upsert(SUPPLIER, "王经理")
        with pytest.raises(ValueError, match="unknown role 'boss'; expected one of: supplier"):
            await uow.people.set_role(SUPPLIER, "boss")
        with pytest.raises(ValueError, match="unknown language 'fr'"):
            await uow.people.upsert(SUPPLIER, "王经理", language="fr")
        assert await uow.people.set_role(123, "assessor") is None
        assert await uow.people.set_language(123, "en") is None


async def test_session_lifecycle_round_trip(db: Database) -> None:
    await add_people(db)
    document = answers(credit_code=" 91360100ma35abcd1x ")
    async with db.unit_of_work() as uow:
        created = await uow.sessions.create(
            SUPPLIER, {"step": 3, "history": ["q1", "q2"]}, document, "q3"
        )
        await uow.commit()
    document["enterprise"]["name"] = "changed after create"  # must not leak into the row

    async with db.unit_of_work() as uow:
        row = await uow.sessions.get(created.id)
        assert row is not None
        assert row.status == Status.IN_PROGRESS
        assert row.state == {"step": 3, "history": ["q1", "q2"]}
        assert row.answers["enterprise"]["name"] == "江西红砖建材有限公司"
        assert row.answers["energy"]["total_kgce"] is None
        assert (row.company_name, row.credit_code, row.product_category) == (
            "江西红砖建材有限公司",
            "91360100MA35ABCD1X",
            "porous_brick",
        )
        assert (row.qualified, row.needs_review, row.evaluation) == (None, False, None)
        assert row.version == 1
        assert_recent_utc(row.created_at)
        assert row.submitted_at is None
        opened = await uow.sessions.open_for_owner(SUPPLIER)
        assert opened is not None and opened.id == row.id

        await uow.sessions.save_progress(
            row,
            state={"step": 4},
            answers=answers(name="  Acme Brick Co.  ", category="hollow_brick"),
            current_question="q4",
        )
        await uow.sessions.mark_submitted(row, EVALUATION, "sintered-wall-2020", 1)
        await uow.commit()

    async with db.unit_of_work() as uow:
        row = await uow.sessions.get(created.id)
        assert row is not None
        assert (row.status, row.current_question, row.state) == (
            Status.SUBMITTED,
            "q4",
            {"step": 4},
        )
        assert (row.company_name, row.product_category) == ("Acme Brick Co.", "hollow_brick")
        assert row.evaluation == EVALUATION
        assert (row.qualified, row.needs_review) == (True, False)
        assert (row.ruleset_id, row.ruleset_version) == ("sintered-wall-2020", 1)
        assert_recent_utc(row.submitted_at)
        assert row.updated_at >= row.created_at
        assert row.decided_at is None
        assert await uow.sessions.open_for_owner(SUPPLIER) is None

        await uow.sessions.set_status(row, "approved")
        await uow.commit()
    assert_recent_utc(row.decided_at)

    async with db.unit_of_work() as uow:
        newer = await uow.sessions.create(SUPPLIER, {}, {}, None)
        await uow.commit()
        mine = await uow.sessions.list_for_owner(SUPPLIER)
        opened = await uow.sessions.open_for_owner(SUPPLIER)
        with pytest.raises(ValueError, match="unknown status 'archived'"):
            await uow.sessions.set_status(newer, "archived")
    assert [s.id for s in mine] == [newer.id, created.id]
    assert opened is not None and opened.id == newer.id
    assert (newer.company_name, newer.credit_code, newer.product_category) == (None, None, None)


async def test_reopening_a_decision_clears_decided_at(db: Database) -> None:
    await add_people(db)
    async with db.unit_of_work() as uow:
        row = await uow.sessions.create(SUPPLIER, {}, answers(), None)
        await uow.sessions.mark_submitted(row, EVALUATION, "sintered-wall-2020", 1)
        await uow.sessions.set_status(row, Status.REJECTED)
        assert row.decided_at is not None
        await uow.sessions.set_status(row, Status.SUBMITTED)
        await uow.sessions.set_status(row, Status.NEEDS_INFO)
        await uow.commit()
    async with db.unit_of_work() as uow:
        stored = await uow.sessions.get(row.id)
        reopened = await uow.sessions.open_for_owner(SUPPLIER)
    assert stored is not None and stored.decided_at is None
    assert reopened is not None and reopened.id == row.id


async def test_evidence_reviews_rulesets_and_audit_round_trip(db: Database) -> None:
    await add_people(db)
    async with db.unit_of_work() as uow:
        session = await uow.sessions.create(SUPPLIER, {}, answers(), "q1")
        first = await uow.evidence.add(
            session.id,
            "waste_report",
            "BQACAgUAAx0",
            "AgAD1",
            "检测报告.pdf",
            "application/pdf",
            5_368_709_120,
        )
        await uow.evidence.add(session.id, "waste_report", "BQACAgUAAx1", "AgAD2", None, None, None)
        await uow.evidence.add(session.id, "iso9001", "BQACAgUAAx2", "AgAD3", "iso.jpg", None, 10)
        await uow.reviews.add(session.id, ASSESSOR, "needs_info", "请补充第三方检测报告")
        await uow.reviews.add(session.id, ASSESSOR, Decision.APPROVED, "")
        await uow.rulesets.add("sintered-wall-2020", {"table2": {"porous_brick": 45}}, None, "")
        await uow.rulesets.add(
            "sintered-wall-2020", {"table2": {"porous_brick": 44}}, ASSESSOR, "2021 修订"
        )
        await uow.rulesets.add("other-ruleset", {"x": 1}, None, "")
        await uow.audit.add(ASSESSOR, "role.grant", "person:1", None, {"role": "assessor"})
        await uow.audit.add(None, "ruleset.edit", "sintered-wall-2020", {"a": 1}, {"a": 2}, "why")
        await uow.commit()

    async with db.unit_of_work() as uow:
        files = await uow.evidence.list_for_session(session.id)
        fetched = await uow.evidence.get(first.id)
        reviews = await uow.reviews.list_for_session(session.id)
        latest = await uow.rulesets.latest("sintered-wall-2020")
        second = await uow.rulesets.get("sintered-wall-2020", 2)
        history = await uow.rulesets.history("sintered-wall-2020")
        other = await uow.rulesets.latest("other-ruleset")
        missing = await uow.rulesets.latest("never-edited")
        entries = await uow.audit.latest(limit=1)
        all_entries = await uow.audit.latest()
        null_old = await uow.session.scalar(
            text("SELECT count(*) FROM audit_log WHERE old_value IS NULL")
        )

    assert [(f.question_id, f.file_unique_id) for f in files] == [
        ("waste_report", "AgAD1"),
        ("waste_report", "AgAD2"),
        ("iso9001", "AgAD3"),
    ]
    assert fetched is not None
    assert (fetched.file_name, fetched.mime_type, fetched.file_size) == (
        "检测报告.pdf",
        "application/pdf",
        5_368_709_120,
    )
    assert_recent_utc(fetched.uploaded_at)
    assert [(r.decision, r.comment) for r in reviews] == [
        (Decision.NEEDS_INFO, "请补充第三方检测报告"),
        (Decision.APPROVED, ""),
    ]
    assert_recent_utc(reviews[0].created_at)
    assert latest is not None and latest.version == 3
    assert (latest.values, latest.author_id, latest.note) == (
        {"table2": {"porous_brick": 44}},
        ASSESSOR,
        "2021 修订",
    )
    assert second is not None and second.values == {"table2": {"porous_brick": 45}}
    assert [v.version for v in history] == [3, 2]
    assert other is not None and other.version == 2
    assert missing is None
    assert [(e.action, e.new_value) for e in entries] == [("ruleset.edit", {"a": 2})]
    assert [(e.actor_id, e.old_value, e.note) for e in all_entries] == [
        (None, {"a": 1}, "why"),
        (ASSESSOR, None, None),
    ]
    assert_recent_utc(all_entries[0].created_at)
    assert null_old == 1  # None is stored as SQL NULL, not the JSON literal null

    async with db.unit_of_work() as uow:
        removed = await uow.evidence.remove_for_question(session.id, "waste_report")
        await uow.commit()
    async with db.unit_of_work() as uow:
        remaining = await uow.evidence.list_for_session(session.id)
    assert removed == 2
    assert [f.question_id for f in remaining] == ["iso9001"]


async def test_deleting_a_session_deletes_its_evidence(db: Database) -> None:
    """The foreign keys hold on SQLite too (PRAGMA foreign_keys on every connection)."""
    await add_people(db)
    async with db.unit_of_work() as uow:
        session = await uow.sessions.create(SUPPLIER, {}, {}, None)
        await uow.evidence.add(session.id, "q", "file", "unique", None, None, None)
        await uow.commit()
    async with db.unit_of_work() as uow:
        await uow.session.execute(
            text("DELETE FROM assessment_sessions WHERE id = :id"), {"id": session.id}
        )
        await uow.commit()
    async with db.unit_of_work() as uow:
        left = (await uow.session.scalars(select(EvidenceFile))).all()
    assert left == []


async def test_foreign_keys_are_enforced(db: Database) -> None:
    with pytest.raises(Exception, match=r"(?i)foreign key"):
        async with db.unit_of_work() as uow:
            await uow.sessions.create(424242, {}, {}, None)


async def test_concurrent_writes_to_one_session_are_detected(db: Database) -> None:
    await add_people(db)
    async with db.unit_of_work() as uow:
        created = await uow.sessions.create(SUPPLIER, {"step": 1}, answers(), "q1")
        await uow.commit()

    async with db.unit_of_work() as first, db.unit_of_work() as second:
        mine = await first.sessions.get(created.id)
        theirs = await second.sessions.get(created.id)
        assert mine is not None and theirs is not None
        await first.sessions.save_progress(
            mine, state={"step": 2}, answers=answers(), current_question="q2"
        )
        await first.commit()
        with pytest.raises(ConcurrentUpdate):
            await second.sessions.save_progress(
                theirs, state={"step": 99}, answers=answers(), current_question="q99"
            )

    async with db.unit_of_work() as uow:
        stored = await uow.sessions.get_for_update(created.id)
    assert stored is not None
    assert (stored.state, stored.current_question, stored.version) == ({"step": 2}, "q2", 2)


async def test_a_stale_write_at_commit_becomes_concurrent_update(db: Database) -> None:
    await add_people(db)
    async with db.unit_of_work() as uow:
        created = await uow.sessions.create(SUPPLIER, {}, {}, None)
        await uow.commit()
    with pytest.raises(ConcurrentUpdate):
        async with db.unit_of_work() as first, db.unit_of_work() as second:
            mine = await first.sessions.get(created.id)
            theirs = await second.sessions.get(created.id)
            assert mine is not None and theirs is not None
            mine.current_question = "mine"
            await first.commit()
            theirs.current_question = "theirs"
            await second.commit()
    async with db.unit_of_work() as uow:
        stored = await uow.sessions.get(created.id)
    assert stored is not None and stored.current_question == "mine"


async def test_redelivered_updates_are_recognised(db: Database) -> None:
    async with db.unit_of_work() as uow:
        assert await uow.updates.seen(BIG_ID) is False
        assert await uow.updates.seen(BIG_ID) is True
        await uow.commit()
    async with db.unit_of_work() as uow:
        assert await uow.updates.seen(BIG_ID) is True
        # Not committed: as if the handler failed, so a redelivery is handled again.
        assert await uow.updates.seen(5) is False
    async with db.unit_of_work() as uow:
        assert await uow.updates.seen(5) is False
        assert await uow.updates.prune(timedelta(days=1), limit=10) == 0
        assert await uow.updates.prune(timedelta(0), limit=1) == 1
        assert await uow.updates.prune(timedelta(0), limit=10) == 1
        await uow.commit()
    async with db.unit_of_work() as uow:
        assert await uow.updates.seen(BIG_ID) is False


async def test_naive_timestamps_are_refused(db: Database) -> None:
    await add_people(db)
    async with db.unit_of_work() as uow:
        row = await uow.sessions.create(SUPPLIER, {}, {}, None)
        row.submitted_at = datetime(2024, 1, 1, 12, 0)
        with pytest.raises(Exception, match="has no timezone"):
            await uow.session.flush()


async def test_timestamps_in_other_zones_are_stored_as_utc(db: Database) -> None:
    await add_people(db)
    shanghai = datetime.fromisoformat("2024-06-01T20:30:00+08:00")
    async with db.unit_of_work() as uow:
        row = await uow.sessions.create(SUPPLIER, {}, {}, None)
        row.submitted_at = shanghai
        await uow.commit()
    async with db.unit_of_work() as uow:
        stored = await uow.sessions.get(row.id)
    assert stored is not None and stored.submitted_at is not None
    assert stored.submitted_at == shanghai
    assert stored.submitted_at.tzinfo == UTC
    assert stored.submitted_at.hour == 12


async def submitted(
    db: Database,
    specs: Sequence[tuple[str, str, str, bool | None, bool, Status]],
) -> list[int]:
    """Create submitted sessions (name, code, category, qualified, needs_review, status),
    one hour apart so the newest is the last in the list."""
    base = datetime(2024, 3, 1, tzinfo=UTC)
    ids: list[int] = []
    async with db.unit_of_work() as uow:
        for hour, (name, code, category, qualified, review, status) in enumerate(specs):
            row = await uow.sessions.create(SUPPLIER, {}, answers(name, code, category), None)
            evaluation = {"qualified": qualified, "needs_review": review}
            await uow.sessions.mark_submitted(row, evaluation, "sintered-wall-2020", 1)
            await uow.sessions.set_status(row, status)
            row.submitted_at = base + timedelta(hours=hour)
            ids.append(row.id)
        await uow.commit()
    return ids


async def test_search_filters_text_and_order(db: Database) -> None:
    await add_people(db)
    ids = await submitted(
        db,
        [
            (
                "江西红砖建材有限公司",
                "91360100MA35ABCD1X",
                "porous_brick",
                True,
                False,
                Status.SUBMITTED,
            ),
            (
                "Acme Brick Co.",
                "91110000600037341L",
                "hollow_brick",
                False,
                False,
                Status.SUBMITTED,
            ),
            ("湖南新型墙材厂", "91430000MA4L0XYZ2B", "porous_brick", None, True, Status.SUBMITTED),
            (
                "ACME Insulation 100% Ltd",
                "91440300MA5F00001C",
                "insulation_brick",
                True,
                False,
                Status.APPROVED,
            ),
        ],
    )
    async with db.unit_of_work() as uow:
        draft = await uow.sessions.create(SUPPLIER, {}, answers("Acme Draft Works"), None)
        await uow.commit()

    async def found(**filters: Any) -> tuple[list[int], int]:
        async with db.unit_of_work() as uow:
            rows, total = await uow.sessions.search(**filters)
        return [row.id for row in rows], total

    assert await found() == ([ids[3], ids[2], ids[1], ids[0], draft.id], 5)
    assert await found(status="submitted") == ([ids[2], ids[1], ids[0]], 3)
    assert await found(product_category="porous_brick") == ([ids[2], ids[0], draft.id], 3)
    assert await found(qualified=True) == ([ids[3], ids[0]], 2)
    assert await found(qualified=False) == ([ids[1]], 1)
    assert await found(needs_review=True) == ([ids[2]], 1)
    assert await found(text="acme") == ([ids[3], ids[1], draft.id], 3)
    assert await found(text="acme", status="submitted") == ([ids[1]], 1)
    assert await found(text="红砖") == ([ids[0]], 1)
    assert await found(text=" 91430000ma4l0xyz2b ") == ([ids[2]], 1)
    assert await found(text="91430000MA4L0XYZ") == ([], 0)  # credit codes match exactly
    assert await found(text="100%") == ([ids[3]], 1)
    assert await found(text="%") == ([ids[3]], 1)  # wildcards are literal characters
    assert await found(text="_") == ([], 0)
    assert await found(text="   ") == ([ids[3], ids[2], ids[1], ids[0], draft.id], 5)


async def test_search_pages_and_counts(db: Database) -> None:
    await add_people(db)
    specs = [
        (f"公司{n:02d}", f"CODE{n:02d}", "solid_product", True, False, Status.SUBMITTED)
        for n in range(7)
    ]
    ids = await submitted(db, specs)
    newest_first = list(reversed(ids))
    pages = []
    async with db.unit_of_work() as uow:
        for offset in (0, 3, 6, 9):
            rows, total = await uow.sessions.search(status="submitted", limit=3, offset=offset)
            pages.append(([row.id for row in rows], total))
        with pytest.raises(ValueError, match="limit must be at least 1"):
            await uow.sessions.search(limit=0)
        with pytest.raises(ValueError, match="offset must not be negative"):
            await uow.sessions.search(offset=-1)
    assert pages == [
        (newest_first[0:3], 7),
        (newest_first[3:6], 7),
        (newest_first[6:7], 7),
        ([], 7),
    ]


async def test_undecided_submitted_walks_in_batches(db: Database) -> None:
    await add_people(db)
    statuses = [
        Status.SUBMITTED,
        Status.APPROVED,
        Status.SUBMITTED,
        Status.NEEDS_INFO,
        Status.SUBMITTED,
        Status.SUBMITTED,
        Status.REJECTED,
    ]
    ids = await submitted(
        db, [(f"c{n}", f"C{n}", "porous_brick", True, False, s) for n, s in enumerate(statuses)]
    )
    expected = [ids[n] for n, s in enumerate(statuses) if s == Status.SUBMITTED]
    batches: list[list[int]] = []
    after = 0
    async with db.unit_of_work() as uow:
        while batch := await uow.sessions.undecided_submitted(2, after):
            batches.append([row.id for row in batch])
            after = batch[-1].id
            for row in batch:
                await uow.sessions.update_evaluation(
                    row, {"qualified": False, "needs_review": True}, "sintered-wall-2020", 2
                )
        await uow.commit()
    assert batches == [expected[:2], expected[2:]]
    async with db.unit_of_work() as uow:
        rows = (
            await uow.session.scalars(
                select(AssessmentSession).where(AssessmentSession.ruleset_version == 2)
            )
        ).all()
    assert sorted(row.id for row in rows) == expected
    assert all(row.qualified is False and row.needs_review for row in rows)
    assert all(row.status == Status.SUBMITTED for row in rows)


async def test_submitted_sessions_in_bulk_read_lock_and_rejudge(db: Database) -> None:
    """What a re-evaluation stores: only sessions still submitted at the version it read,
    with the new verdict, the ruleset version and a bumped row version."""
    await add_people(db)
    statuses = [Status.SUBMITTED, Status.APPROVED, Status.SUBMITTED, Status.SUBMITTED]
    ids = await submitted(
        db, [(f"c{n}", f"C{n}", "porous_brick", True, False, s) for n, s in enumerate(statuses)]
    )
    first, _, second, third = ids
    async with db.unit_of_work() as uow:
        count = await uow.sessions.submitted.count()
        page = await uow.sessions.submitted.page(0, 2)
        rest = await uow.sessions.submitted.page(page[-1].id, 2)
        languages = await uow.people.languages([SUPPLIER, ASSESSOR, BIG_ID])
    assert count == 3
    assert [row.id for row in page] == [first, second] and [row.id for row in rest] == [third]
    assert json.loads(page[0].answers) == answers("c0", "C0")
    assert json.loads(page[0].evaluation) == {"qualified": True, "needs_review": False}
    assert (page[0].qualified, page[0].ruleset_id, page[0].ruleset_version) == (
        True,
        "sintered-wall-2020",
        1,
    )
    assert page[0].company_name == "c0" and page[0].owner_id == SUPPLIER
    assert languages == {SUPPLIER: "zh", ASSESSOR: "zh"}

    async with db.unit_of_work() as uow:  # another process writes the third meanwhile
        row = await uow.sessions.get(third)
        assert row is not None
        await uow.sessions.save_progress(row, state={}, answers=row.answers, current_question=None)
        await uow.commit()

    read = {row.id: row.version for row in [*page, *rest]}
    new = {"qualified": False, "needs_review": True, "clauses": {"5.2a": {"passed": False}}}
    async with db.unit_of_work() as uow:
        still = await uow.sessions.submitted.lock_unchanged(read)
        verdicts = [Rejudged(sid, json.dumps(new), False, True) for sid in sorted(still)]
        await uow.sessions.submitted.rejudge("sintered-wall-2020", 2, verdicts)
        await uow.sessions.submitted.rejudge("sintered-wall-2020", 2, [])
        await uow.commit()
    assert still == {first, second}

    async with db.unit_of_work() as uow:
        rows = [await uow.sessions.get(sid) for sid in (first, second, third)]
    untouched = {"qualified": True, "needs_review": False}
    assert [r.evaluation for r in rows if r] == [new, new, untouched]
    assert [(r.qualified, r.needs_review, r.ruleset_version, r.version) for r in rows if r] == [
        (False, True, 2, read[first] + 1),
        (False, True, 2, read[second] + 1),
        (True, False, 1, read[third] + 1),
    ]

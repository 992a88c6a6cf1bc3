"""Re-evaluation underneath the chat: which sessions must be judged again, batches,
worker processes, and sessions that change or a version that moves on during a run."""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import date
from decimal import Decimal
from types import ModuleType
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import bot.services.reevaluation as reevaluation_module
from bot.services.admin_screens import Screens
from bot.services.background import WORKER_NICENESS
from bot.services.reevaluation import (
    CURRENT,
    INVALID,
    JUDGED,
    SAME,
    Reevaluator,
    judge_documents,
    judging,
)
from bot.services.ruleset_changes import apply_change, plan_value
from bot.services.rulesets import RulesetProvider
from bot.services.texts import load_catalogue
from criteria import (
    PRODUCT_CATEGORIES,
    Ruleset,
    changed_settings,
    evaluate,
    load_ruleset,
    parse_answers,
)
from storage import Database, Status
from tests.admin.admin_sessions import plant, session_row, submitted
from tests.moved_settings import moved

V1 = load_ruleset()
KEYS = [setting.key for setting in V1.settable_keys()]


def tightened(key: str, value: str, version: int = 2) -> Ruleset:
    return V1.with_value(key, value).with_version(version)


def judge_one(document: dict[str, Any], new: Ruleset) -> Any:
    """Judge a session as stored: its answers and the evaluation they got under V1."""
    changes = {(V1.id, V1.version): changed_settings(V1, new)}
    stored = evaluate(parse_answers(document), V1).model_dump_json()
    (verdict,) = judge_documents(new, changes, [(1, document, V1.id, V1.version, stored)], True)
    return verdict


# -- which sessions must be judged again ----------------------------------------------------

documents = st.fixed_dictionaries(
    {
        "category": st.sampled_from(PRODUCT_CATEGORIES),
        "gangue": st.sampled_from([0, 40, 85]),
        "fly_ash": st.sampled_from([0, 55]),
        "other": st.sampled_from([0, 10, 35]),
        "report": st.booleans(),
        "local": st.integers(0, 100),
        "evidence": st.booleans(),
        "unit_energy": st.integers(30, 60),
        "by_total": st.booleans(),
    }
)


def document_from(drawn: dict[str, Any]) -> dict[str, Any]:
    doc = plant("某砖厂", drawn["category"], str(drawn["unit_energy"]))
    gangue = drawn["gangue"]
    other = min(drawn["other"], 100 - gangue)
    fly_ash = min(drawn["fly_ash"], 100 - gangue - other)
    doc["solid_waste"] = {
        "coal_gangue_pct": gangue,
        "fly_ash_pct": fly_ash,
        "other_pct": other,
        "third_party_report": drawn["report"],
    }
    doc["raw_materials"] = {"local_t": drawn["local"], "total_t": 100, "evidence": True}
    if not drawn["by_total"]:
        kgce = Decimal(doc["energy"].pop("total_kgce"))
        doc["energy"]["electricity_kwh"] = str(kgce * Decimal("0.3") / Decimal("0.1229"))
        doc["energy"]["natural_gas_m3"] = str(kgce * Decimal("0.7") / Decimal("1.2143"))
    return doc


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(drawn=documents, shift=st.sampled_from([-6, -1, 1, 4]))
def test_a_session_left_alone_gets_exactly_the_evaluation_it_has(
    drawn: dict[str, Any], shift: int
) -> None:
    """Not judging a session is only right if judging it would change nothing but the
    version: checked against the evaluator itself, for a change of every setting."""
    document = document_from(drawn)
    before = evaluate(parse_answers(document), V1).model_dump(mode="json")
    for key in KEYS:
        value = moved(V1, key, shift)
        if Decimal(value) == V1.setting(key).value:
            continue
        new = tightened(key, value)
        verdict = judge_one(document, new)
        expected = evaluate(parse_answers(document), new).model_dump(mode="json")
        if verdict.outcome == SAME:
            assert {**before, "ruleset_version": 2} == expected, key
        else:
            assert verdict.outcome == JUDGED, key
            assert json.loads(verdict.evaluation) == expected, key


@pytest.mark.parametrize(
    ("document", "key", "value", "outcome"),
    [
        (plant("a", "hollow_brick", "46.5"), "energy.porous_brick", "45", SAME),
        (plant("a", "porous_brick", "46.5"), "energy.porous_brick", "45", JUDGED),
        # A reported total is used instead of the carriers: the factors are not read.
        (plant("a", "porous_brick", "40"), "factors.natural_gas_m3", "1.33", SAME),
        (plant("a", "porous_brick", "40"), "localisation.min_ratio_pct", "90", JUDGED),
        (plant("a", "porous_brick", "40"), "waste.fly_ash_only", "60", SAME),
    ],
)
def test_only_sessions_reading_a_changed_value_are_judged_again(
    document: dict[str, Any], key: str, value: str, outcome: str
) -> None:
    assert judge_one(document, tightened(key, value)).outcome == outcome


def test_stored_sessions_on_the_target_invalid_or_never_judged() -> None:
    """What differs between versions is the criteria's (tests/criteria); here, how the
    sessions as stored are sorted by it."""
    target = tightened("energy.porous_brick", "45")
    items = [
        (1, plant("a", "porous_brick", "45.5"), V1.id, 2, None),  # already on the target
        (2, {"energy": {"output_t": -1}}, V1.id, 1, None),  # answers that no longer validate
        (3, json.dumps(plant("b", "porous_brick", "45.5")), V1.id, 1, None),  # JSON text
        (4, plant("c", "porous_brick", "45.5"), None, None, None),  # never judged: in full
        (5, plant("d", "porous_brick", "45.5"), V1.id, 1, "{not json"),  # unreadable: in full
    ]
    changes = {(V1.id, 1): changed_settings(V1, target)}
    outcomes = [v.outcome for v in judge_documents(target, changes, items, False)]
    assert outcomes == [CURRENT, INVALID, JUDGED, JUDGED, JUDGED]


@pytest.mark.parametrize(
    ("key", "value", "known"),
    [
        ("localisation.min_ratio_pct", "90", True),  # one route judged again
        ("factors.electricity_kwh", "0.13", True),  # every energy figure: in full
        ("localisation.min_ratio_pct", "90", False),  # what changed is unknown: in full
    ],
)
def test_a_session_is_judged_again_as_of_the_day_of_its_verdict(
    key: str, value: str, known: bool
) -> None:
    """Judged in part or in full, a certificate that lapsed since the verdict still
    counts: the only thing a ruleset change may move is what the ruleset says."""
    document = plant("冀州墙材", "porous_brick", "44")
    document["energy"] = {"output_t": 100, "electricity_kwh": 3000, "natural_gas_m3": 3300}
    document["certifications"] = {"environmental_label": True}
    document["evidence"] = {
        "environmental_label": {
            "kind": "certificate",
            "number": "CEC-2024-3321",
            "issuer": "中环联合（北京）认证中心",
            "issued": "2023-04-01",
            "expires": "2025-04-01",
        }
    }
    answers = parse_answers(document)
    on = date(2024, 11, 5)
    earlier = evaluate(answers, V1, on)
    assert earlier.qualified
    new = tightened(key, value)
    items = [(1, document, V1.id, V1.version, earlier.model_dump_json())]
    changes = {(V1.id, V1.version): changed_settings(V1, new)} if known else {}
    (verdict,) = judge_documents(new, changes, items, True)
    assert verdict.outcome == JUDGED
    again = json.loads(verdict.evaluation)
    assert again["evaluated_on"] == "2024-11-05"
    assert again["clauses"]["5.4"]["passed"]
    assert again == evaluate(answers, new, on).model_dump(mode="json")


def test_only_the_route_of_the_changed_value_is_judged_again() -> None:
    """What the change cannot move is taken from the stored evaluation as it stands."""
    document = plant("冀州墙材", "porous_brick", "44")
    document["raw_materials"] = {"local_t": 92, "total_t": 100, "evidence": True}
    earlier = evaluate(parse_answers(document), V1)
    assert not earlier.clauses["5.1b"].passed
    kept = earlier.clauses["4.1a"].model_copy(update={"reason": "依法设立并正常运营（原措辞）"})
    stored = earlier.model_copy(update={"clauses": {**earlier.clauses, "4.1a": kept}})
    new = tightened("localisation.min_ratio_pct", "90")
    changes = {(V1.id, V1.version): changed_settings(V1, new)}
    items = [(1, document, V1.id, V1.version, stored.model_dump_json())]
    (verdict,) = judge_documents(new, changes, items, True)
    again = json.loads(verdict.evaluation)
    assert again["clauses"]["4.1a"]["reason"] == "依法设立并正常运营（原措辞）"
    assert again["clauses"]["5.1b"]["passed"]
    assert "≥ 90 %" in again["clauses"]["5.1b"]["reason"]
    assert again["passed_indicators"] == ["5.1b", "5.2a"]


async def test_worker_processes_judge_exactly_like_a_thread(
    monkeypatch: pytest.MonkeyPatch, worker_niceness: Callable[[ModuleType], list[int]]
) -> None:
    monkeypatch.setattr(reevaluation_module, "PARALLEL_FROM", 0)
    target = tightened("energy.porous_brick", "45")
    changes = {(V1.id, 1): changed_settings(V1, target)}
    documents = [plant(f"厂{n}", PRODUCT_CATEGORIES[n % 4], str(40 + n % 9)) for n in range(12)]
    items = [
        (n, document, V1.id, 1, evaluate(parse_answers(document), V1).model_dump_json())
        for n, document in enumerate(documents)
    ]
    async with judging(len(items), workers=1) as in_thread:
        expected = await in_thread(target, changes, items, True)
    niceness = worker_niceness(reevaluation_module)
    async with judging(len(items), workers=2) as in_processes:
        got = await in_processes(target, changes, items, True)
    assert got == expected
    assert {v.outcome for v in got} == {SAME, JUDGED}
    # On a small server they share the cores with the chats, at the lowest priority.
    assert niceness == [min(os.nice(0) + WORKER_NICENESS, 19)]


# -- runs against the database --------------------------------------------------------------


async def tighten(db: Database, key: str = "energy.porous_brick", value: str = "45") -> None:
    provider = RulesetProvider()
    async with db.unit_of_work() as uow:
        change = await plan_value(uow, provider, key, value)
        await apply_change(uow, change, None, "test")
        await uow.commit()


async def test_batches_invalid_answers_and_the_report(db: Database) -> None:
    seeded = [
        await submitted(db, 7000 + n, plant(f"厂{n}", "porous_brick", str(44 + n % 3)))
        for n in range(5)
    ]
    broken = await submitted(db, 7100, plant("坏数据厂", "porous_brick", "45.5"))
    async with db.unit_of_work() as uow:
        row = await uow.sessions.get(broken.session_id)
        assert row is not None
        answers = dict(row.answers)
        answers["energy"] = {**answers["energy"], "output_t": -5}
        await uow.sessions.save_progress(
            row, state=row.state, answers=answers, current_question=None
        )
        await uow.commit()
    await tighten(db)

    impact = await Reevaluator(db, RulesetProvider(), batch_size=2).run(None)
    # 44, 45, 46, 44, 45 kgce/t against 45: only the third plant is over.
    assert (impact.total, impact.to_not_qualified, impact.failed) == (6, 1, [broken.session_id])
    assert [f.session_id for f in impact.flips] == [seeded[2].session_id]
    for index, item in enumerate(seeded):
        row = await session_row(db, item.session_id)
        assert (row.ruleset_version, row.qualified) == (2, index != 2)
    untouched = await session_row(db, broken.session_id)
    assert (untouched.ruleset_version, untouched.qualified) == (1, True)

    text = Screens(load_catalogue()).report("en", impact, notified=True)
    assert f"answers no longer validate, not re-evaluated: 1 (#{broken.session_id})" in text
    assert "Their suppliers have been notified." in text


@asynccontextmanager
async def meddling(monkeypatch: pytest.MonkeyPatch, meddle: Any) -> AsyncIterator[None]:
    """Judging that lets something else happen in the database while a batch is judged."""
    real = reevaluation_module.judging

    @asynccontextmanager
    async def with_meddling(expected: int, workers: int | None = None) -> AsyncIterator[Any]:
        async with real(expected, workers) as judge:
            calls = 0

            async def judge_and_meddle(*args: Any) -> Any:
                nonlocal calls
                calls += 1
                if calls == 1:
                    await meddle()
                return await judge(*args)

            yield judge_and_meddle

    monkeypatch.setattr(reevaluation_module, "judging", with_meddling)
    yield


async def test_a_session_decided_meanwhile_is_left_to_that_decision(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = await submitted(db, 7201, plant("甲", "porous_brick", "45.5"))
    second = await submitted(db, 7202, plant("乙", "porous_brick", "45.5"))
    await tighten(db)

    async def decide() -> None:
        async with db.unit_of_work() as uow:
            row = await uow.sessions.get_for_update(first.session_id)
            assert row is not None
            await uow.sessions.set_status(row, Status.APPROVED)
            await uow.commit()

    async with meddling(monkeypatch, decide):
        impact = await Reevaluator(db, RulesetProvider()).run(None)
    assert (impact.total, impact.moved_on, impact.to_not_qualified) == (1, 1, 1)
    decided = await session_row(db, first.session_id)
    assert (decided.status, decided.ruleset_version, decided.qualified) == (
        Status.APPROVED,
        1,
        True,
    )
    assert (await session_row(db, second.session_id)).qualified is False


async def test_a_run_stops_when_the_version_in_force_moves_on(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    seeded = await submitted(db, 7301, plant("甲", "porous_brick", "45.5"))
    await tighten(db)

    async def another_change() -> None:
        await tighten(db, "energy.hollow_brick", "46")

    async with meddling(monkeypatch, another_change):
        impact = await Reevaluator(db, RulesetProvider()).run(None)
    assert (impact.superseded_by, impact.total) == (3, 0)
    assert (await session_row(db, seeded.session_id)).ruleset_version == 1
    text = Screens(load_catalogue()).report("zh", impact, notified=False)
    assert "现行为 v3" in text and "请再发送一次 /reevaluate" in text
    async with db.unit_of_work() as uow:
        (entry,) = [e for e in await uow.audit.latest(5) if e.action == "ruleset.reevaluate"]
    assert entry.new_value["stopped_at_version"] == 3

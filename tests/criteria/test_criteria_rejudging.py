"""Re-judging a stored evaluation after a change of settings must give exactly what a full
evaluation on the same day gives: a stale part kept by mistake would be a wrong verdict
that looks right.

The plants drawn here carry what the changed settings and the date can reach: evidence
files with validity dates, an evaluation period, carriers with range factors, fuels
burnt in the body or without a standard factor, figures flagged as implausible.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from criteria import (
    PRODUCT_CATEGORIES,
    Evaluation,
    changed_settings,
    evaluate,
    load_ruleset,
    parse_answers,
    rejudge,
)
from criteria.edition import EDITION
from criteria.vocabulary import CERTIFICATIONS, CLAIMS
from tests.moved_settings import moved

V1 = load_ruleset()
KEYS = [setting.key for setting in V1.settable_keys()]
# The thresholds: a change of a standard-coal factor is always judged in full.
THRESHOLDS = [key for key in KEYS if not key.startswith("factors.")]
JUDGED_ON = date(2026, 3, 16)
FLAGS = ("lawful_operation", "white_list", "quality_management")
FLAGS += ("environmental_management", "metering", "product_quality")


@st.composite
def evidence_items(draw: st.DrawFn) -> dict[str, Any]:
    """Certificates and reports around the evaluation dates: valid, expired, incomplete."""
    items: dict[str, Any] = {}
    for claim in draw(st.lists(st.sampled_from(CLAIMS), unique=True, max_size=4)):
        issued = JUDGED_ON - timedelta(days=draw(st.integers(0, 1200)))
        item: dict[str, Any] = {
            "kind": draw(st.sampled_from(["certificate", "report", "manual_and_audit"])),
            "issued": issued.isoformat(),
        }
        if draw(st.booleans()):
            item["expires"] = (JUDGED_ON + timedelta(days=draw(st.integers(-40, 400)))).isoformat()
        if draw(st.booleans()):
            item.update(number="CQC-2025-0417", issuer="中国质量认证中心", content_pct="61")
        items[claim] = item
    return items


@st.composite
def plants(draw: st.DrawFn) -> dict[str, Any]:
    gangue = draw(st.sampled_from([0, 0, 45, 85]))
    fly_ash = draw(st.sampled_from([0, 0, 30, 55])) if gangue == 0 else 0
    other = min(draw(st.sampled_from([0, 10, 35])), 100 - gangue - fly_ash)
    total_t = draw(st.sampled_from([0, 100, 48_000]))
    output_t = draw(st.sampled_from([0, 100, 150_000]))
    energy: dict[str, Any] = {"output_t": output_t}
    if output_t:
        per_t = Decimal(draw(st.integers(30, 60)))
        if draw(st.booleans()):
            energy["total_kgce"] = str(per_t * output_t)
        else:
            kgce = per_t * output_t
            energy["electricity_kwh"] = str(kgce * Decimal("0.3") / Decimal("0.1229"))
            energy["natural_gas_m3"] = str(kgce * Decimal("0.7") / Decimal("1.2143"))
            if draw(st.booleans()):
                energy["natural_gas_lcv_kj_per_m3"] = "35588"
            energy["internal_fuel_kg"] = draw(st.sampled_from([0, 0, 1200]))
            if draw(st.booleans()):
                energy["other_fuels"] = [
                    {"name": "生物质颗粒", "amount": 800, "unit": "kg", "kgce_per_unit": "0.5"}
                ]
        energy["plausibility_confirmed"] = draw(st.sampled_from([None, True]))
    energy["energy_management_certified"] = draw(st.booleans())
    start = JUDGED_ON - timedelta(days=draw(st.sampled_from([100, 400, 800])))
    end = start + timedelta(days=draw(st.sampled_from([364, 200])))
    return {
        "enterprise": {
            "name": "冀州新型墙材有限公司",
            "credit_code": "91131181MA0CXK2L5T",
            "period_start": start.isoformat(),
            "period_end": end.isoformat(),
        },
        "product_category": draw(st.sampled_from([*PRODUCT_CATEGORIES, None])),
        "basic": {flag: draw(st.booleans()) for flag in FLAGS},
        "solid_waste": {
            "coal_gangue_pct": gangue,
            "fly_ash_pct": fly_ash,
            "other_pct": other,
            "third_party_report": draw(st.booleans()),
        },
        "raw_materials": {
            "local_t": str(total_t * draw(st.sampled_from([Decimal(0), Decimal("0.93")]))),
            "total_t": total_t,
            "evidence": draw(st.booleans()),
        },
        "energy": energy,
        "ghg": {"accounted": draw(st.booleans()), "published": draw(st.booleans())},
        "certifications": {name: draw(st.booleans()) for name in CERTIFICATIONS},
        "evidence": draw(evidence_items()),
    }


def test_an_evaluation_names_the_evaluator_that_made_it() -> None:
    evaluation = evaluate(parse_answers({}), V1)
    assert evaluation.edition == EDITION
    assert len(EDITION) == 16 and int(EDITION, 16) >= 0


def stored(evaluation: Evaluation) -> Evaluation:
    """The evaluation as a session keeps it: JSON text, read back."""
    return Evaluation.model_validate_json(evaluation.model_dump_json())


SHIFTS = st.sampled_from([Decimal(n) for n in (-12, -6, -1, 1, 4, 9)] + [Decimal("0.05")])


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plant=plants(), shift=SHIFTS, later=st.sampled_from([0, 45, 400]))
def test_rejudging_a_stored_evaluation_equals_judging_in_full_on_its_day(
    plant: dict[str, Any], shift: Decimal, later: int
) -> None:
    """Every threshold on its own, moved a little (the figures then need more decimals to
    show which side they are on) or a lot."""
    answers = parse_answers(plant)
    on = JUDGED_ON + timedelta(days=later)
    previous = stored(evaluate(answers, V1, on=on))
    for key in THRESHOLDS:
        value = moved(V1, key, shift)
        if Decimal(value) == V1.setting(key).value:
            continue
        new = V1.with_value(key, value).with_version(2)
        changed = changed_settings(V1, new)
        assert changed == {key}
        expected = evaluate(answers, new, on=on)
        assert rejudge(answers, new, previous, changed) == expected, key


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    plant=plants(),
    moves=st.dictionaries(st.sampled_from(THRESHOLDS), SHIFTS, min_size=2, max_size=4),
    first=st.dictionaries(st.sampled_from(THRESHOLDS), SHIFTS, max_size=3),
)
def test_several_thresholds_moved_from_any_earlier_version(
    plant: dict[str, Any], moves: dict[str, Decimal], first: dict[str, Decimal]
) -> None:
    """The stored evaluation was itself made under a changed version, and several values
    move at once, across routes or within one."""
    answers = parse_answers(plant)
    old = V1
    for key, shift in first.items():
        old = old.with_value(key, moved(V1, key, shift))
    old = old.with_version(2)
    new = old
    for key, shift in moves.items():
        new = new.with_value(key, moved(V1, key, -shift))
    new = new.with_version(3)
    changed = changed_settings(old, new)
    assert changed is not None
    previous = stored(evaluate(answers, old, on=JUDGED_ON))
    assert rejudge(answers, new, previous, changed) == evaluate(answers, new, on=JUDGED_ON)


def test_two_routes_changed_at_once_are_both_judged_again() -> None:
    plant = {
        "product_category": "porous_brick",
        "basic": dict.fromkeys(FLAGS, True),
        "solid_waste": {"coal_gangue_pct": 82, "third_party_report": True},
        "raw_materials": {"local_t": 92, "total_t": 100, "evidence": True},
        "energy": {"output_t": 100, "total_kgce": "4400"},
    }
    answers = parse_answers(plant)
    previous = stored(evaluate(answers, V1, on=JUDGED_ON))
    assert previous.passed_indicators == ["5.1a", "5.2a"]
    new = (
        V1.with_value("waste.coal_gangue_only", "85")
        .with_value("localisation.min_ratio_pct", "90")
        .with_value("energy.porous_brick", "43")
        .with_version(2)
    )
    changed = changed_settings(V1, new)
    assert changed == {
        "waste.coal_gangue_only",
        "localisation.min_ratio_pct",
        "energy.porous_brick",
    }
    again = rejudge(answers, new, previous, changed)
    assert again == evaluate(answers, new, on=JUDGED_ON)
    assert again.passed_indicators == ["5.1b"]
    assert "未满足：煤矸石掺加量 82 % < 85 %" in again.clauses["5.1a"].reason
    assert "≥ 90 %" in again.clauses["5.1b"].reason
    assert not again.clauses["5.2a"].passed
    assert [gap.clause for gap in again.gaps] == ["5.1a", "5.2a"]


@pytest.mark.parametrize(
    ("clause", "claim"),
    [
        ("4.2.1", "quality_management"),
        ("4.2.2", "environmental_management"),
        ("5.1a", "third_party_report"),
        ("5.2b", "energy_management_certified"),
        ("5.4", "environmental_label"),
    ],
)
def test_a_verdict_is_judged_again_on_the_day_it_was_judged(clause: str, claim: str) -> None:
    """A threshold change must not pass off a certificate that lapsed since as its doing:
    the certificate still counts as it did on the day of the verdict."""
    plant = {
        "product_category": "porous_brick",
        "basic": dict.fromkeys(FLAGS, True),
        "solid_waste": {"coal_gangue_pct": 85, "third_party_report": True},
        "raw_materials": {"local_t": 50, "total_t": 100, "evidence": True},
        "energy": {"energy_management_certified": True},
        "certifications": {"environmental_label": True},
        "evidence": {
            claim: {
                "kind": "report" if claim == "third_party_report" else "certificate",
                "number": "CEC-2024-3321",
                "issuer": "中环联合（北京）认证中心",
                "issued": "2024-04-01",
                "expires": "2026-04-01",
                "content_pct": "85",
            }
        },
    }
    answers = parse_answers(plant)
    previous = stored(evaluate(answers, V1, on=JUDGED_ON))
    assert previous.clauses[clause].passed
    new = V1.with_value("localisation.min_ratio_pct", "90").with_version(2)
    changed = changed_settings(V1, new)
    assert changed is not None
    again = rejudge(answers, new, previous, changed)
    assert again.clauses[clause].passed
    assert again.evaluated_on == "2026-03-16"
    assert again == evaluate(answers, new, on=JUDGED_ON)
    assert not evaluate(answers, new, on=date(2026, 6, 1)).clauses[clause].passed


def test_a_range_factor_is_weighed_against_the_new_table_2_value() -> None:
    """Natural gas at 1.1–1.33 kgce/m³ puts E on both sides of 46 but below 50."""
    answers = parse_answers(
        {"product_category": "porous_brick", "energy": {"output_t": 100, "natural_gas_m3": 3500}}
    )
    previous = stored(evaluate(answers, V1, on=JUDGED_ON))
    assert [r.code for r in previous.review_reasons] == ["range_factor_natural_gas_m3"]
    new = V1.with_value("energy.porous_brick", "50").with_version(2)
    changed = changed_settings(V1, new)
    assert changed == {"energy.porous_brick"}
    again = rejudge(answers, new, previous, changed)
    assert again.review_reasons == []
    assert not again.needs_review
    assert again == evaluate(answers, new, on=JUDGED_ON)


def unlike_its_answers(evaluation: Evaluation, **update: Any) -> Evaluation:
    """A stored evaluation whose clause 4.1 a) no longer says what the answers say."""
    clause = evaluation.clauses["4.1a"].model_copy(update={"passed": False, "reason": "旧"})
    return evaluation.model_copy(update={"clauses": {**evaluation.clauses, "4.1a": clause}})


@pytest.mark.parametrize(
    ("key", "previous_of"),
    [
        # A factor moves every energy figure: nothing of the previous one is kept.
        ("factors.natural_gas_m3", unlike_its_answers),
        # Judged under another ruleset: what it says is no guide.
        (
            "localisation.min_ratio_pct",
            lambda e: unlike_its_answers(e).model_copy(update={"ruleset_id": "another"}),
        ),
        # Stored by a version of the evaluator that judged fewer clauses.
        (
            "localisation.min_ratio_pct",
            lambda e: e.model_copy(update={"clauses": {"4.1a": e.clauses["4.1a"]}}),
        ),
        # Made by another release of the evaluator, or before editions were stamped.
        (
            "localisation.min_ratio_pct",
            lambda e: unlike_its_answers(e).model_copy(update={"edition": "0123456789abcdef"}),
        ),
        (
            "localisation.min_ratio_pct",
            lambda e: unlike_its_answers(e).model_copy(update={"edition": None}),
        ),
    ],
)
def test_what_cannot_be_re_judged_in_part_is_judged_in_full(key: str, previous_of: Any) -> None:
    answers = parse_answers(
        {
            "basic": dict.fromkeys(FLAGS, True),
            "energy": {"output_t": 100, "natural_gas_m3": 3000},
        }
    )
    new = V1.with_value(key, moved(V1, key, -6)).with_version(2)
    changed = changed_settings(V1, new)
    assert changed == {key}
    previous = previous_of(stored(evaluate(answers, V1, on=JUDGED_ON)))
    again = rejudge(answers, new, previous, changed)
    assert again.clauses["4.1a"].passed
    assert again == evaluate(answers, new, on=JUDGED_ON)

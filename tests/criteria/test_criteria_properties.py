"""Properties that hold for every valid answers document."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from criteria import (
    INDICATOR_CLAUSES,
    PRODUCT_CATEGORIES,
    Evaluation,
    evaluate,
    load_ruleset,
    parse_answers,
    render_report,
)

RULESET = load_ruleset()
ENERGY_FIELDS = ("electricity_kwh", "natural_gas_m3", "fuel_oil_kg", "diesel_kg")
PROPERTY_SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def amounts(high: int, places: int = 2) -> st.SearchStrategy[Decimal]:
    return st.one_of(
        st.just(Decimal(0)),
        st.decimals(
            min_value=0, max_value=high, places=places, allow_nan=False, allow_infinity=False
        ),
    )


@st.composite
def encoded(draw: st.DrawFn, value: Decimal) -> Any:
    """The same number as a JSON number or a numeric string."""
    form = draw(st.sampled_from(["string", "number"]))
    if form == "string":
        return str(value)
    return int(value) if value == value.to_integral_value() else float(value)


@st.composite
def documents(draw: st.DrawFn) -> dict[str, Any]:
    gangue = draw(amounts(100))
    fly_ash = draw(amounts(100 - int(gangue.to_integral_value(rounding="ROUND_CEILING"))))
    other = draw(amounts(max(0, 100 - int(gangue + fly_ash) - 1)))
    total_t = draw(amounts(100_000))
    local_t = draw(st.decimals(min_value=0, max_value=total_t, places=2)) if total_t else Decimal(0)
    output_t = draw(amounts(1_000_000))
    energy: dict[str, Any] = {"output_t": draw(encoded(output_t))}
    if output_t > 0:
        for name in ENERGY_FIELDS:
            energy[name] = draw(encoded(draw(amounts(10_000_000))))
        if draw(st.booleans()):
            energy["total_kgce"] = draw(encoded(draw(amounts(100_000_000))))
    energy["energy_management_certified"] = draw(st.booleans())
    flags = st.booleans()
    return {
        "enterprise": {"name": draw(st.text(max_size=20)), "credit_code": ""},
        "product_category": draw(st.sampled_from([*PRODUCT_CATEGORIES, None])),
        "basic": {
            name: draw(flags)
            for name in (
                "lawful_operation",
                "white_list",
                "quality_management",
                "environmental_management",
                "metering",
                "product_quality",
            )
        },
        "solid_waste": {
            "coal_gangue_pct": draw(encoded(gangue)),
            "fly_ash_pct": draw(encoded(fly_ash)),
            "other_pct": draw(encoded(other)),
            "third_party_report": draw(flags),
        },
        "raw_materials": {
            "local_t": draw(encoded(local_t)),
            "total_t": draw(encoded(total_t)),
            "evidence": draw(flags),
        },
        "energy": energy,
        "ghg": {"accounted": draw(flags), "published": draw(flags)},
        "certifications": {
            name: draw(flags)
            for name in (
                "miit_green_manufacturing",
                "samr_product_certification",
                "environmental_label",
                "other_recognised",
            )
        },
    }


@PROPERTY_SETTINGS
@given(documents())
def test_any_valid_document_evaluates(document: dict[str, Any]) -> None:
    evaluation = evaluate(parse_answers(document), RULESET)
    assert evaluation.qualified == (evaluation.basic_passed and bool(evaluation.passed_indicators))
    assert (evaluation.nearest_path is None) == evaluation.qualified
    flagged = any(c.needs_review for c in evaluation.clauses.values())
    assert evaluation.needs_review == (flagged or bool(evaluation.review_reasons))
    if evaluation.metrics.waste_category == "uncovered":
        assert evaluation.needs_review
    assert Evaluation.model_validate(evaluation.model_dump(mode="json")) == evaluation
    for lang in ("zh", "en"):
        assert render_report(evaluation, lang).count("\n") > 20


# (key, direction): a stricter energy limit is lower, a stricter minimum is higher.
STRICTER = [(f"energy.{c}", -1) for c in PRODUCT_CATEGORIES] + [
    ("waste.coal_gangue_only", 1),
    ("waste.fly_ash_only", 1),
    ("waste.coal_gangue_plus_other", 1),
    ("waste.other_only", 1),
    ("localisation.min_ratio_pct", 1),
]


@PROPERTY_SETTINGS
@given(documents(), st.sampled_from(STRICTER), st.decimals(min_value=0, max_value=60, places=3))
def test_a_stricter_threshold_never_turns_a_fail_into_a_pass(
    document: dict[str, Any], change: tuple[str, int], amount: Decimal
) -> None:
    key, direction = change
    current = RULESET.setting(key).value
    low, high = (
        (Decimal(1), Decimal(500)) if key.startswith("energy.") else (Decimal(0), Decimal(100))
    )
    stricter = RULESET.with_value(key, min(max(current + direction * amount, low), high))
    answers = parse_answers(document)
    before = evaluate(answers, RULESET)
    after = evaluate(answers, stricter)
    for clause in INDICATOR_CLAUSES:
        assert before.clauses[clause].passed or not after.clauses[clause].passed, clause
    assert before.qualified or not after.qualified


@PROPERTY_SETTINGS
@given(documents(), st.decimals(min_value=Decimal("0.001"), max_value=1000, places=3))
def test_scaling_energy_and_output_together_leaves_e_unchanged(
    document: dict[str, Any], factor: Decimal
) -> None:
    scaled = {**document, "energy": dict(document["energy"])}
    for name in ("output_t", "total_kgce", *ENERGY_FIELDS):
        if name in scaled["energy"]:
            scaled["energy"][name] = str(Decimal(str(scaled["energy"][name])) * factor)
    before = evaluate(parse_answers(document), RULESET)
    after = evaluate(parse_answers(scaled), RULESET)
    assert after.metrics.unit_energy_kgce_per_t == before.metrics.unit_energy_kgce_per_t
    assert after.clauses["5.2a"].passed == before.clauses["5.2a"].passed

"""Which settings a verdict depends on: a change of version is only skipped for answers
that read none of the changed values, and then the evaluation must come out the same."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from criteria import (
    PRODUCT_CATEGORIES,
    Ruleset,
    changed_settings,
    evaluate,
    load_ruleset,
    parse_answers,
    reads_setting,
)
from tests.moved_settings import moved

V1 = load_ruleset()
KEYS = [setting.key for setting in V1.settable_keys()]


def document(
    category: str = "porous_brick",
    *,
    waste: tuple[int, int, int] = (0, 0, 0),
    total_kgce: str | None = "4500",
    local_t: int = 96,
) -> dict[str, Any]:
    """A plant making 100 t; energy as a reported total, or by carrier when None."""
    gangue, fly_ash, other = waste
    energy: dict[str, Any] = {"output_t": 100, "total_kgce": total_kgce}
    if total_kgce is None:
        energy.update(electricity_kwh=12000, natural_gas_m3=2500)
    return {
        "enterprise": {"name": "测试建材有限公司", "credit_code": "91410183MA45YQ7K2Y"},
        "product_category": category,
        "basic": dict.fromkeys(
            (
                "lawful_operation",
                "white_list",
                "quality_management",
                "environmental_management",
                "metering",
                "product_quality",
            ),
            True,
        ),
        "solid_waste": {
            "coal_gangue_pct": gangue,
            "fly_ash_pct": fly_ash,
            "other_pct": other,
            "third_party_report": True,
        },
        "raw_materials": {"local_t": local_t, "total_t": 100, "evidence": True},
        "energy": energy,
    }


def with_value(key: str, value: str) -> Ruleset:
    return V1.with_value(key, value).with_version(2)


# -- what differs between two versions ------------------------------------------------------


def test_a_new_version_number_alone_changes_nothing() -> None:
    assert changed_settings(V1, V1.with_version(5)) == frozenset()


def test_changed_values_are_named_by_their_keys() -> None:
    new = V1.with_value("energy.porous_brick", "45").with_value("factors.diesel_kg", "1.5")
    assert changed_settings(V1, new.with_version(3)) == {
        "energy.porous_brick",
        "factors.diesel_kg",
    }


def test_anything_beyond_the_settings_means_judge_everything_again() -> None:
    relabelled = V1.model_copy(
        update={"title": V1.title.model_copy(update={"en": "Another title"})}
    )
    assert changed_settings(V1, relabelled) is None
    assert changed_settings(V1, V1.model_copy(update={"id": "another-ruleset"})) is None


# -- which settings a set of answers reads ---------------------------------------------------


@pytest.mark.parametrize("category", PRODUCT_CATEGORIES)
def test_table_2_is_read_only_in_the_row_of_the_product_category(category: str) -> None:
    answers = parse_answers(document(category))
    read = {c for c in PRODUCT_CATEGORIES if reads_setting(answers, V1, f"energy.{c}")}
    assert read == {category}


@pytest.mark.parametrize(
    ("waste", "row"),
    [
        ((85, 0, 0), "coal_gangue_only"),
        ((0, 55, 0), "fly_ash_only"),
        ((60, 0, 25), "coal_gangue_plus_other"),
        ((0, 0, 35), "other_only"),
        ((40, 20, 0), None),  # fly ash mixed with anything else: no row of Table 1
        ((0, 0, 0), None),
    ],
)
def test_table_1_is_read_only_in_the_row_of_the_waste_mix(
    waste: tuple[int, int, int], row: str | None
) -> None:
    answers = parse_answers(document(waste=waste))
    rows = [key for key in KEYS if key.startswith("waste.")]
    assert [key for key in rows if reads_setting(answers, V1, key)] == (
        [f"waste.{row}"] if row else []
    )


def test_the_coal_factors_are_read_only_when_energy_is_given_by_carrier() -> None:
    factors = [key for key in KEYS if key.startswith("factors.")]
    by_total = parse_answers(document(total_kgce="4500"))
    by_carrier = parse_answers(document(total_kgce=None))
    assert not any(reads_setting(by_total, V1, key) for key in factors)
    assert all(reads_setting(by_carrier, V1, key) for key in factors)


def test_a_carrier_reported_beside_a_total_reads_its_own_factor() -> None:
    """The total is judged, but the conversion table still quotes that carrier's factor."""
    plant = document(total_kgce="4500")
    plant["energy"]["electricity_kwh"] = 3000
    answers = parse_answers(plant)
    factors = [key for key in KEYS if key.startswith("factors.")]
    assert [key for key in factors if reads_setting(answers, V1, key)] == [
        "factors.electricity_kwh"
    ]
    new = with_value("factors.electricity_kwh", "0.2")
    before, after = evaluate(answers, V1), evaluate(answers, new)
    assert before.qualified == after.qualified
    assert [f.factor for f in after.metrics.factors] == ["0.2"]
    assert before.metrics.factors != after.metrics.factors


def test_localisation_and_unknown_settings_are_read_by_every_plant() -> None:
    answers = parse_answers(document())
    assert reads_setting(answers, V1, "localisation.min_ratio_pct")
    assert reads_setting(answers, V1, "localisation.radius_km")
    assert reads_setting(answers, V1, "someday.new_setting")


# -- the promise a re-evaluation relies on ---------------------------------------------------

plants = st.fixed_dictionaries(
    {
        "category": st.sampled_from(PRODUCT_CATEGORIES),
        "waste": st.sampled_from([(0, 0, 0), (85, 0, 0), (0, 55, 0), (60, 0, 25), (0, 0, 35)]),
        "total_kgce": st.sampled_from([None, "4300", "4600", "5000"]),
        "local_t": st.integers(80, 100),
        "beside_total": st.sampled_from([{}, {"electricity_kwh": 3000}]),
    }
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plant=plants, shift=st.sampled_from([-6, -1, 1, 4]))
def test_answers_that_read_no_changed_setting_keep_their_evaluation(
    plant: dict[str, Any], shift: int
) -> None:
    beside_total = plant.pop("beside_total")
    doc = document(**plant)
    if plant["total_kgce"] is not None:
        doc["energy"].update(beside_total)
    answers = parse_answers(doc)
    before = evaluate(answers, V1).model_dump(mode="json")
    for key in KEYS:
        value = moved(V1, key, shift)
        if Decimal(value) == V1.setting(key).value:
            continue  # clamped at a bound: no change to make
        new = with_value(key, value)
        assert changed_settings(V1, new) == {key}
        if not reads_setting(answers, new, key):
            after = evaluate(answers, new).model_dump(mode="json")
            assert after == {**before, "ruleset_version": 2}, key

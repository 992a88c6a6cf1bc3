"""Rulesets: the packaged one, malformed ones, administrator changes, round trips."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from decimal import Decimal
from importlib import resources
from typing import Any

import pytest

from criteria import (
    PRODUCT_CATEGORIES,
    Evaluation,
    Ruleset,
    RulesetError,
    RulesetLibrary,
    available_rulesets,
    load_ruleset,
    parse_ruleset_spec,
)

PACKAGED_YAML = (
    resources.files("criteria").joinpath("rulesets", "sintered-wall-2020.yaml").read_text("utf-8")
)


@pytest.fixture
def data(ruleset: Ruleset) -> dict[str, Any]:
    return ruleset.model_dump(mode="json")


def test_packaged_ruleset_holds_the_guideline_values(ruleset: Ruleset) -> None:
    assert (ruleset.id, ruleset.version) == ("sintered-wall-2020", 1)
    assert ("sintered-wall-2020", 1) in available_rulesets()
    waste = {
        row: ruleset.waste_threshold(row).value
        for row in ("coal_gangue_only", "fly_ash_only", "coal_gangue_plus_other", "other_only")
    }
    assert waste == {
        "coal_gangue_only": 80,
        "fly_ash_only": 50,
        "coal_gangue_plus_other": 80,
        "other_only": 30,
    }
    energy = {c: ruleset.energy_threshold(c).value for c in PRODUCT_CATEGORIES}
    assert energy == {
        "porous_brick": 46,
        "hollow_brick": 47,
        "insulation_brick": 50,
        "solid_product": 44,
    }
    assert ruleset.localisation.min_ratio_pct.value == 95
    assert ruleset.localisation.radius_km.value == 100
    factors = {
        c: ruleset.factor(c).value
        for c in ("electricity_kwh", "natural_gas_m3", "diesel_kg", "fuel_oil_kg")
    }
    assert factors == {
        "electricity_kwh": Decimal("0.1229"),
        "natural_gas_m3": Decimal("1.2143"),
        "diesel_kg": Decimal("1.4571"),
        "fuel_oil_kg": Decimal("1.4286"),
    }


def test_every_value_cites_its_source(ruleset: Ruleset) -> None:
    keys = ruleset.settable_keys()
    assert len(keys) == 17
    for setting in keys:
        group = setting.key.split(".")[0]
        expected = {"waste": "表1", "energy": "表2", "factors": "GB/T 2589"}.get(group, "A.1")
        assert expected in setting.source, setting
        assert setting.unit and setting.description and setting.description_en
    porous = next(s for s in keys if s.key == "energy.porous_brick")
    assert porous.source == "表2 烧结多孔砖和多孔砌块"
    assert (porous.value, porous.unit, porous.clause, porous.bound) == (
        Decimal(46),
        "kgce/t",
        "5.2 a)",
        "max",
    )


def test_category_labels_come_from_the_ruleset(ruleset: Ruleset) -> None:
    assert ruleset.category_label("porous_brick") == "烧结多孔砖和多孔砌块"
    assert ruleset.category_label("hollow_brick") == "烧结空心砖和空心砌块"
    assert ruleset.category_label("insulation_brick") == "烧结保温砖和保温砌块"
    assert ruleset.category_label("solid_product") == "烧结实心制品"
    assert ruleset.category_label("solid_product", "en") == "Sintered solid products"


def test_dict_round_trip_is_exact(ruleset: Ruleset, data: dict[str, Any]) -> None:
    text = json.dumps(data, ensure_ascii=False)  # plain JSON, as a database column holds it
    again = Ruleset.model_validate(json.loads(text))
    assert again == ruleset
    assert again.model_dump(mode="json") == data
    assert data["factors"]["electricity_kwh"]["value"] == "0.1229"
    assert Ruleset.from_dict(data) == ruleset


def _broken(data: dict[str, Any], change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    broken = copy.deepcopy(data)
    change(broken)
    return broken


@pytest.mark.parametrize(
    ("change", "path", "problem"),
    [
        (
            lambda d: d["energy"]["porous_brick"].update(value=-46),
            "energy.porous_brick.value",
            "应在 1 到 500 kgce/t 之间",
        ),
        (
            lambda d: d["waste"]["fly_ash_only"].update(value="-1"),
            "waste.fly_ash_only.value",
            "应在 0 到 100 % 之间",
        ),
        (
            lambda d: d["energy"].update(clay_brick=d["energy"]["porous_brick"]),
            "energy.clay_brick",
            "不认识的项",
        ),
        (
            lambda d: d["product_categories"].update(clay_brick={"zh": "黏土砖", "en": "Clay"}),
            "product_categories.clay_brick",
            "不认识的项",
        ),
        (lambda d: d["waste"].pop("fly_ash_only"), "waste.fly_ash_only", "缺少此项"),
        (lambda d: d["energy"].pop("solid_product"), "energy.solid_product", "缺少此项"),
        (
            lambda d: d["factors"]["diesel_kg"].update(value="one point four"),
            "factors.diesel_kg.value",
            "应为数字",
        ),
        (
            lambda d: d["factors"]["diesel_kg"].update(value=True),
            "factors.diesel_kg.value",
            "应为数字",
        ),
        (
            lambda d: d["factors"]["natural_gas_m3"].update(value=0),
            "factors.natural_gas_m3.value",
            "应大于 0 且不超过 10",
        ),
        (lambda d: d.update(version="1"), "version", "应为正整数"),
        (lambda d: d.update(id="Sintered Wall"), "id", "小写字母"),
        (
            lambda d: d["energy"]["porous_brick"].update(source="表2"),
            "energy.porous_brick.source",
            "键值映射",
        ),
    ],
)
def test_malformed_ruleset_is_refused_with_the_path(
    data: dict[str, Any], change: Callable[[dict[str, Any]], None], path: str, problem: str
) -> None:
    with pytest.raises(RulesetError) as caught:
        Ruleset.from_dict(_broken(data, change), name="broken.yaml")
    assert caught.value.path == path
    assert f"broken.yaml 无效：{path}：" in caught.value.message
    assert problem in caught.value.message
    assert path in caught.value.message_en


def test_malformed_yaml_file_is_refused() -> None:
    negative = PACKAGED_YAML.replace("value: 46\n", "value: -46\n")
    with pytest.raises(RulesetError, match=r"energy\.porous_brick\.value"):
        Ruleset.from_yaml(negative, name="negative.yaml")
    with pytest.raises(RulesetError, match="不是有效的 YAML"):
        Ruleset.from_yaml("id: [unclosed", name="bad.yaml")
    with pytest.raises(RulesetError, match="应为键值映射"):
        Ruleset.from_yaml("- a list", name="list.yaml")


def test_with_value_changes_one_value(ruleset: Ruleset) -> None:
    changed = ruleset.with_value("energy.porous_brick", Decimal("45.5"))
    assert changed.energy_threshold("porous_brick").value == Decimal("45.5")
    assert ruleset.energy_threshold("porous_brick").value == 46
    assert changed.energy_threshold("hollow_brick") == ruleset.energy_threshold("hollow_brick")
    assert changed.version == ruleset.version
    assert ruleset.with_value("factors.natural_gas_m3", "1.3300").factor(
        "natural_gas_m3"
    ).value == Decimal("1.33")
    assert (
        ruleset.with_value("localisation.min_ratio_pct", "90").localisation.min_ratio_pct.value
        == 90
    )
    assert (
        ruleset.with_value("waste.coal_gangue_only", 100).waste_threshold("coal_gangue_only").value
        == 100
    )
    assert ruleset.with_value("factors.electricity_kwh", 10).factor("electricity_kwh").value == 10
    stored = changed.with_version(2).model_dump(mode="json")
    assert Ruleset.model_validate(stored).energy.porous_brick.value == Decimal("45.5")
    assert stored["version"] == 2


@pytest.mark.parametrize(
    ("key", "value", "says"),
    [
        ("energy.clay_brick", "40", "没有设置项 energy.clay_brick"),
        ("energy", "40", "没有设置项 energy"),
        ("title.zh", "x", "没有设置项 title.zh"),
        ("energy.porous_brick", "0.5", "应在 1 到 500 kgce/t 之间"),
        ("energy.porous_brick", "501", "而不是 501"),
        ("energy.porous_brick", "forty", "应为数字"),
        ("factors.diesel_kg", "0", "应大于 0 且不超过 10"),
        ("factors.diesel_kg", "10.0001", "应大于 0 且不超过 10"),
        ("localisation.min_ratio_pct", "100.5", "应在 0 到 100 % 之间"),
        ("waste.other_only", "-1", "应在 0 到 100 % 之间"),
        ("localisation.radius_km", "0", "应在 1 到 1,000 km 之间"),
        ("energy.porous_brick", "NaN", "应为有限的数字"),
    ],
)
def test_with_value_refuses_bad_keys_and_values(
    ruleset: Ruleset, key: str, value: str, says: str
) -> None:
    with pytest.raises(RulesetError) as caught:
        ruleset.with_value(key, value)
    assert says in caught.value.message
    assert key in caught.value.message
    assert key in caught.value.message_en


def test_with_value_refuses_a_boolean(ruleset: Ruleset) -> None:
    with pytest.raises(RulesetError, match="应为数字"):
        ruleset.with_value("energy.porous_brick", True)  # type: ignore[arg-type]


def test_with_version_refuses_nonsense(ruleset: Ruleset) -> None:
    with pytest.raises(RulesetError, match="正整数"):
        ruleset.with_version(0)


def test_a_changed_threshold_changes_the_verdict(
    judge: Callable[..., Evaluation], ruleset: Ruleset
) -> None:
    energy = {"output_t": 1000, "total_kgce": 45000}
    assert judge(energy=energy).qualified
    stricter = ruleset.with_value("energy.porous_brick", 44).with_version(2)
    evaluation = judge(energy=energy, using=stricter)
    assert not evaluation.qualified
    assert (evaluation.ruleset_id, evaluation.ruleset_version) == ("sintered-wall-2020", 2)
    assert "45 kgce/t > 44 kgce/t" in evaluation.clauses["5.2a"].reason


def test_a_second_ruleset_is_one_more_file() -> None:
    second = PACKAGED_YAML.replace("version: 1", "version: 2").replace("value: 46\n", "value: 43\n")
    other = PACKAGED_YAML.replace("id: sintered-wall-2020", "id: sintered-wall-2030")
    library = RulesetLibrary.from_texts(
        {
            "sintered-wall-2020.yaml": PACKAGED_YAML,
            "sintered-wall-2020-v2.yaml": second,
            "sintered-wall-2030.yaml": other,
            "_texts.yaml": "not: a ruleset",
        }
    )
    assert library.available() == [
        ("sintered-wall-2020", 1),
        ("sintered-wall-2020", 2),
        ("sintered-wall-2030", 1),
    ]
    assert library.load().energy_threshold("porous_brick").value == 43
    assert library.load(version=1).energy_threshold("porous_brick").value == 46
    assert library.load("sintered-wall-2030").id == "sintered-wall-2030"


def test_the_same_version_twice_is_refused() -> None:
    with pytest.raises(RulesetError, match=r"重复定义于 a\.yaml 和 b\.yaml"):
        RulesetLibrary.from_texts({"a.yaml": PACKAGED_YAML, "b.yaml": PACKAGED_YAML})


def test_unknown_ruleset_or_version() -> None:
    with pytest.raises(RulesetError, match="没有规则集 nope；可用的有：sintered-wall-2020"):
        load_ruleset("nope")
    with pytest.raises(RulesetError, match="没有版本 99；可用的版本有：1"):
        load_ruleset("sintered-wall-2020", 99)


@pytest.mark.parametrize(
    ("spec", "parsed"),
    [
        ("sintered-wall-2020", ("sintered-wall-2020", None)),
        ("x@2", ("x", 2)),
        (" x@10 ", ("x", 10)),
    ],
)
def test_ruleset_spec(spec: str, parsed: tuple[str, int | None]) -> None:
    assert parse_ruleset_spec(spec) == parsed


@pytest.mark.parametrize("spec", ["", "@1", "x@", "x@two", "x@0", "x@-1"])
def test_bad_ruleset_spec(spec: str) -> None:
    with pytest.raises(RulesetError, match="ID@版本"):
        parse_ruleset_spec(spec)

"""The text catalogue, exact number handling, and what the package may contain or import."""

from __future__ import annotations

import ast
import re
import string
from decimal import Decimal
from fractions import Fraction
from importlib import resources
from pathlib import Path

import pytest
import yaml

from criteria._numbers import NumberProblem, fixed, plain, to_decimal
from criteria.catalogue import Catalogue, CatalogueError, Text
from criteria.figures import figure
from criteria.texts import catalogue
from tests.guideline import CLAUSES

REPO = Path(__file__).resolve().parents[2]
CODE = [*sorted((REPO / "criteria").glob("*.py")), REPO / "bot" / "cli" / "criteria.py"]
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


# ---------------------------------------------------------------- catalogue


def test_catalogue_is_complete_in_both_languages() -> None:
    texts = catalogue()
    for clause in CLAUSES:
        assert f"clause.{clause}.title" in texts
        assert f"clause.{clause}.label" in texts
    source = yaml.safe_load(
        resources.files("criteria").joinpath("rulesets", "_texts.yaml").read_text("utf-8")
    )
    for key, entry in source.items():
        names = {field for _, field, _, _ in string.Formatter().parse(entry["zh"]) if field}
        text = texts.both(key, **dict.fromkeys(names, "1"))
        # An English text never carries Chinese unless the Chinese one does too (a name).
        assert CJK.search(text.zh) or not CJK.search(text.en), key


def test_catalogue_refuses_a_missing_translation() -> None:
    with pytest.raises(CatalogueError, match="no en text for a"):
        Catalogue.from_leaves({"a": {"zh": "甲"}}, source="t.yaml")


def test_catalogue_refuses_different_placeholders() -> None:
    with pytest.raises(CatalogueError, match=r"zh uses \['value'\] but en uses \['amount'\]"):
        Catalogue.from_leaves(
            {"a": {"zh": "数值 {value}", "en": "value {amount}"}}, source="t.yaml"
        )


def test_catalogue_fills_each_language_with_its_own_text() -> None:
    texts = Catalogue.from_leaves(
        {"greet": {"zh": "你好，{who}", "en": "Hello, {who}"}, "sep": {"zh": "、", "en": ", "}},
        source="t.yaml",
    )
    assert texts.both("greet", who=Text("世界", "world")) == Text("你好，世界", "Hello, world")
    assert texts.join("sep", [Text("甲", "a"), Text("乙", "b")]) == Text("甲、乙", "a, b")
    with pytest.raises(KeyError, match="no text 'missing'"):
        texts.both("missing")


# ---------------------------------------------------------------- numbers


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0.1229, "0.1229"),
        (46, "46"),
        ("  47.270 ", "47.270"),
        (Decimal("1E+3"), "1E+3"),
        (80.0, "80.0"),
    ],
)
def test_numbers_are_read_exactly(value: object, expected: str) -> None:
    assert str(to_decimal(value)) == expected


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        (True, "not_a_number"),
        ("", "not_a_number"),
        ("4 6", "not_a_number"),
        (None, "not_a_number"),
        ("Infinity", "not_finite"),
        (float("nan"), "not_finite"),
        ("1e15", "too_large"),
        ("1e-29", "too_precise"),
    ],
)
def test_unusable_numbers_are_named(value: object, kind: str) -> None:
    with pytest.raises(NumberProblem) as caught:
        to_decimal(value)
    assert caught.value.kind == kind


def test_rounding_for_display_is_half_up_and_never_hides_a_difference() -> None:
    assert fixed(Fraction(2765, 1000), 2) == "2.77"
    assert fixed(Fraction(-2765, 1000), 2) == "-2.77"
    assert fixed(Fraction(-1, 1000), 2) == "0.00"
    assert fixed(Fraction(1, 3), 0) == "0"
    assert plain(Fraction(1, 3)) == "0.3333333333"
    assert plain(Decimal("46.000")) == "46"
    assert figure(Fraction(460001, 10000), 46) == "46.0001"
    assert figure(Fraction(46), 46) == "46"
    assert figure(Fraction(4727, 100), 46) == "47.27"
    assert figure(Fraction(1, 10**12), 0) == "0.000000000001"


# ---------------------------------------------------------------- package boundaries


def test_no_user_facing_chinese_in_python_code() -> None:
    for path in CODE:
        source = path.read_text(encoding="utf-8")
        assert not CJK.search(source), f"{path.name} holds Chinese text; move it to the catalogue"


def test_no_threshold_or_factor_literals_in_python_code() -> None:
    for path in CODE:
        source = path.read_text(encoding="utf-8")
        for literal in ("0.1229", "1.2143", "1.4571", "1.4286"):
            assert literal not in source, (path.name, literal)


def test_criteria_imports_none_of_the_other_packages() -> None:
    for path in sorted((REPO / "criteria").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                root = name.split(".")[0]
                assert root not in {"bot", "conversations", "storage", "telegram", "sqlalchemy"}, (
                    path.name,
                    name,
                )

"""What the evaluator keeps between calls never leaks from one ruleset or evaluation to another.

Data derived from a ruleset (thresholds as numbers and as text, sources, labels) is kept
per ruleset object, and fixed texts are kept per catalogue key, so that re-judging many
stored sessions stays cheap. These tests pin down that the result is always what a fresh
evaluation under that very ruleset would give.
"""

from __future__ import annotations

import json
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from criteria import CLAUSE_CHECKS, Ruleset, evaluate, parse_answers

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
Document = dict[str, Any]


def _example(name: str) -> Document:
    document: Document = json.loads((EXAMPLES / name).read_text(encoding="utf-8"))
    return document


def _copy(ruleset: Ruleset) -> Ruleset:
    """An equal ruleset that is a different object, as loaded again from storage."""
    return Ruleset.model_validate(ruleset.model_dump(mode="json"))


@pytest.mark.parametrize("name", ["qualified.json", "not-qualified.json"])
def test_interleaved_rulesets_each_get_their_own_thresholds(ruleset: Ruleset, name: str) -> None:
    answers = parse_answers(_example(name))
    strict = ruleset.with_value("localisation.min_ratio_pct", 99).with_version(2)
    lenient = ruleset.with_value("localisation.min_ratio_pct", "12.5").with_version(3)
    expected = {
        spec: evaluate(answers, _copy(r)).model_dump(mode="json")
        for spec, r in ((ruleset.spec, ruleset), (strict.spec, strict), (lenient.spec, lenient))
    }
    for _ in range(2):
        for current in (ruleset, strict, lenient, strict, ruleset):
            assert evaluate(answers, current).model_dump(mode="json") == expected[current.spec]
    values = evaluate(answers, lenient).clauses["5.1b"].values
    assert values["threshold_pct"] == "12.5"


def test_many_rulesets_in_turn_are_each_judged_by_their_own_values(
    ruleset: Ruleset, make_doc: Callable[..., Document]
) -> None:
    answers = parse_answers(
        make_doc(raw_materials={"local_t": 70, "total_t": 100, "evidence": True})
    )
    for percent in range(40, 100):
        changed = ruleset.with_value("localisation.min_ratio_pct", percent)
        result = evaluate(answers, changed).clauses["5.1b"]
        assert result.values["threshold_pct"] == str(percent)
        assert result.passed is (percent <= 70)


def test_a_new_version_of_the_same_values_reports_its_own_version(ruleset: Ruleset) -> None:
    answers = parse_answers(_example("qualified.json"))
    assert evaluate(answers, ruleset).ruleset_version == ruleset.version
    assert evaluate(answers, ruleset.with_version(7)).ruleset_version == 7
    assert evaluate(answers, ruleset).ruleset_version == ruleset.version


def test_a_ruleset_sent_to_another_process_judges_the_same(ruleset: Ruleset) -> None:
    answers = parse_answers(_example("not-qualified.json"))
    changed = ruleset.with_value("factors.electricity_kwh", "0.2").with_version(4)
    shipped = pickle.loads(pickle.dumps(changed))
    assert shipped == changed
    assert evaluate(answers, shipped) == evaluate(answers, changed)


@pytest.mark.parametrize("name", ["qualified.json", "not-qualified.json"])
def test_each_clause_check_gives_what_evaluate_gives(ruleset: Ruleset, name: str) -> None:
    answers = parse_answers(_example(name))
    evaluation = evaluate(answers, ruleset)
    assert list(CLAUSE_CHECKS) == list(evaluation.clauses)
    for clause, check in CLAUSE_CHECKS.items():
        assert check(answers, ruleset) == evaluation.clauses[clause]


def test_evaluations_share_no_mutable_parts(ruleset: Ruleset) -> None:
    answers = parse_answers(_example("not-qualified.json"))
    first = evaluate(answers, ruleset)
    expected = first.model_dump(mode="json")
    first.clauses["4.1a"].values["lawful_operation"] = "tampered"
    first.clauses["5.2a"].values.clear()
    first.passed_indicators.append("5.4")
    first.gaps[0].missing_documents.append("tampered")
    assert evaluate(answers, ruleset).model_dump(mode="json") == expected

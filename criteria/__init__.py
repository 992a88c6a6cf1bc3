"""The green list criteria: rulesets as data, answers validation, the evaluator, reports.

Pure domain code: no network, no database, no messenger; it reads only its packaged data
(criteria/rulesets/*.yaml). Typical use::

    answers = parse_answers(document)          # InvalidAnswers names the bad field
    evaluation = evaluate(answers, load_ruleset())
    print(render_report(evaluation, "zh"))
"""

from criteria.answers import Answers, answers_json_schema, parse_answers
from criteria.clauses import CLAUSE_CHECKS
from criteria.dependencies import changed_settings, reads_setting
from criteria.errors import AnswerProblem, CriteriaError, InvalidAnswers, RulesetError
from criteria.evaluation import ClauseResult, Evaluation, Gap, Metrics, NearestPath
from criteria.evaluator import evaluate, judged_on, rejudge
from criteria.facts import energy_review
from criteria.report import render_report
from criteria.ruleset import (
    DEFAULT_RULESET_ID,
    Ruleset,
    RulesetLibrary,
    SettableKey,
    available_rulesets,
    load_ruleset,
    parse_ruleset_spec,
)
from criteria.texts import LANGUAGES
from criteria.vocabulary import (
    BASIC_CLAUSES,
    CLAUSE_IDS,
    INDICATOR_CLAUSES,
    PRODUCT_CATEGORIES,
    WASTE_CATEGORIES,
)

__all__ = [
    "BASIC_CLAUSES",
    "CLAUSE_CHECKS",
    "CLAUSE_IDS",
    "DEFAULT_RULESET_ID",
    "INDICATOR_CLAUSES",
    "LANGUAGES",
    "PRODUCT_CATEGORIES",
    "WASTE_CATEGORIES",
    "AnswerProblem",
    "Answers",
    "ClauseResult",
    "CriteriaError",
    "Evaluation",
    "Gap",
    "InvalidAnswers",
    "Metrics",
    "NearestPath",
    "Ruleset",
    "RulesetError",
    "RulesetLibrary",
    "SettableKey",
    "answers_json_schema",
    "available_rulesets",
    "changed_settings",
    "energy_review",
    "evaluate",
    "judged_on",
    "load_ruleset",
    "parse_answers",
    "parse_ruleset_spec",
    "reads_setting",
    "rejudge",
    "render_report",
]

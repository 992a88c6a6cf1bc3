"""Plain-text rendering of an evaluation, for the chat and the command line.

The report is built from the evaluation alone (which carries both languages), so a stored
evaluation renders the same way years later, whatever the current ruleset says.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from criteria.evaluation import ClauseResult, Evaluation
from criteria.figures import figure, unit_shown
from criteria.ruleset import ruleset_title
from criteria.texts import DEFAULT_LANGUAGE, Text, catalogue, check_language
from criteria.vocabulary import BASIC_CLAUSES, INDICATOR_CLAUSES

PASS_MARK = "✅"
FAIL_MARK = "❌"
BULLET = "•"
INDENT = "   "


def _labels(clauses: list[str], lang: str) -> str:
    texts = catalogue()
    return texts.join("sep.enum", [texts.both(f"clause.{c}.label") for c in clauses]).get(lang)


def _title(result: ClauseResult, lang: str) -> str:
    return result.title_en if lang == "en" else result.title


def _headline(reason: str, lang: str) -> str:
    """A met clause's reason up to its first part (E = 37.97 kgce/t ≤ 46 kgce/t): how it
    was computed follows in the factors section, and its caveats in the review reasons."""
    texts = catalogue()
    head, found, _ = reason.partition(texts.get("sep.list", lang))
    return head + texts.get("sep.stop", lang) if found else reason


def _clause_lines(result: ClauseResult, lang: str, *, with_reason: bool = True) -> list[str]:
    mark = PASS_MARK if result.passed else FAIL_MARK
    reason = result.reason_en if lang == "en" else result.reason
    if result.passed:
        reason = _headline(reason, lang)
    head = f"{mark} {_title(result, lang)}"
    return [head, f"{INDENT}{reason}"] if with_reason else [head]


def _threshold(evaluation: Evaluation, clause: str, key: str) -> str | None:
    result = evaluation.clauses.get(clause)
    value = result.values.get(key) if result else None
    return value if isinstance(value, str) else None


def _ruleset_name(evaluation: Evaluation) -> Text:
    """The ruleset by its title and version, as a person knows it; its id when the title is
    not packaged here (an evaluation read elsewhere keeps rendering)."""
    title = ruleset_title(evaluation.ruleset_id)
    if title is None:
        plain = f"{evaluation.ruleset_id}@{evaluation.ruleset_version}"
        return Text(plain, plain)
    return catalogue().both(
        "report.ruleset_name", title=title, version=str(evaluation.ruleset_version)
    )


def _blockers(evaluation: Evaluation, lang: str, say: Callable[..., str]) -> list[str]:
    """What stands between the plant and the list, first: the basic requirements it misses,
    each with what meeting it takes; else, with no indicator met, the indicators' heading."""
    failing = [
        c for c in BASIC_CLAUSES if c in evaluation.clauses and not evaluation.clauses[c].passed
    ]
    lines: list[str] = []
    if failing:
        lines.append(say("report.blockers.basic"))
        for clause in failing:
            lines.append(f"{FAIL_MARK} {_title(evaluation.clauses[clause], lang)}")
            lines.append(INDENT + say("report.blockers.takes", what=say(f"requirement.{clause}")))
    elif not evaluation.passed_indicators:
        lines.append(say("report.blockers.no_indicator"))
    return lines


def render_report(evaluation: Evaluation | Mapping[str, Any], lang: str = DEFAULT_LANGUAGE) -> str:
    """A readable report that leads with the verdict and what blocks it (short enough for a
    phone's first screen), then the company, every clause, figures, gaps and the factors."""
    check_language(lang)
    if not isinstance(evaluation, Evaluation):
        evaluation = Evaluation.model_validate(evaluation)
    texts = catalogue()

    def say(key: str, **params: str | Text) -> str:
        return texts.get(key, lang, **params)

    lines = [say("report.title")]
    if evaluation.qualified:
        lines.append(
            say("report.verdict.qualified", indicators=_labels(evaluation.passed_indicators, lang))
        )
    else:
        lines.append(say("report.verdict.not_qualified"))
        lines += _blockers(evaluation, lang, say)
        if evaluation.nearest_path is not None:
            path = evaluation.nearest_path
            lines += [
                say("report.section.nearest"),
                path.advice_en if lang == "en" else path.advice,
            ]
    if evaluation.needs_review:
        flagged = [c for c, result in evaluation.clauses.items() if result.needs_review]
        if flagged:
            # The count keeps reasons outside any clause (the period, a factor's range) in view.
            count = str(len(evaluation.review_reasons))
            lines.append(say("report.needs_review", clauses=_labels(flagged, lang), count=count))
        else:
            lines.append(say("report.needs_review_reasons"))

    lines.append("")
    if evaluation.enterprise_name:
        lines.append(say("report.enterprise", name=evaluation.enterprise_name))
    if evaluation.credit_code:
        lines.append(say("report.credit_code", code=evaluation.credit_code))
    if evaluation.product_category_label is not None:
        label = Text(
            evaluation.product_category_label,
            evaluation.product_category_label_en or evaluation.product_category_label,
        )
        lines.append(say("report.category", label=label))
    else:
        lines.append(say("report.category_none"))
    lines.append(say("report.ruleset", ruleset=_ruleset_name(evaluation)))
    if evaluation.evaluated_on:
        lines.append(say("report.evaluated_on", date=evaluation.evaluated_on))

    # A basic requirement met needs no sentence, one missed has its need above; an
    # indicator's reason carries its figures, unless its gap below says it again.
    gapped = {gap.clause for gap in evaluation.gaps}
    lines += ["", say("report.section.basic")]
    for clause in BASIC_CLAUSES:
        if clause in evaluation.clauses:
            lines += _clause_lines(evaluation.clauses[clause], lang, with_reason=False)
    lines += ["", say("report.section.indicators")]
    for clause in INDICATOR_CLAUSES:
        if clause in evaluation.clauses:
            result = evaluation.clauses[clause]
            shown = result.passed or clause not in gapped
            lines += _clause_lines(result, lang, with_reason=shown)

    metrics = evaluation.metrics
    lines += ["", say("report.section.metrics")]
    if metrics.unit_energy_kgce_per_t is not None:
        threshold = _threshold(evaluation, "5.2a", "threshold_kgce_per_t")
        value = figure(metrics.unit_energy_kgce_per_t, threshold)
        lines.append(say("report.metric.energy", value=value))
    else:
        lines.append(say("report.metric.energy_none"))
    if metrics.local_material_ratio is not None:
        threshold = _threshold(evaluation, "5.1b", "threshold_pct")
        value = figure(metrics.local_material_ratio, threshold)
        lines.append(say("report.metric.local", value=value))
    else:
        lines.append(say("report.metric.local_none"))
    if metrics.waste_category == "none":
        lines.append(say("report.metric.waste_none"))
    else:
        category = Text(metrics.waste_category_label, metrics.waste_category_label_en)
        lines.append(
            say(
                "report.metric.waste",
                category=category,
                value=figure(
                    metrics.waste_content_pct, _threshold(evaluation, "5.1a", "threshold_pct")
                ),
            )
        )

    if metrics.factors:
        lines += ["", say("report.section.factors")]
        for factor in metrics.factors:
            label = Text(factor.label, factor.label_en)
            if factor.counted and factor.factor is not None:
                lines.append(
                    f"{BULLET} "
                    + say(
                        "energy.line",
                        label=label,
                        amount=figure(factor.amount, places=None),
                        unit=unit_shown(factor.unit),
                        factor=figure(factor.factor, places=None),
                        factor_unit=unit_shown(factor.factor_unit),
                        kgce=figure(factor.kgce),
                        source=Text(factor.source, factor.source_en),
                    )
                )
            else:
                reason = Text(factor.note or factor.source, factor.note_en or factor.source_en)
                lines.append(
                    f"{BULLET} "
                    + say(
                        "energy.line_not_counted",
                        label=label,
                        amount=figure(factor.amount, places=None),
                        unit=unit_shown(factor.unit),
                        reason=reason,
                    )
                )
    if evaluation.review_reasons:
        lines += ["", say("report.section.review")]
        lines += [
            f"{BULLET} {r.text_en if lang == 'en' else r.text}" for r in evaluation.review_reasons
        ]
    carbon = evaluation.carbon
    if carbon is not None:
        lines += ["", say("report.section.carbon")]
        if carbon.unit_co2_kg_per_t is not None:
            lines.append(
                say("report.carbon.per_t", value=figure(carbon.unit_co2_kg_per_t, places=1))
            )
        # An estimate: whole kilograms and tenths of a tonne are all the precision it has.
        lines.append(say("report.carbon.total", value=figure(carbon.co2_t_per_year, places=1)))
        for line in carbon.lines:
            label = Text(line.label, line.label_en)
            lines.append(
                f"{BULLET} "
                + say("report.carbon.line", label=label, value=figure(line.co2_kg, places=0))
            )
        lines.append(say("report.carbon.source", source=Text(carbon.source, carbon.source_en)))
        lines.append(say("report.carbon.note"))

    if evaluation.gaps:
        lines += ["", say("report.section.gaps")]
        lines += [
            f"{BULLET} {gap.text_en if lang == 'en' else gap.text}" for gap in evaluation.gaps
        ]
    return "\n".join(lines) + "\n"

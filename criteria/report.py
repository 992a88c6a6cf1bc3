"""Plain-text rendering of an evaluation, for the chat and the command line.

The report is built from the evaluation alone (which carries both languages), so a stored
evaluation renders the same way years later, whatever the current ruleset says.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from criteria._numbers import fixed
from criteria.evaluation import ClauseResult, Evaluation
from criteria.figures import figure_beside
from criteria.texts import DEFAULT_LANGUAGE, Text, catalogue, check_language
from criteria.vocabulary import BASIC_CLAUSES, INDICATOR_CLAUSES

PASS_MARK = "✅"
FAIL_MARK = "❌"
BULLET = "•"
INDENT = "   "


def _labels(clauses: list[str], lang: str) -> str:
    texts = catalogue()
    return texts.join("sep.enum", [texts.both(f"clause.{c}.label") for c in clauses]).get(lang)


def _clause_lines(result: ClauseResult, lang: str) -> list[str]:
    mark = PASS_MARK if result.passed else FAIL_MARK
    title = result.title_en if lang == "en" else result.title
    reason = result.reason_en if lang == "en" else result.reason
    return [f"{mark} {title}", f"{INDENT}{reason}"]


def _threshold(evaluation: Evaluation, clause: str, key: str) -> str | None:
    result = evaluation.clauses.get(clause)
    value = result.values.get(key) if result else None
    return value if isinstance(value, str) else None


def render_report(evaluation: Evaluation | Mapping[str, Any], lang: str = DEFAULT_LANGUAGE) -> str:
    """A readable report: verdict, every clause with its reason, figures, gaps, nearest path."""
    check_language(lang)
    if not isinstance(evaluation, Evaluation):
        evaluation = Evaluation.model_validate(evaluation)
    texts = catalogue()

    def say(key: str, **params: str | Text) -> str:
        return texts.get(key, lang, **params)

    lines = [say("report.title"), ""]
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
    lines.append(
        say("report.ruleset", ruleset=f"{evaluation.ruleset_id}@{evaluation.ruleset_version}")
    )
    if evaluation.evaluated_on:
        lines.append(say("report.evaluated_on", date=evaluation.evaluated_on))
    lines.append("")

    if evaluation.qualified:
        lines.append(
            say("report.verdict.qualified", indicators=_labels(evaluation.passed_indicators, lang))
        )
    else:
        lines.append(say("report.verdict.not_qualified"))
    if evaluation.needs_review:
        flagged = [c for c, result in evaluation.clauses.items() if result.needs_review]
        if flagged:
            lines.append(say("report.needs_review", clauses=_labels(flagged, lang)))
        else:
            lines.append(say("report.needs_review_reasons"))

    for heading, clauses in (
        ("report.section.basic", BASIC_CLAUSES),
        ("report.section.indicators", INDICATOR_CLAUSES),
    ):
        lines += ["", say(heading)]
        for clause in clauses:
            if clause in evaluation.clauses:
                lines += _clause_lines(evaluation.clauses[clause], lang)

    metrics = evaluation.metrics
    lines += ["", say("report.section.metrics")]
    if metrics.unit_energy_kgce_per_t is not None:
        threshold = _threshold(evaluation, "5.2a", "threshold_kgce_per_t")
        value = figure_beside(metrics.unit_energy_kgce_per_t, threshold)
        lines.append(say("report.metric.energy", value=value))
    else:
        lines.append(say("report.metric.energy_none"))
    if metrics.local_material_ratio is not None:
        threshold = _threshold(evaluation, "5.1b", "threshold_pct")
        value = figure_beside(metrics.local_material_ratio, threshold)
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
                value=figure_beside(
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
                        amount=factor.amount,
                        unit=factor.unit,
                        factor=factor.factor,
                        factor_unit=factor.factor_unit,
                        kgce=fixed(Decimal(factor.kgce), 2),
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
                        amount=factor.amount,
                        unit=factor.unit,
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
            lines.append(say("report.carbon.per_t", value=carbon.unit_co2_kg_per_t))
        lines.append(say("report.carbon.total", value=carbon.co2_t_per_year))
        for line in carbon.lines:
            label = Text(line.label, line.label_en)
            lines.append(f"{BULLET} " + say("report.carbon.line", label=label, value=line.co2_kg))
        lines.append(say("report.carbon.source", source=Text(carbon.source, carbon.source_en)))
        lines.append(say("report.carbon.note"))

    if evaluation.gaps:
        lines += ["", say("report.section.gaps")]
        lines += [
            f"{BULLET} {gap.text_en if lang == 'en' else gap.text}" for gap in evaluation.gaps
        ]
    if evaluation.nearest_path is not None:
        path = evaluation.nearest_path
        lines += [
            "",
            say("report.section.nearest"),
            path.advice_en if lang == "en" else path.advice,
        ]
    return "\n".join(lines) + "\n"

"""The evaluator: the verdict built from the clauses, the gaps and the advice.

Qualified = every basic requirement (clause 4) passes and at least one indicator (clause 5)
passes. The clauses are judged in `criteria.clauses` from the figures in `criteria.facts`;
what a plant is told to change comes from `criteria.advice`. After a threshold change a
stored evaluation is re-judged only along the route the changed value is judged by
(`rejudge`).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from datetime import date
from typing import Any

from criteria._numbers import fixed, plain, quotient
from criteria.advice import energy_gap, local_gap, nearest_path, route_gaps, waste_gap
from criteria.answers import Answers, parse_answers
from criteria.carbon import CarbonEstimate, estimate, tonnes
from criteria.clauses import CHECKS
from criteria.edition import EDITION
from criteria.energy_accounting import CarrierUse, energy_at
from criteria.evaluation import (
    Carbon,
    CarbonLine,
    ClauseResult,
    Evaluation,
    FactorUsed,
    Gap,
    Metrics,
    ReviewReason,
)
from criteria.facts import Facts, energy_review
from criteria.figures import figure, unit_shown
from criteria.period import NOTE_PREFIX as PERIOD_NOTE
from criteria.period import period_notes
from criteria.plausibility import ReviewNote, confirmed
from criteria.ruleset import Ruleset
from criteria.texts import Text, catalogue
from criteria.vocabulary import BASIC_CLAUSES, CARRIERS, INDICATOR_CLAUSES

# What the code of a clause's own review reason starts with.
_CLAUSE_NOTE = "clause_"


# ---------------------------------------------------------------- the verdict


def _range_notes(facts: Facts) -> list[ReviewNote]:
    """A range-factor carrier (natural gas) whose verdict would change within its range."""
    figures, judged = facts.energy.figures, facts.energy.judged
    if figures.from_total or judged is None:
        return []
    texts = catalogue()
    notes: list[ReviewNote] = []
    limit = judged.limit.exact
    for use in figures.uses:
        if not use.counted or use.carrier not in CARRIERS:
            continue
        if use.carrier == "natural_gas_m3" and facts.answers.energy.natural_gas_lcv_kj_per_m3:
            continue  # measured: the range does not apply
        span = facts.ruleset.factor(use.carrier).range
        if span is None:
            continue
        at_low = quotient(energy_at(list(figures.uses), use.carrier, span.low), figures.output)
        at_high = quotient(energy_at(list(figures.uses), use.carrier, span.high), figures.output)
        if (at_low <= limit) != (at_high <= limit):
            notes.append(
                ReviewNote(
                    f"range_factor_{use.carrier}",
                    texts.both(
                        "review.range_flip",
                        label=use.label,
                        low=figure(span.low, places=4),
                        high=figure(span.high, places=4),
                        unit=unit_shown(use.factor_unit),
                        e_low=figure(at_low, judged.limit.value),
                        e_high=figure(at_high, judged.limit.value),
                        threshold=judged.limit.shown,
                    ),
                )
            )
    return notes


def _answer_notes(facts: Facts) -> list[ReviewNote]:
    """What the energy figures ask an assessor to look at: range factors that would flip
    the verdict, implausible figures, fuels not counted or without a standard factor."""
    texts = catalogue()
    figures = facts.energy.figures
    notes = _range_notes(facts)
    notes += confirmed(facts.answers, energy_review(facts.answers, facts.ruleset))
    if not figures.from_total:
        for use in figures.uses:
            if use.carrier == "internal_fuel_kg" and not use.counted:
                notes.append(ReviewNote("internal_fuel_not_counted", use.note or use.source))
            elif use.carrier.startswith("other:"):
                notes.append(
                    ReviewNote(
                        "other_fuel_factor",
                        texts.both("review.other_fuel", label=use.label, source=use.source),
                    )
                )
    return notes


def _clause_notes(results: Mapping[str, ClauseResult]) -> list[ReviewNote]:
    texts = catalogue()
    return [
        ReviewNote(
            f"{_CLAUSE_NOTE}{clause}",
            texts.both("review.clause", reason=Text(result.reason, result.reason_en)),
        )
        for clause, result in results.items()
        if result.needs_review
    ]


def _reasons(notes: list[ReviewNote]) -> list[ReviewReason]:
    return [ReviewReason(code=note.code, text=note.text.zh, text_en=note.text.en) for note in notes]


def _factors_used(uses: tuple[CarrierUse, ...]) -> list[FactorUsed]:
    return [
        FactorUsed(
            carrier=use.carrier,
            label=use.label.zh,
            label_en=use.label.en,
            amount=plain(use.amount),
            unit=use.unit,
            factor=plain(use.factor, 6) if use.factor is not None else None,
            factor_unit=use.factor_unit,
            source=use.source.zh,
            source_en=use.source.en,
            kgce=plain(use.kgce, 4),
            counted=use.counted,
            note=use.note.zh if use.note else None,
            note_en=use.note.en if use.note else None,
        )
        for use in uses
    ]


def _carbon(found: CarbonEstimate | None, facts: Facts) -> Carbon | None:
    rules = facts.ruleset.carbon
    if found is None or rules is None:
        return None
    labels = {use.carrier: use.label for use in facts.energy.figures.uses}
    return Carbon(
        unit_co2_kg_per_t=fixed(found.per_tonne_kg, 2) if found.per_tonne_kg is not None else None,
        co2_t_per_year=fixed(tonnes(found.total_kg), 2),
        lines=[
            CarbonLine(
                carrier=carrier,
                label=labels[carrier].zh,
                label_en=labels[carrier].en,
                co2_kg=fixed(kg, 2),
            )
            for carrier, kg in found.per_carrier_kg.items()
        ],
        not_covered=found.not_covered,
        source=rules.source.zh,
        source_en=rules.source.en,
    )


def _verdict(
    facts: Facts,
    results: dict[str, ClauseResult],
    gaps: list[Gap],
    reasons: list[ReviewReason],
    metrics: Metrics,
    carbon: Carbon | None,
) -> Evaluation:
    """The evaluation made of its parts: the verdict follows from the clause results."""
    answers = facts.answers
    basic_passed = all(results[c].passed for c in BASIC_CLAUSES)
    passed_indicators = [c for c in INDICATOR_CLAUSES if results[c].passed]
    category = answers.product_category
    category_label = facts.prepared.category_labels[category] if category else None
    return Evaluation(
        ruleset_id=facts.ruleset.id,
        ruleset_version=facts.ruleset.version,
        qualified=basic_passed and bool(passed_indicators),
        basic_passed=basic_passed,
        passed_indicators=passed_indicators,
        needs_review=bool(reasons) or any(result.needs_review for result in results.values()),
        product_category=category,
        product_category_label=category_label.zh if category_label else None,
        product_category_label_en=category_label.en if category_label else None,
        enterprise_name=answers.enterprise.name,
        credit_code=answers.enterprise.credit_code,
        clauses=results,
        metrics=metrics,
        gaps=gaps,
        nearest_path=nearest_path(facts, results),
        review_reasons=reasons,
        carbon=carbon,
        evaluated_on=facts.on.isoformat(),
        edition=EDITION,
    )


def evaluate(
    answers: Answers | Mapping[str, Any], ruleset: Ruleset, on: date | None = None
) -> Evaluation:
    """Judge one plant's answers under one ruleset on the evaluation date `on` (today).

    A plain dict is accepted too and validated first (InvalidAnswers if it is wrong).
    """
    if not isinstance(answers, Answers):
        answers = parse_answers(answers)
    facts = Facts(answers, ruleset, on)
    results = {clause: check(facts) for clause, check in CHECKS.items()}
    notes = _answer_notes(facts)
    notes += period_notes(answers, ruleset, facts.on)
    notes += _clause_notes(results)
    uses = facts.energy.figures.uses
    carbon = _carbon(estimate(answers, ruleset, list(uses)), facts)
    waste, energy, ratio = facts.waste, facts.energy, facts.local.ratio
    metrics = Metrics(
        unit_energy_kgce_per_t=energy.unit,
        energy_kgce=energy.energy,
        output_t=energy.output,
        local_material_ratio=ratio.text if ratio else None,
        waste_category=waste.mix.category,
        waste_category_label=waste.label.zh,
        waste_category_label_en=waste.label.en,
        waste_content_pct=waste.content,
        factors=_factors_used(uses),
        unit_co2_kg_per_t=carbon.unit_co2_kg_per_t if carbon else None,
        co2_t_per_year=carbon.co2_t_per_year if carbon else None,
    )
    return _verdict(facts, results, route_gaps(facts, results), _reasons(notes), metrics, carbon)


# ---------------------------------------------------------------- re-judging a stored verdict

#: The clause by which each settable group's values are judged: a change confined to these
#: groups moves that route (its clause, its gap, the advice) and nothing else. A change of
#: the standard-coal factors moves every energy figure, so it is judged in full.
_ROUTES: dict[str, str] = {"waste": "5.1a", "localisation": "5.1b", "energy": "5.2a"}
_GAP_OF: dict[str, Callable[[Facts], Gap]] = {
    "5.1a": waste_gap,
    "5.1b": local_gap,
    "5.2a": energy_gap,
}


def judged_on(evaluation: Evaluation) -> date | None:
    """The date an evaluation judged validity and recency on; None if it does not say."""
    try:
        return date.fromisoformat(evaluation.evaluated_on) if evaluation.evaluated_on else None
    except ValueError:
        return None


def rejudge(
    answers: Answers, ruleset: Ruleset, previous: Evaluation, changed: Collection[str] | None
) -> Evaluation:
    """`evaluate(answers, ruleset, on)` on the previous evaluation's date `on`, deriving
    afresh only what the changed settings can move.

    A change of thresholds asks what the new values say of the same submission, so the
    date stays the one it was judged on: a certificate that lapsed since is a matter for
    the plant's next submission, not a verdict the change brought about.

    `previous` is the evaluation of the same answers under an earlier version of `ruleset`
    that differs from it only in the settings `changed` (as `changed_settings` names
    them; None: anything may differ). The routes that read a changed setting are judged
    again; the verdict, the advice and the clauses' review reasons that follow from them
    are rebuilt. Anything else, or a previous evaluation made by another edition of this
    code (`criteria.edition`) or lacking a part, is judged in full.
    """
    on = judged_on(previous)
    groups = {key.partition(".")[0] for key in changed or ("*",)}
    if (
        on is None
        or previous.edition != EDITION
        or previous.ruleset_id != ruleset.id
        or not groups <= _ROUTES.keys()
    ):
        return evaluate(answers, ruleset, on)
    facts = Facts(answers, ruleset, on)
    stale = {_ROUTES[group] for group in groups}
    kept_gaps = {gap.clause: gap for gap in previous.gaps}
    try:
        results = {
            clause: check(facts) if clause in stale else previous.clauses[clause]
            for clause, check in CHECKS.items()
        }
        gaps = [
            make(facts) if clause in stale else kept_gaps[clause]
            for clause, make in _GAP_OF.items()
            if not results[clause].passed
        ]
    except KeyError:  # stored by a version of this code that judged other clauses
        return evaluate(answers, ruleset, on)
    earlier = previous.review_reasons
    if "energy" in groups:  # range factors are weighed against the Table 2 value
        reasons = _reasons(_answer_notes(facts))
        reasons += [r for r in earlier if r.code.startswith(PERIOD_NOTE)]
    else:
        reasons = [r for r in earlier if not r.code.startswith(_CLAUSE_NOTE)]
    reasons += _reasons(_clause_notes(results))
    return _verdict(facts, results, gaps, reasons, previous.metrics, previous.carbon)


__all__ = ["evaluate", "judged_on", "rejudge"]

"""The evaluator: one function per guideline clause, and the verdict built from them.

Qualified = every basic requirement (clause 4) passes and at least one indicator (clause 5)
passes. Quantities are compared exactly (Fractions of the Decimal inputs, inclusive
limits, no rounding before comparing); rounding happens only in the texts. A plant that
does not qualify is told how far each quantitative route is (gaps) and which single route
needs the least change (nearest path).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from criteria._numbers import exact, fixed, percent, plain, shown
from criteria.answers import Answers, parse_answers
from criteria.evaluation import (
    ClauseResult,
    Evaluation,
    Gap,
    Metrics,
    NearestPath,
    Route,
)
from criteria.ruleset import Distance, EnergyThreshold, PercentThreshold, Ruleset
from criteria.texts import Text, catalogue
from criteria.vocabulary import (
    BASIC_CLAUSES,
    CARRIERS,
    CERTIFICATIONS,
    INDICATOR_CLAUSES,
    WASTE_ROWS,
    WasteCategory,
)

# Units of Gap.shortfall.
PERCENTAGE_POINTS = "pp"
KGCE_PER_T = "kgce/t"


# ---------------------------------------------------------------- figures shared by clauses


@dataclass(frozen=True)
class WasteMix:
    """Which Table 1 row a mix falls under, and its content as that row counts it."""

    category: WasteCategory
    content: Fraction
    row: PercentThreshold | None


def waste_mix(answers: Answers, ruleset: Ruleset) -> WasteMix:
    waste = answers.solid_waste
    gangue, fly_ash, other = (
        exact(waste.coal_gangue_pct),
        exact(waste.fly_ash_pct),
        exact(waste.other_pct),
    )
    category: WasteCategory
    if fly_ash > 0 and (gangue > 0 or other > 0):
        category, content = "uncovered", gangue + fly_ash + other
    elif gangue > 0 and other > 0:
        category, content = "coal_gangue_plus_other", gangue + other
    elif gangue > 0:
        category, content = "coal_gangue_only", gangue
    elif fly_ash > 0:
        category, content = "fly_ash_only", fly_ash
    elif other > 0:
        category, content = "other_only", other
    else:
        category, content = "none", Fraction(0)
    row = ruleset.waste_threshold(category) if category in WASTE_ROWS else None
    return WasteMix(category, content, row)


@dataclass(frozen=True)
class LocalFigures:
    """Formula A.1: R = m1 / m, as a percentage (None without a total)."""

    local: Fraction
    total: Fraction
    ratio_pct: Fraction | None
    limit: PercentThreshold
    radius: Distance


def local_figures(answers: Answers, ruleset: Ruleset) -> LocalFigures:
    local = exact(answers.raw_materials.local_t)
    total = exact(answers.raw_materials.total_t)
    ratio = percent(local, total) if total > 0 else None
    return LocalFigures(
        local, total, ratio, ruleset.localisation.min_ratio_pct, ruleset.localisation.radius_km
    )


@dataclass(frozen=True)
class EnergyFigures:
    """Formula A.2: E = e / P.

    e is the reported total when given, otherwise the purchased carriers converted with
    the ruleset's standard-coal factors. E is None without output or without energy:
    firing bricks takes energy, so zero means "not reported", not "perfect".
    """

    output: Fraction
    energy: Fraction
    from_total: bool
    unit_energy: Fraction | None
    limit: EnergyThreshold | None


def energy_figures(answers: Answers, ruleset: Ruleset) -> EnergyFigures:
    reported = answers.energy
    if reported.total_kgce is not None:
        energy, from_total = exact(reported.total_kgce), True
    else:
        energy = sum(
            (exact(reported.carrier(c)) * exact(ruleset.factor(c).value) for c in CARRIERS),
            Fraction(0),
        )
        from_total = False
    output = exact(reported.output_t)
    unit_energy = energy / output if output > 0 and energy > 0 else None
    category = answers.product_category
    limit = ruleset.energy_threshold(category) if category is not None else None
    return EnergyFigures(output, energy, from_total, unit_energy, limit)


# ---------------------------------------------------------------- building clause results


def _label(clause: str) -> Text:
    return catalogue().text(f"clause.{clause}.label")


def _labels(clauses: list[str]) -> Text:
    return catalogue().join("sep.enum", [_label(c) for c in clauses])


def _result(
    clause: str,
    passed: bool,
    parts: list[Text],
    values: dict[str, str | bool | None],
    needs_review: bool = False,
) -> ClauseResult:
    texts = catalogue()
    title = texts.text(f"clause.{clause}.title")
    detail = texts.join("sep.list", parts)
    reason = texts.text(
        "reason.pass" if passed else "reason.fail", clause=_label(clause), detail=detail
    )
    return ClauseResult(
        clause=clause,
        kind="basic" if clause in BASIC_CLAUSES else "indicator",
        passed=passed,
        title=title.zh,
        title_en=title.en,
        reason=reason.zh,
        reason_en=reason.en,
        values=values,
        needs_review=needs_review,
    )


def _declared(clause: str, field: str, claimed: bool) -> ClauseResult:
    """A basic requirement the plant declares (evidence is checked by the assessor)."""
    detail = catalogue().text(f"basic.{clause}.{'yes' if claimed else 'no'}")
    return _result(clause, claimed, [detail], {field: claimed})


# ---------------------------------------------------------------- clause 4: basic requirements


def clause_4_1a(answers: Answers, ruleset: Ruleset) -> ClauseResult:
    """4.1 a) lawfully established and operating, no major accident in three years."""
    return _declared("4.1a", "lawful_operation", answers.basic.lawful_operation)


def clause_4_1b(answers: Answers, ruleset: Ruleset) -> ClauseResult:
    """4.1 b) on the white list or meeting its environmental compliance requirements."""
    return _declared("4.1b", "white_list", answers.basic.white_list)


def clause_4_2_1(answers: Answers, ruleset: Ruleset) -> ClauseResult:
    """4.2.1 quality management system to GB/T 19001 / ISO 9001."""
    return _declared("4.2.1", "quality_management", answers.basic.quality_management)


def clause_4_2_2(answers: Answers, ruleset: Ruleset) -> ClauseResult:
    """4.2.2 environmental management system to GB/T 24001 / ISO 14001."""
    return _declared("4.2.2", "environmental_management", answers.basic.environmental_management)


def clause_4_3(answers: Answers, ruleset: Ruleset) -> ClauseResult:
    """4.3 metering instruments to GB 17167 / GB 24789."""
    return _declared("4.3", "metering", answers.basic.metering)


def clause_4_4(answers: Answers, ruleset: Ruleset) -> ClauseResult:
    """4.4 product quality attributes meet the developers' requirements."""
    return _declared("4.4", "product_quality", answers.basic.product_quality)


# ---------------------------------------------------------------- clause 5: indicators


def clause_5_1a(answers: Answers, ruleset: Ruleset) -> ClauseResult:
    """5.1 a) Table 1 content for the mix's row AND a third-party waste-content report."""
    texts = catalogue()
    waste = answers.solid_waste
    mix = waste_mix(answers, ruleset)
    report = waste.third_party_report
    values: dict[str, str | bool | None] = {
        "coal_gangue_pct": plain(waste.coal_gangue_pct),
        "fly_ash_pct": plain(waste.fly_ash_pct),
        "other_pct": plain(waste.other_pct),
        "waste_category": mix.category,
        "waste_content_pct": plain(mix.content),
        "threshold_pct": plain(mix.row.value) if mix.row else None,
        "third_party_report": report,
    }
    if mix.category == "none":
        return _result("5.1a", False, [texts.text("waste.none")], values)
    if mix.row is None:
        uncovered = texts.text(
            "waste.uncovered",
            coal_gangue=shown(exact(waste.coal_gangue_pct)),
            fly_ash=shown(exact(waste.fly_ash_pct)),
            other=shown(exact(waste.other_pct)),
        )
        return _result("5.1a", False, [uncovered], values, needs_review=True)
    limit = exact(mix.row.value)
    met = mix.content >= limit
    content = texts.text(
        "waste.met" if met else "waste.short",
        mix=texts.text(f"waste_category.{mix.category}"),
        content=shown(mix.content, limit),
        threshold=plain(limit),
        source=mix.row.source.text,
        gap=shown(limit - mix.content, 0),
    )
    parts = [content, texts.text("waste.report_yes" if report else "waste.report_no")]
    if not met and report:
        parts = [content]
    return _result("5.1a", met and report, parts, values)


def clause_5_1b(answers: Answers, ruleset: Ruleset) -> ClauseResult:
    """5.1 b) R = m1/m >= the localisation minimum (formula A.1) AND evidence."""
    texts = catalogue()
    figures = local_figures(answers, ruleset)
    evidence = answers.raw_materials.evidence
    limit = exact(figures.limit.value)
    values: dict[str, str | bool | None] = {
        "local_t": plain(figures.local),
        "total_t": plain(figures.total),
        "ratio_pct": plain(figures.ratio_pct) if figures.ratio_pct is not None else None,
        "threshold_pct": plain(limit),
        "radius_km": plain(figures.radius.value),
        "evidence": evidence,
    }
    evidence_text = texts.text("local.evidence_yes" if evidence else "local.evidence_no")
    if figures.ratio_pct is None:
        parts = [texts.text("local.no_data")] + ([] if evidence else [evidence_text])
        return _result("5.1b", False, parts, values)
    met = figures.ratio_pct >= limit
    ratio = texts.text(
        "local.met" if met else "local.short",
        local=plain(figures.local, 4),
        total=plain(figures.total, 4),
        ratio=shown(figures.ratio_pct, limit),
        threshold=plain(limit),
        source=figures.limit.source.text,
        radius=plain(figures.radius.value),
        gap=shown(limit - figures.ratio_pct, 0),
    )
    parts = [ratio] if (not met and evidence) else [ratio, evidence_text]
    return _result("5.1b", met and evidence, parts, values)


def _missing_energy_data(figures: EnergyFigures) -> Text | None:
    """Why E cannot be judged against Table 2, or None when it can."""
    texts = catalogue()
    if figures.limit is None:
        return texts.text("energy.no_category")
    if figures.output == 0:
        return texts.text("energy.no_output")
    if figures.unit_energy is None:
        return texts.text("energy.no_energy")
    return None


def clause_5_2a(answers: Answers, ruleset: Ruleset) -> ClauseResult:
    """5.2 a) E = e/P <= the Table 2 value of the product category (formula A.2)."""
    texts = catalogue()
    figures = energy_figures(answers, ruleset)
    reported = answers.energy
    values: dict[str, str | bool | None] = {
        "product_category": answers.product_category,
        "output_t": plain(figures.output),
        "energy_basis": "total_kgce" if figures.from_total else "carriers",
    }
    if figures.from_total:
        values["total_kgce"] = plain(figures.energy)
    else:
        for carrier in CARRIERS:
            values[carrier] = plain(reported.carrier(carrier))
            values[f"factor_{carrier}"] = plain(ruleset.factor(carrier).value)
    values["energy_kgce"] = plain(figures.energy)
    values["unit_energy_kgce_per_t"] = (
        plain(figures.unit_energy) if figures.unit_energy is not None else None
    )
    values["threshold_kgce_per_t"] = plain(figures.limit.value) if figures.limit else None
    missing = _missing_energy_data(figures)
    if missing is not None or figures.limit is None or figures.unit_energy is None:
        return _result("5.2a", False, [missing or texts.text("energy.no_energy")], values)
    limit = exact(figures.limit.value)
    met = figures.unit_energy <= limit
    comparison = texts.text(
        "energy.met" if met else "energy.over",
        value=shown(figures.unit_energy, limit),
        threshold=plain(limit),
        source=figures.limit.source.text,
        pct=shown(percent(figures.unit_energy - limit, limit), 0),
    )
    formula = texts.text(
        "energy.formula_total" if figures.from_total else "energy.formula_carriers",
        energy=fixed(figures.energy, 2),
        output=plain(figures.output, 4),
    )
    return _result("5.2a", met, [comparison, formula], values)


def clause_5_2b(answers: Answers, ruleset: Ruleset) -> ClauseResult:
    """5.2 b) energy management system certified to GB/T 23331 / ISO 50001."""
    certified = answers.energy.energy_management_certified
    detail = catalogue().text("enms.yes" if certified else "enms.no")
    return _result("5.2b", certified, [detail], {"energy_management_certified": certified})


def clause_5_3(answers: Answers, ruleset: Ruleset) -> ClauseResult:
    """5.3 greenhouse gas emissions accounted AND the result published."""
    texts = catalogue()
    ghg = answers.ghg
    values: dict[str, str | bool | None] = {
        "accounted": ghg.accounted,
        "published": ghg.published,
    }
    if ghg.accounted and ghg.published:
        parts = [texts.text("ghg.accounted"), texts.text("ghg.published")]
    elif ghg.accounted:
        parts = [texts.text("ghg.accounted"), texts.text("ghg.not_published")]
    else:
        parts = [texts.text("ghg.not_accounted")]
        if not ghg.published:
            parts.append(texts.text("ghg.not_published"))
    return _result("5.3", ghg.accounted and ghg.published, parts, values)


def clause_5_4(answers: Answers, ruleset: Ruleset) -> ClauseResult:
    """5.4 any one recognised green listing or certification; names the ones held."""
    texts = catalogue()
    held = [c for c in CERTIFICATIONS if getattr(answers.certifications, c)]
    values: dict[str, str | bool | None] = {
        c: bool(getattr(answers.certifications, c)) for c in CERTIFICATIONS
    }
    if held:
        names = texts.join("sep.enum", [texts.text(f"cert.{c}") for c in held])
        return _result("5.4", True, [names], values)
    return _result("5.4", False, [texts.text("cert.none")], values)


ClauseCheck = Callable[[Answers, Ruleset], ClauseResult]

CLAUSE_CHECKS: dict[str, ClauseCheck] = {
    "4.1a": clause_4_1a,
    "4.1b": clause_4_1b,
    "4.2.1": clause_4_2_1,
    "4.2.2": clause_4_2_2,
    "4.3": clause_4_3,
    "4.4": clause_4_4,
    "5.1a": clause_5_1a,
    "5.1b": clause_5_1b,
    "5.2a": clause_5_2a,
    "5.2b": clause_5_2b,
    "5.3": clause_5_3,
    "5.4": clause_5_4,
}


# ---------------------------------------------------------------- gaps


def _sentence(text: Text) -> Text:
    return catalogue().text("gap.sentence", text=text)


def _relative(shortfall: Fraction, limit: Fraction) -> Fraction:
    return percent(shortfall, limit) if limit > 0 else shortfall


def _waste_gap(answers: Answers, ruleset: Ruleset) -> Gap:
    texts = catalogue()
    mix = waste_mix(answers, ruleset)
    report = answers.solid_waste.third_party_report
    missing = [] if report else ["third_party_report"]
    common: dict[str, Any] = {
        "clause": "5.1a",
        "metric": "waste_content",
        "unit": PERCENTAGE_POINTS,
        "current": plain(mix.content),
        "missing_documents": missing,
    }
    if mix.row is None:
        key = "gap.waste_none" if mix.category == "none" else "gap.waste_uncovered"
        text = _sentence(texts.text(key))
        return Gap(
            **common,
            target=None,
            shortfall=None,
            shortfall_relative_pct=None,
            text=text.zh,
            text_en=text.en,
        )
    limit = exact(mix.row.value)
    shortfall = max(limit - mix.content, Fraction(0))
    params: dict[str, str | Text] = {
        "mix": texts.text(f"waste_category.{mix.category}"),
        "content": shown(mix.content, limit),
        "threshold": plain(limit),
        "source": mix.row.source.text,
        "gap": shown(shortfall, 0),
    }
    if shortfall > 0:
        text = texts.text("gap.waste_short", **params)
        if not report:
            text = texts.text("gap.also_report", gap=text)
    else:
        text = texts.text("gap.waste_report", **params)
    text = _sentence(text)
    return Gap(
        **common,
        target=plain(limit),
        shortfall=plain(shortfall),
        shortfall_relative_pct=plain(_relative(shortfall, limit)),
        text=text.zh,
        text_en=text.en,
    )


def _local_gap(answers: Answers, ruleset: Ruleset) -> Gap:
    texts = catalogue()
    figures = local_figures(answers, ruleset)
    evidence = answers.raw_materials.evidence
    limit = exact(figures.limit.value)
    common: dict[str, Any] = {
        "clause": "5.1b",
        "metric": "local_material_ratio",
        "unit": PERCENTAGE_POINTS,
        "target": plain(limit),
        "missing_documents": [] if evidence else ["evidence"],
    }
    if figures.ratio_pct is None:
        text = _sentence(texts.text("gap.local_no_data"))
        return Gap(
            **common,
            current=None,
            shortfall=None,
            shortfall_relative_pct=None,
            text=text.zh,
            text_en=text.en,
        )
    shortfall = max(limit - figures.ratio_pct, Fraction(0))
    params: dict[str, str | Text] = {
        "ratio": shown(figures.ratio_pct, limit),
        "threshold": plain(limit),
        "gap": shown(shortfall, 0),
        "tonnes": fixed(_tonnes_to_localise(figures), 2),
        "radius": plain(figures.radius.value),
    }
    if shortfall > 0:
        text = texts.text("gap.local_short", **params)
        if not evidence:
            text = texts.text("gap.also_evidence", gap=text)
    else:
        text = texts.text("gap.local_evidence", **params)
    text = _sentence(text)
    return Gap(
        **common,
        current=plain(figures.ratio_pct),
        shortfall=plain(shortfall),
        shortfall_relative_pct=plain(_relative(shortfall, limit)),
        text=text.zh,
        text_en=text.en,
    )


def _tonnes_to_localise(figures: LocalFigures) -> Fraction:
    """Tonnes that would have to move from distant to local suppliers, total unchanged."""
    needed = exact(figures.limit.value) / 100 * figures.total - figures.local
    return max(needed, Fraction(0))


def _energy_gap(answers: Answers, ruleset: Ruleset) -> Gap:
    texts = catalogue()
    figures = energy_figures(answers, ruleset)
    common: dict[str, Any] = {
        "clause": "5.2a",
        "metric": "unit_energy",
        "unit": KGCE_PER_T,
        "target": plain(figures.limit.value) if figures.limit else None,
        "missing_documents": [],
    }
    missing = _missing_energy_data(figures)
    if missing is not None or figures.limit is None or figures.unit_energy is None:
        detail = missing or texts.text("energy.no_energy")
        text = _sentence(texts.text("gap.energy_no_data", detail=detail))
        current = plain(figures.unit_energy) if figures.unit_energy is not None else None
        return Gap(
            **common,
            current=current,
            shortfall=None,
            shortfall_relative_pct=None,
            text=text.zh,
            text_en=text.en,
        )
    limit = exact(figures.limit.value)
    shortfall = figures.unit_energy - limit
    text = _sentence(
        texts.text(
            "gap.energy",
            value=shown(figures.unit_energy, limit),
            threshold=plain(limit),
            source=figures.limit.source.text,
            gap=shown(shortfall, 0),
            pct=shown(percent(shortfall, limit), 0),
            output=plain(figures.output, 4),
            saving=fixed(shortfall * figures.output, 2),
        )
    )
    return Gap(
        **common,
        current=plain(figures.unit_energy),
        shortfall=plain(shortfall),
        shortfall_relative_pct=plain(percent(shortfall, limit)),
        text=text.zh,
        text_en=text.en,
    )


def gaps(answers: Answers, ruleset: Ruleset, results: Mapping[str, ClauseResult]) -> list[Gap]:
    """One gap per quantitative route (5.1 a, 5.1 b, 5.2 a) that does not pass."""
    found: list[Gap] = []
    if not results["5.1a"].passed:
        found.append(_waste_gap(answers, ruleset))
    if not results["5.1b"].passed:
        found.append(_local_gap(answers, ruleset))
    if not results["5.2a"].passed:
        found.append(_energy_gap(answers, ruleset))
    return found


# ---------------------------------------------------------------- nearest path

# Routes in order of effort: supplying a document or publishing a result is less work than
# changing production, which is compared by relative shortfall; GHG accounting needs a
# study; a certification needs an audit by a third party.
_ROUTE_RANK: dict[Route, int] = {"documentary": 0, "quantitative": 1, "ghg": 2, "certification": 3}


@dataclass(frozen=True)
class _Candidate:
    clause: str
    route: Route
    relative: Fraction
    advice: Text

    def sort_key(self) -> tuple[int, Fraction, int]:
        return _ROUTE_RANK[self.route], self.relative, INDICATOR_CLAUSES.index(self.clause)


def _candidates(
    answers: Answers, ruleset: Ruleset, results: Mapping[str, ClauseResult]
) -> list[_Candidate]:
    texts = catalogue()
    found: list[_Candidate] = []
    zero = Fraction(0)

    mix = waste_mix(answers, ruleset)
    if not results["5.1a"].passed and mix.row is not None:
        limit = exact(mix.row.value)
        report = answers.solid_waste.third_party_report
        if mix.content >= limit:
            found.append(_Candidate("5.1a", "documentary", zero, texts.text("advice.5.1a.report")))
        else:
            advice = texts.text(
                "advice.5.1a.raise" if report else "advice.5.1a.raise_and_report",
                mix=texts.text(f"waste_category.{mix.category}"),
                content=shown(mix.content, limit),
                threshold=plain(limit),
                gap=shown(limit - mix.content, 0),
            )
            found.append(
                _Candidate("5.1a", "quantitative", _relative(limit - mix.content, limit), advice)
            )

    local = local_figures(answers, ruleset)
    if not results["5.1b"].passed and local.ratio_pct is not None:
        limit = exact(local.limit.value)
        evidence = answers.raw_materials.evidence
        params: dict[str, str | Text] = {
            "ratio": shown(local.ratio_pct, limit),
            "threshold": plain(limit),
            "radius": plain(local.radius.value),
            "tonnes": fixed(_tonnes_to_localise(local), 2),
        }
        if local.ratio_pct >= limit:
            found.append(
                _Candidate(
                    "5.1b", "documentary", zero, texts.text("advice.5.1b.evidence", **params)
                )
            )
        else:
            key = "advice.5.1b.raise" if evidence else "advice.5.1b.raise_and_evidence"
            found.append(
                _Candidate(
                    "5.1b",
                    "quantitative",
                    _relative(limit - local.ratio_pct, limit),
                    texts.text(key, **params),
                )
            )

    energy = energy_figures(answers, ruleset)
    if not results["5.2a"].passed and energy.limit is not None and energy.unit_energy is not None:
        limit = exact(energy.limit.value)
        over = energy.unit_energy - limit
        advice = texts.text(
            "advice.5.2a.reduce",
            value=shown(energy.unit_energy, limit),
            threshold=plain(limit),
            gap=shown(over, 0),
            pct=shown(percent(over, limit), 0),
        )
        found.append(_Candidate("5.2a", "quantitative", percent(over, limit), advice))

    if not results["5.2b"].passed:
        found.append(_Candidate("5.2b", "certification", zero, texts.text("advice.5.2b.certify")))
    if not results["5.3"].passed:
        if answers.ghg.accounted:
            found.append(_Candidate("5.3", "documentary", zero, texts.text("advice.5.3.publish")))
        else:
            found.append(_Candidate("5.3", "ghg", zero, texts.text("advice.5.3.account")))
    if not results["5.4"].passed:
        found.append(_Candidate("5.4", "certification", zero, texts.text("advice.5.4.certify")))
    return found


def nearest_path(
    answers: Answers, ruleset: Ruleset, results: Mapping[str, ClauseResult]
) -> NearestPath | None:
    """The least change that would qualify the plant; None when it already qualifies."""
    texts = catalogue()
    blocking = [c for c in BASIC_CLAUSES if not results[c].passed]
    passed = [c for c in INDICATOR_CLAUSES if results[c].passed]
    if not blocking and passed:
        return None
    if passed:
        advice = texts.text(
            "advice.basic_only", indicators=_labels(passed), clauses=_labels(blocking)
        )
        return NearestPath(
            clause=None, route=None, blocking_basic=blocking, advice=advice.zh, advice_en=advice.en
        )
    best = min(_candidates(answers, ruleset, results), key=_Candidate.sort_key)
    advice = best.advice
    if blocking:
        advice = texts.text(
            "advice.with_basic",
            basic=texts.text("advice.basic", clauses=_labels(blocking)),
            route=advice,
        )
    return NearestPath(
        clause=best.clause,
        route=best.route,
        blocking_basic=blocking,
        advice=advice.zh,
        advice_en=advice.en,
    )


# ---------------------------------------------------------------- the verdict


def evaluate(answers: Answers | Mapping[str, Any], ruleset: Ruleset) -> Evaluation:
    """Judge one plant's answers under one ruleset.

    A plain dict is accepted too and validated first (InvalidAnswers if it is wrong).
    """
    if not isinstance(answers, Answers):
        answers = parse_answers(answers)
    results = {clause: check(answers, ruleset) for clause, check in CLAUSE_CHECKS.items()}
    basic_passed = all(results[c].passed for c in BASIC_CLAUSES)
    passed_indicators = [c for c in INDICATOR_CLAUSES if results[c].passed]
    mix = waste_mix(answers, ruleset)
    local = local_figures(answers, ruleset)
    energy = energy_figures(answers, ruleset)
    mix_label = catalogue().text(f"waste_category.{mix.category}")
    category = answers.product_category
    return Evaluation(
        ruleset_id=ruleset.id,
        ruleset_version=ruleset.version,
        qualified=basic_passed and bool(passed_indicators),
        basic_passed=basic_passed,
        passed_indicators=passed_indicators,
        needs_review=any(result.needs_review for result in results.values()),
        product_category=category,
        product_category_label=ruleset.category_label(category, "zh") if category else None,
        product_category_label_en=ruleset.category_label(category, "en") if category else None,
        enterprise_name=answers.enterprise.name,
        credit_code=answers.enterprise.credit_code,
        clauses=results,
        metrics=Metrics(
            unit_energy_kgce_per_t=(
                plain(energy.unit_energy) if energy.unit_energy is not None else None
            ),
            energy_kgce=plain(energy.energy),
            output_t=plain(energy.output),
            local_material_ratio=(plain(local.ratio_pct) if local.ratio_pct is not None else None),
            waste_category=mix.category,
            waste_category_label=mix_label.zh,
            waste_category_label_en=mix_label.en,
            waste_content_pct=plain(mix.content),
        ),
        gaps=gaps(answers, ruleset, results),
        nearest_path=nearest_path(answers, ruleset, results),
    )

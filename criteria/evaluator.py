"""The evaluator: one function per guideline clause, and the verdict built from them.

Qualified = every basic requirement (clause 4) passes and at least one indicator (clause 5)
passes. Quantities are compared exactly (Decimals computed without rounding, Fractions for
the quotients, inclusive limits, no rounding before comparing); rounding happens only in
the texts. A plant that does not qualify is told how far each quantitative route is (gaps)
and which single route needs the least change (nearest path).

An administrator re-judges every stored session after a threshold change, so one
evaluation must stay cheap: each figure, and the text shown for it, is derived once per
evaluation (`_Facts`) although a clause, its gap and the advice all quote it, and what only
depends on the ruleset is prepared once per ruleset (`_Prepared`). After a threshold change
a stored evaluation is re-judged only along the route the changed value is judged by
(`rejudge`).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction
from functools import cache, cached_property, wraps
from typing import Any, NamedTuple

from criteria import evidence as evidence_checks
from criteria._numbers import EXACT, fixed, percent, plain, quotient
from criteria.answers import Answers, parse_answers
from criteria.carbon import CarbonEstimate, estimate, tonnes
from criteria.edition import EDITION
from criteria.energy_accounting import CarrierUse, Exact, carrier_uses, counted_energy, energy_at
from criteria.evaluation import (
    Carbon,
    CarbonLine,
    ClauseResult,
    Evaluation,
    FactorUsed,
    Gap,
    Metrics,
    NearestPath,
    ReviewReason,
    Route,
)
from criteria.figures import figure, unit_shown
from criteria.period import period_notes
from criteria.plausibility import ReviewNote, confirmed, energy_notes
from criteria.ruleset import Distance, EnergyThreshold, PercentThreshold, Ruleset, Setting
from criteria.texts import Text, catalogue
from criteria.vocabulary import (
    BASIC_CLAUSES,
    CARRIERS,
    CERTIFICATIONS,
    INDICATOR_CLAUSES,
    PRODUCT_CATEGORIES,
    WASTE_ROWS,
    WasteCategory,
)

# Units of Gap.shortfall.
PERCENTAGE_POINTS = "pp"
KGCE_PER_T = "kgce/t"

ZERO = Decimal(0)
# Codes of review reasons by origin: the evaluation period's, and a clause's own.
_PERIOD_NOTE = "period_"
_CLAUSE_NOTE = "clause_"
_NO_CHANGE = Fraction(0)  # nothing to change: a met figure, or a route needing documents


# ---------------------------------------------------------------- figures shared by clauses


@dataclass(frozen=True)
class WasteMix:
    """Which Table 1 row a mix falls under, and its content as that row counts it."""

    category: WasteCategory
    content: Decimal
    row: PercentThreshold | None


def waste_mix(answers: Answers, ruleset: Ruleset) -> WasteMix:
    waste = answers.solid_waste
    gangue, fly_ash, other = waste.coal_gangue_pct, waste.fly_ash_pct, waste.other_pct
    category: WasteCategory
    if fly_ash > 0 and (gangue > 0 or other > 0):
        category, content = "uncovered", EXACT.add(EXACT.add(gangue, fly_ash), other)
    elif gangue > 0 and other > 0:
        category, content = "coal_gangue_plus_other", EXACT.add(gangue, other)
    elif gangue > 0:
        category, content = "coal_gangue_only", gangue
    elif fly_ash > 0:
        category, content = "fly_ash_only", fly_ash
    elif other > 0:
        category, content = "other_only", other
    else:
        category, content = "none", ZERO
    row = ruleset.waste_threshold(category) if category in WASTE_ROWS else None
    return WasteMix(category, content, row)


@dataclass(frozen=True)
class LocalFigures:
    """Formula A.1: R = m1 / m, as a percentage (None without a total)."""

    local: Decimal
    total: Decimal
    ratio_pct: Fraction | None
    limit: PercentThreshold
    radius: Distance


def local_figures(answers: Answers, ruleset: Ruleset) -> LocalFigures:
    local = answers.raw_materials.local_t
    total = answers.raw_materials.total_t
    ratio = percent(local, total) if total > 0 else None
    return LocalFigures(
        local, total, ratio, ruleset.localisation.min_ratio_pct, ruleset.localisation.radius_km
    )


@dataclass(frozen=True)
class EnergyFigures:
    """Formula A.2: E = e / P.

    e is the reported total when given, otherwise every carrier the ruleset counts,
    converted with its standard-coal factor (see energy_accounting). E is None without
    output or without energy: firing bricks takes energy, so zero means "not reported",
    not "perfect".
    """

    output: Decimal
    energy: Exact
    from_total: bool
    unit_energy: Fraction | None
    limit: EnergyThreshold | None
    uses: tuple[CarrierUse, ...] = ()


def energy_figures(answers: Answers, ruleset: Ruleset) -> EnergyFigures:
    reported = answers.energy
    uses = carrier_uses(answers, ruleset)
    energy: Exact
    if reported.total_kgce is not None:
        energy, from_total = reported.total_kgce, True
    else:
        energy, from_total = counted_energy(uses), False
    output = reported.output_t
    unit_energy = quotient(energy, output) if output > 0 and energy > 0 else None
    category = answers.product_category
    limit = ruleset.energy_threshold(category) if category is not None else None
    return EnergyFigures(output, energy, from_total, unit_energy, limit, tuple(uses))


def energy_review(answers: Answers, ruleset: Ruleset) -> list[ReviewNote]:
    """What the plausibility bands say of the energy figures alone, before the plant's
    word on them: the interview asks back on these while the figures can still change."""
    figures = energy_figures(answers, ruleset)
    return energy_notes(
        answers, ruleset, list(figures.uses), figures.unit_energy, figures.from_total
    )


# ---------------------------------------------------------------- what a ruleset contributes


@dataclass(frozen=True)
class _Limit:
    """A threshold exactly (as a Decimal and as a Fraction), as the evaluation stores it
    (`text`) and as a person reads it (`shown`)."""

    value: Decimal
    exact: Fraction
    text: str
    shown: str
    source: Text

    @classmethod
    def of(cls, setting: Setting) -> _Limit:
        value = setting.value
        return cls(
            value, Fraction(value), plain(value), figure(value, places=None), setting.source.text
        )


@dataclass(frozen=True)
class _Prepared:
    """What every evaluation reads from one ruleset, converted and formatted once."""

    waste: Mapping[str, _Limit]
    energy: Mapping[str, _Limit]
    local: _Limit
    radius: str
    radius_shown: str
    factors: Mapping[str, str]
    category_labels: Mapping[str, Text]

    @classmethod
    def of(cls, ruleset: Ruleset) -> _Prepared:
        return cls(
            waste={row: _Limit.of(ruleset.waste_threshold(row)) for row in WASTE_ROWS},
            energy={c: _Limit.of(ruleset.energy_threshold(c)) for c in PRODUCT_CATEGORIES},
            local=_Limit.of(ruleset.localisation.min_ratio_pct),
            radius=plain(ruleset.localisation.radius_km.value),
            radius_shown=figure(ruleset.localisation.radius_km.value, places=None),
            factors={c: plain(ruleset.factor(c).value) for c in CARRIERS},
            category_labels={
                c: Text(ruleset.category_label(c, "zh"), ruleset.category_label(c, "en"))
                for c in PRODUCT_CATEGORIES
            },
        )


# A few rulesets are in use at a time (the active one, the one a change is checked
# against); when more turn up, start over rather than hold on to all of them.
_PREPARED_LIMIT = 16
_prepared: dict[int, tuple[Ruleset, _Prepared]] = {}


def _prepare(ruleset: Ruleset) -> _Prepared:
    """The prepared data of a ruleset, made on first use.

    Keyed by identity: a Ruleset is immutable (a change makes a new object), and hashing
    one would hash every value it holds on every call. The entry keeps its ruleset alive,
    so the id cannot be reused by another object while the entry exists.
    """
    entry = _prepared.get(id(ruleset))
    if entry is not None and entry[0] is ruleset:
        return entry[1]
    prepared = _Prepared.of(ruleset)
    if len(_prepared) >= _PREPARED_LIMIT:
        _prepared.clear()
    _prepared[id(ruleset)] = (ruleset, prepared)
    return prepared


# ---------------------------------------------------------------- one evaluation's figures


class _WasteRow(NamedTuple):
    """A mix judged against its Table 1 row."""

    limit: _Limit
    short: Decimal  # percentage points below the minimum (negative when met)
    content_shown: str
    short_shown: str


class _Waste(NamedTuple):
    """The waste mix, its content as text, and its Table 1 judgement if a row applies."""

    mix: WasteMix
    label: Text
    content: str
    row: _WasteRow | None  # None: no Table 1 row applies (no waste, or an uncovered mix)


class _Ratio(NamedTuple):
    """R judged against the localisation minimum."""

    value: Fraction
    text: str
    short: Fraction  # percentage points below the minimum (negative when met)
    shown: str
    tonnes: str  # tonnes to move to local suppliers, total unchanged


class _Local(NamedTuple):
    """Formula A.1 figures, and R judged against the minimum if a total is given."""

    figures: LocalFigures
    ratio: _Ratio | None  # None without a total


class _UnitEnergy(NamedTuple):
    """E judged against the Table 2 value of the product category."""

    value: Fraction
    limit: _Limit
    over: Fraction  # kgce/t above the maximum (negative when met)
    over_pct: Fraction
    shown: str
    over_shown: str
    over_pct_shown: str


class _Energy(NamedTuple):
    """Formula A.2 figures as text, and E judged against Table 2 if it can be."""

    figures: EnergyFigures
    limit: _Limit | None
    energy: str
    output: str
    unit: str | None
    missing: Text | None  # why E cannot be judged, or None when it can
    judged: _UnitEnergy | None


class _Facts:
    """The answers, what the ruleset contributes, and the figures derived from both.

    Each figure is derived and formatted once, although the clause, its gap and the advice
    all quote it, and only when something asks for it: re-judging one route of a stored
    evaluation (`rejudge`) need not derive the figures of the others.
    """

    def __init__(self, answers: Answers, ruleset: Ruleset, on: date | None = None) -> None:
        self.answers = answers
        self.ruleset = ruleset
        self.prepared = _prepare(ruleset)
        self.on = on or date.today()

    @cached_property
    def waste(self) -> _Waste:
        return _waste(self.answers, self.ruleset, self.prepared)

    @cached_property
    def local(self) -> _Local:
        return _local(self.answers, self.ruleset, self.prepared)

    @cached_property
    def energy(self) -> _Energy:
        return _energy(self.answers, self.ruleset, self.prepared)

    def evidence(self, claim: str, allow_system: bool = False) -> evidence_checks.EvidenceCheck:
        return evidence_checks.check(self.answers, self.ruleset, claim, self.on, allow_system)


def _waste(answers: Answers, ruleset: Ruleset, prepared: _Prepared) -> _Waste:
    mix = waste_mix(answers, ruleset)
    row = None
    if mix.row is not None:
        limit = prepared.waste[mix.category]
        short = EXACT.subtract(limit.value, mix.content)
        row = _WasteRow(limit, short, figure(mix.content, limit.value), figure(short, 0))
    return _Waste(mix, _text(f"waste_category.{mix.category}"), plain(mix.content), row)


def _local(answers: Answers, ruleset: Ruleset, prepared: _Prepared) -> _Local:
    figures = local_figures(answers, ruleset)
    if figures.ratio_pct is None:
        return _Local(figures, None)
    limit = prepared.local
    value = figures.ratio_pct
    # The local tonnes the minimum asks for, less those already local.
    share = EXACT.divide(EXACT.multiply(limit.value, figures.total), 100)
    tonnes = max(EXACT.subtract(share, figures.local), ZERO)
    ratio = _Ratio(
        value,
        plain(value),
        limit.exact - value,
        figure(value, limit.value),
        figure(tonnes),
    )
    return _Local(figures, ratio)


def _energy(answers: Answers, ruleset: Ruleset, prepared: _Prepared) -> _Energy:
    figures = energy_figures(answers, ruleset)
    category = answers.product_category
    limit = prepared.energy[category] if category is not None else None
    unit = figures.unit_energy
    missing: Text | None = None
    if limit is None:
        missing = _text("energy.no_category")
    elif figures.output == 0:
        missing = _text("energy.no_output")
    elif unit is None:
        missing = _text("energy.no_energy")
    judged = None
    if limit is not None and unit is not None:
        over = unit - limit.exact
        over_pct = percent(over, limit.value)
        judged = _UnitEnergy(
            unit,
            limit,
            over,
            over_pct,
            figure(unit, limit.value),
            figure(over, 0),
            figure(over_pct, 0),
        )
    return _Energy(
        figures,
        limit,
        plain(figures.energy),
        plain(figures.output),
        plain(unit) if unit is not None else None,
        missing,
        judged,
    )


# ---------------------------------------------------------------- building clause results


@cache
def _text(key: str) -> Text:
    """A catalogue text without placeholders (the catalogue is packaged: it never changes)."""
    return catalogue().both(key)


@cache
def _labels(clauses: tuple[str, ...]) -> Text:
    return catalogue().join("sep.enum", [_text(f"clause.{c}.label") for c in clauses])


def _reason(clause: str, passed: bool, parts: tuple[Text, ...]) -> Text:
    texts = catalogue()
    return texts.both(
        "reason.pass" if passed else "reason.fail",
        clause=_text(f"clause.{clause}.label"),
        detail=texts.join("sep.list", parts),
    )


@cache
def _fixed_reason(clause: str, passed: bool, keys: tuple[str, ...]) -> Text:
    """The reason of a clause judged on yes/no answers: a handful per clause, kept."""
    return _reason(clause, passed, tuple(_text(key) for key in keys))


def _result(
    clause: str,
    passed: bool,
    reason: Text,
    values: dict[str, str | bool | None],
    needs_review: bool = False,
) -> ClauseResult:
    title = _text(f"clause.{clause}.title")
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


def _measured(
    clause: str,
    passed: bool,
    parts: list[Text],
    values: dict[str, str | bool | None],
    needs_review: bool = False,
) -> ClauseResult:
    """A clause whose reason quotes the plant's figures."""
    return _result(clause, passed, _reason(clause, passed, tuple(parts)), values, needs_review)


def _yes_no(
    clause: str, passed: bool, keys: tuple[str, ...], values: dict[str, str | bool | None]
) -> ClauseResult:
    """A clause whose reason is made of fixed sentences, named by their catalogue keys."""
    return _result(clause, passed, _fixed_reason(clause, passed, keys), values)


def _declared(clause: str, field: str, claimed: bool) -> ClauseResult:
    """A basic requirement the plant declares (evidence is checked by the assessor)."""
    key = f"basic.{clause}.{'yes' if claimed else 'no'}"
    return _yes_no(clause, claimed, (key,), {field: claimed})


# ---------------------------------------------------------------- clause 4: basic requirements


def _clause_4_1a(facts: _Facts) -> ClauseResult:
    """4.1 a) lawfully established and operating, no major accident in three years."""
    return _declared("4.1a", "lawful_operation", facts.answers.basic.lawful_operation)


def _clause_4_1b(facts: _Facts) -> ClauseResult:
    """4.1 b) on the white list or meeting its environmental compliance requirements."""
    return _declared("4.1b", "white_list", facts.answers.basic.white_list)


def _system(clause: str, field: str, claimed: bool, facts: _Facts) -> ClauseResult:
    """4.2.1 / 4.2.2: a system meeting the standard, shown by a certificate or by its
    manual and internal-audit records (the guideline asks for the system, not a certificate)."""
    if not claimed:
        return _declared(clause, field, claimed)
    check = facts.evidence(field, allow_system=True)
    values: dict[str, str | bool | None] = {field: claimed, f"{field}_evidence": check.state}
    key = f"basic.{clause}.{'yes' if check.state == 'evidenced' else 'declared'}"
    passed = check.counts
    if not passed:
        key = f"basic.{clause}.no"
    return _measured(clause, passed, [_text(key), check.text], values, check.needs_review)


def _clause_4_2_1(facts: _Facts) -> ClauseResult:
    """4.2.1 quality management system to GB/T 19001 / ISO 9001."""
    return _system("4.2.1", "quality_management", facts.answers.basic.quality_management, facts)


def _clause_4_2_2(facts: _Facts) -> ClauseResult:
    """4.2.2 environmental management system to GB/T 24001 / ISO 14001."""
    basic = facts.answers.basic
    return _system("4.2.2", "environmental_management", basic.environmental_management, facts)


def _clause_4_3(facts: _Facts) -> ClauseResult:
    """4.3 metering instruments to GB 17167 / GB 24789."""
    return _declared("4.3", "metering", facts.answers.basic.metering)


def _clause_4_4(facts: _Facts) -> ClauseResult:
    """4.4 product quality attributes meet the developers' requirements."""
    return _declared("4.4", "product_quality", facts.answers.basic.product_quality)


# ---------------------------------------------------------------- clause 5: indicators


def _clause_5_1a(facts: _Facts) -> ClauseResult:
    """5.1 a) Table 1 content for the mix's row AND a third-party waste-content report."""
    texts = catalogue()
    waste = facts.answers.solid_waste
    mix, row = facts.waste.mix, facts.waste.row
    report = waste.third_party_report
    values: dict[str, str | bool | None] = {
        "coal_gangue_pct": plain(waste.coal_gangue_pct),
        "fly_ash_pct": plain(waste.fly_ash_pct),
        "other_pct": plain(waste.other_pct),
        "waste_category": mix.category,
        "waste_content_pct": facts.waste.content,
        "threshold_pct": row.limit.text if row else None,
        "third_party_report": report,
    }
    if mix.category == "none":
        return _measured("5.1a", False, [_text("waste.none")], values)
    if row is None:
        uncovered = texts.both(
            "waste.uncovered",
            coal_gangue=figure(waste.coal_gangue_pct, places=None),
            fly_ash=figure(waste.fly_ash_pct, places=None),
            other=figure(waste.other_pct, places=None),
        )
        return _measured("5.1a", False, [uncovered], values, needs_review=True)
    met = mix.content >= row.limit.value
    judged_on = texts.both(
        f"waste.row_because.{mix.category}",
        row=row.limit.source,
        coal_gangue=figure(waste.coal_gangue_pct, places=None),
        fly_ash=figure(waste.fly_ash_pct, places=None),
        other=figure(waste.other_pct, places=None),
    )
    check = facts.evidence("third_party_report") if report else None
    if check is not None:
        values["third_party_report_evidence"] = check.state
        report = check.counts
    content = texts.both(
        "waste.met" if met else "waste.short",
        mix=facts.waste.label,
        content=row.content_shown,
        threshold=row.limit.shown,
        source=row.limit.source,
        gap=row.short_shown,
    )
    report_text = _text("waste.report_yes" if report else "waste.report_no")
    if check is not None:
        report_text = texts.both("waste.report_checked", evidence=check.text)
    parts = [content, judged_on, report_text]
    if not met and report:
        parts = [content, judged_on]
    review = bool(check and check.needs_review and met)
    return _measured("5.1a", met and report, parts, values, review)


def _clause_5_1b(facts: _Facts) -> ClauseResult:
    """5.1 b) R = m1/m >= the localisation minimum (formula A.1) AND evidence."""
    texts = catalogue()
    figures, ratio = facts.local
    limit = facts.prepared.local
    evidence = facts.answers.raw_materials.evidence
    values: dict[str, str | bool | None] = {
        "local_t": plain(figures.local),
        "total_t": plain(figures.total),
        "ratio_pct": ratio.text if ratio else None,
        "threshold_pct": limit.text,
        "radius_km": facts.prepared.radius,
        "evidence": evidence,
    }
    evidence_text = _text("local.evidence_yes" if evidence else "local.evidence_no")
    if ratio is None:
        parts = [_text("local.no_data")] + ([] if evidence else [evidence_text])
        return _measured("5.1b", False, parts, values)
    met = ratio.value >= limit.exact
    comparison = texts.both(
        "local.met" if met else "local.short",
        local=figure(figures.local, places=4),
        total=figure(figures.total, places=4),
        ratio=ratio.shown,
        threshold=limit.shown,
        source=limit.source,
        radius=facts.prepared.radius_shown,
        gap=figure(ratio.short, 0),
    )
    parts = [comparison] if (not met and evidence) else [comparison, evidence_text]
    return _measured("5.1b", met and evidence, parts, values)


def _clause_5_2a(facts: _Facts) -> ClauseResult:
    """5.2 a) E = e/P <= the Table 2 value of the product category (formula A.2)."""
    texts = catalogue()
    energy = facts.energy
    figures = energy.figures
    reported = facts.answers.energy
    values: dict[str, str | bool | None] = {
        "product_category": facts.answers.product_category,
        "output_t": energy.output,
        "energy_basis": "total_kgce" if figures.from_total else "carriers",
    }
    if figures.from_total:
        values["total_kgce"] = energy.energy
    else:
        for carrier in CARRIERS:
            values[carrier] = plain(reported.carrier(carrier))
            values[f"factor_{carrier}"] = facts.prepared.factors[carrier]
        for use in figures.uses:
            values[f"factor_{use.carrier}"] = plain(use.factor) if use.factor is not None else None
    values["energy_kgce"] = energy.energy
    values["unit_energy_kgce_per_t"] = energy.unit
    values["threshold_kgce_per_t"] = energy.limit.text if energy.limit else None
    judged = energy.judged
    if judged is None:
        return _measured("5.2a", False, [energy.missing or _text("energy.no_energy")], values)
    met = judged.value <= judged.limit.exact
    comparison = texts.both(
        "energy.met" if met else "energy.over",
        value=judged.shown,
        threshold=judged.limit.shown,
        source=judged.limit.source,
        pct=judged.over_pct_shown,
    )
    formula = texts.both(
        "energy.formula_total" if figures.from_total else "energy.formula_carriers",
        energy=figure(figures.energy),
        output=figure(figures.output, places=4),
    )
    parts = [comparison, formula]
    if not figures.from_total and figures.uses:
        parts.append(
            texts.both(
                "energy.factors",
                lines=texts.join("sep.list", [factor_line(u) for u in figures.uses]),
            )
        )
    return _measured("5.2a", met, parts, values)


def factor_line(use: CarrierUse) -> Text:
    """One carrier in a clause reason: amount × factor = kgce, or why it is not counted.

    The source of each factor is in `metrics.factors` and the report's conversion table;
    the reason stays short enough for a chat card.
    """
    texts = catalogue()
    if not use.counted or use.factor is None:
        return texts.both(
            "energy.line_not_counted",
            label=use.label,
            amount=figure(use.amount, places=None),
            unit=unit_shown(use.unit),
            reason=use.note or use.source,
        )
    return texts.both(
        "energy.line_short",
        label=use.label,
        amount=figure(use.amount, places=None),
        unit=unit_shown(use.unit),
        factor=figure(use.factor, places=6),
        kgce=figure(use.kgce),
    )


def _clause_5_2b(facts: _Facts) -> ClauseResult:
    """5.2 b) energy management system certified to GB/T 23331 / ISO 50001."""
    certified = facts.answers.energy.energy_management_certified
    values: dict[str, str | bool | None] = {"energy_management_certified": certified}
    if not certified:
        return _yes_no("5.2b", certified, ("enms.no",), values)
    check = facts.evidence("energy_management_certified")
    values["energy_management_certified_evidence"] = check.state
    key = "enms.declared" if check.state in ("declared", "incomplete") else "enms.yes"
    return _measured("5.2b", check.counts, [_text(key), check.text], values, check.needs_review)


def _clause_5_3(facts: _Facts) -> ClauseResult:
    """5.3 greenhouse gas emissions accounted AND the result published."""
    ghg = facts.answers.ghg
    values: dict[str, str | bool | None] = {
        "accounted": ghg.accounted,
        "published": ghg.published,
    }
    keys: tuple[str, ...]
    if ghg.accounted and ghg.published:
        keys = ("ghg.accounted", "ghg.published")
    elif ghg.accounted:
        keys = ("ghg.accounted", "ghg.not_published")
    elif ghg.published:
        keys = ("ghg.not_accounted",)
    else:
        keys = ("ghg.not_accounted", "ghg.not_published")
    return _yes_no("5.3", ghg.accounted and ghg.published, keys, values)


def _clause_5_4(facts: _Facts) -> ClauseResult:
    """5.4 any one recognised green listing or certification; names the ones held."""
    certifications = facts.answers.certifications
    held = tuple(c for c in CERTIFICATIONS if getattr(certifications, c))
    values: dict[str, str | bool | None] = {
        c: bool(getattr(certifications, c)) for c in CERTIFICATIONS
    }
    if not held:
        return _yes_no("5.4", False, ("cert.none",), values)
    texts = catalogue()
    checks = [facts.evidence(c) for c in held]
    for found in checks:
        values[f"{found.claim}_evidence"] = found.state
    valid = [found for found in checks if found.counts]
    parts = [
        texts.both("cert.checked", name=_text(f"cert.{found.claim}"), evidence=found.text)
        for found in checks
    ]
    review = bool(valid) and all(found.needs_review for found in valid)
    return _measured("5.4", bool(valid), parts, values, review)


_Check = Callable[[_Facts], ClauseResult]

_CHECKS: dict[str, _Check] = {
    "4.1a": _clause_4_1a,
    "4.1b": _clause_4_1b,
    "4.2.1": _clause_4_2_1,
    "4.2.2": _clause_4_2_2,
    "4.3": _clause_4_3,
    "4.4": _clause_4_4,
    "5.1a": _clause_5_1a,
    "5.1b": _clause_5_1b,
    "5.2a": _clause_5_2a,
    "5.2b": _clause_5_2b,
    "5.3": _clause_5_3,
    "5.4": _clause_5_4,
}

ClauseCheck = Callable[[Answers, Ruleset], ClauseResult]


def _on_answers(check: _Check) -> ClauseCheck:
    """A clause check as a function of the answers and the ruleset alone."""

    @wraps(check)
    def run(answers: Answers, ruleset: Ruleset) -> ClauseResult:
        return check(_Facts(answers, ruleset))

    return run


#: One check per clause, each judging a plant's answers under a ruleset on its own.
CLAUSE_CHECKS: dict[str, ClauseCheck] = {
    clause: _on_answers(check) for clause, check in _CHECKS.items()
}


# ---------------------------------------------------------------- gaps


def _sentence(text: Text) -> Text:
    return catalogue().both("gap.sentence", text=text)


def _relative(shortfall: Decimal | Fraction, limit: Decimal) -> Fraction:
    return percent(shortfall, limit) if limit > 0 else Fraction(shortfall)


def _gap(common: dict[str, Any], text: Text, **figures: Any) -> Gap:
    """A gap from the fields shared by its route, its own figures, and its text."""
    sentence = _sentence(text)
    return Gap(**common, **figures, text=sentence.zh, text_en=sentence.en)


def _waste_gap(facts: _Facts) -> Gap:
    texts = catalogue()
    mix, row = facts.waste.mix, facts.waste.row
    report = facts.answers.solid_waste.third_party_report
    common: dict[str, Any] = {
        "clause": "5.1a",
        "metric": "waste_content",
        "unit": PERCENTAGE_POINTS,
        "current": facts.waste.content,
        "missing_documents": [] if report else ["third_party_report"],
    }
    if row is None:
        key = "gap.waste_none" if mix.category == "none" else "gap.waste_uncovered"
        return _gap(common, _text(key), target=None, shortfall=None, shortfall_relative_pct=None)
    shortfall = max(row.short, ZERO)
    params: dict[str, str | Text] = {
        "mix": facts.waste.label,
        "content": row.content_shown,
        "threshold": row.limit.shown,
        "source": row.limit.source,
        "gap": figure(shortfall, 0),
    }
    if shortfall > 0:
        text = texts.both("gap.waste_short", **params)
        if not report:
            text = texts.both("gap.also_report", gap=text)
    else:
        text = texts.both("gap.waste_report", **params)
    return _gap(
        common,
        text,
        target=row.limit.text,
        shortfall=plain(shortfall),
        shortfall_relative_pct=plain(_relative(shortfall, row.limit.value)),
    )


def _local_gap(facts: _Facts) -> Gap:
    texts = catalogue()
    limit = facts.prepared.local
    ratio = facts.local.ratio
    evidence = facts.answers.raw_materials.evidence
    common: dict[str, Any] = {
        "clause": "5.1b",
        "metric": "local_material_ratio",
        "unit": PERCENTAGE_POINTS,
        "target": limit.text,
        "missing_documents": [] if evidence else ["evidence"],
    }
    if ratio is None:
        return _gap(
            common,
            _text("gap.local_no_data"),
            current=None,
            shortfall=None,
            shortfall_relative_pct=None,
        )
    shortfall = max(ratio.short, _NO_CHANGE)
    params: dict[str, str | Text] = {
        "ratio": ratio.shown,
        "threshold": limit.shown,
        "gap": figure(shortfall, 0),
        "tonnes": ratio.tonnes,
        "radius": facts.prepared.radius_shown,
    }
    if shortfall > 0:
        text = texts.both("gap.local_short", **params)
        if not evidence:
            text = texts.both("gap.also_evidence", gap=text)
    else:
        text = texts.both("gap.local_evidence", **params)
    return _gap(
        common,
        text,
        current=ratio.text,
        shortfall=plain(shortfall),
        shortfall_relative_pct=plain(_relative(shortfall, limit.value)),
    )


def _energy_gap(facts: _Facts) -> Gap:
    texts = catalogue()
    energy = facts.energy
    common: dict[str, Any] = {
        "clause": "5.2a",
        "metric": "unit_energy",
        "unit": KGCE_PER_T,
        "target": energy.limit.text if energy.limit else None,
        "missing_documents": [],
    }
    judged = energy.judged
    if judged is None:
        detail = energy.missing or _text("energy.no_energy")
        return _gap(
            common,
            texts.both("gap.energy_no_data", detail=detail),
            current=energy.unit,
            shortfall=None,
            shortfall_relative_pct=None,
        )
    figures = energy.figures
    # (E - limit) × P, the energy to save, is e - limit × P: exact without a quotient.
    saving = Fraction(figures.energy) - Fraction(judged.limit.value) * Fraction(figures.output)
    text = texts.both(
        "gap.energy",
        value=judged.shown,
        threshold=judged.limit.shown,
        source=judged.limit.source,
        gap=judged.over_shown,
        pct=judged.over_pct_shown,
        output=figure(figures.output, places=4),
        saving=figure(saving),
    )
    return _gap(
        common,
        text,
        current=energy.unit,
        shortfall=plain(judged.over),
        shortfall_relative_pct=plain(judged.over_pct),
    )


def _gaps(facts: _Facts, results: Mapping[str, ClauseResult]) -> list[Gap]:
    found: list[Gap] = []
    if not results["5.1a"].passed:
        found.append(_waste_gap(facts))
    if not results["5.1b"].passed:
        found.append(_local_gap(facts))
    if not results["5.2a"].passed:
        found.append(_energy_gap(facts))
    return found


def gaps(answers: Answers, ruleset: Ruleset, results: Mapping[str, ClauseResult]) -> list[Gap]:
    """One gap per quantitative route (5.1 a, 5.1 b, 5.2 a) that does not pass."""
    return _gaps(_Facts(answers, ruleset), results)


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


def _candidates(facts: _Facts, results: Mapping[str, ClauseResult]) -> list[_Candidate]:
    texts = catalogue()
    answers = facts.answers
    found: list[_Candidate] = []

    mix, row = facts.waste.mix, facts.waste.row
    if not results["5.1a"].passed and row is not None:
        report = answers.solid_waste.third_party_report
        if mix.content >= row.limit.value:
            found.append(_Candidate("5.1a", "documentary", _NO_CHANGE, _text("advice.5.1a.report")))
        else:
            advice = texts.both(
                "advice.5.1a.raise" if report else "advice.5.1a.raise_and_report",
                mix=facts.waste.label,
                content=row.content_shown,
                threshold=row.limit.shown,
                gap=row.short_shown,
            )
            relative = _relative(row.short, row.limit.value)
            found.append(_Candidate("5.1a", "quantitative", relative, advice))

    ratio = facts.local.ratio
    if not results["5.1b"].passed and ratio is not None:
        limit = facts.prepared.local
        evidence = answers.raw_materials.evidence
        params: dict[str, str | Text] = {
            "ratio": ratio.shown,
            "threshold": limit.shown,
            "radius": facts.prepared.radius_shown,
            "tonnes": ratio.tonnes,
        }
        if ratio.value >= limit.exact:
            advice = texts.both("advice.5.1b.evidence", **params)
            found.append(_Candidate("5.1b", "documentary", _NO_CHANGE, advice))
        else:
            key = "advice.5.1b.raise" if evidence else "advice.5.1b.raise_and_evidence"
            relative = _relative(ratio.short, limit.value)
            found.append(_Candidate("5.1b", "quantitative", relative, texts.both(key, **params)))

    judged = facts.energy.judged
    if not results["5.2a"].passed and judged is not None:
        advice = texts.both(
            "advice.5.2a.reduce",
            value=judged.shown,
            threshold=judged.limit.shown,
            gap=judged.over_shown,
            pct=judged.over_pct_shown,
        )
        found.append(_Candidate("5.2a", "quantitative", judged.over_pct, advice))

    if not results["5.2b"].passed:
        found.append(_Candidate("5.2b", "certification", _NO_CHANGE, _text("advice.5.2b.certify")))
    if not results["5.3"].passed:
        if answers.ghg.accounted:
            found.append(_Candidate("5.3", "documentary", _NO_CHANGE, _text("advice.5.3.publish")))
        else:
            found.append(_Candidate("5.3", "ghg", _NO_CHANGE, _text("advice.5.3.account")))
    if not results["5.4"].passed:
        found.append(_Candidate("5.4", "certification", _NO_CHANGE, _text("advice.5.4.certify")))
    return found


def _nearest_path(facts: _Facts, results: Mapping[str, ClauseResult]) -> NearestPath | None:
    texts = catalogue()
    blocking = [c for c in BASIC_CLAUSES if not results[c].passed]
    passed = [c for c in INDICATOR_CLAUSES if results[c].passed]
    if not blocking and passed:
        return None
    if passed:
        advice = texts.both(
            "advice.basic_only",
            indicators=_labels(tuple(passed)),
            clauses=_labels(tuple(blocking)),
        )
        return NearestPath(
            clause=None, route=None, blocking_basic=blocking, advice=advice.zh, advice_en=advice.en
        )
    best = min(_candidates(facts, results), key=_Candidate.sort_key)
    advice = best.advice
    if blocking:
        advice = texts.both(
            "advice.with_basic",
            basic=texts.both("advice.basic", clauses=_labels(tuple(blocking))),
            route=advice,
        )
    return NearestPath(
        clause=best.clause,
        route=best.route,
        blocking_basic=blocking,
        advice=advice.zh,
        advice_en=advice.en,
    )


def nearest_path(
    answers: Answers, ruleset: Ruleset, results: Mapping[str, ClauseResult]
) -> NearestPath | None:
    """The least change that would qualify the plant; None when it already qualifies."""
    return _nearest_path(_Facts(answers, ruleset), results)


# ---------------------------------------------------------------- the verdict


def _range_notes(facts: _Facts) -> list[ReviewNote]:
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


def _answer_notes(facts: _Facts) -> list[ReviewNote]:
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


def _carbon(found: CarbonEstimate | None, facts: _Facts) -> Carbon | None:
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
    facts: _Facts,
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
        nearest_path=_nearest_path(facts, results),
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
    facts = _Facts(answers, ruleset, on)
    results = {clause: check(facts) for clause, check in _CHECKS.items()}
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
    return _verdict(facts, results, _gaps(facts, results), _reasons(notes), metrics, carbon)


# ---------------------------------------------------------------- re-judging a stored verdict

#: The clause by which each settable group's values are judged: a change confined to these
#: groups moves that route (its clause, its gap, the advice) and nothing else. A change of
#: the standard-coal factors moves every energy figure, so it is judged in full.
_ROUTES: dict[str, str] = {"waste": "5.1a", "localisation": "5.1b", "energy": "5.2a"}
_GAP_OF: dict[str, Callable[[_Facts], Gap]] = {
    "5.1a": _waste_gap,
    "5.1b": _local_gap,
    "5.2a": _energy_gap,
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
    facts = _Facts(answers, ruleset, on)
    stale = {_ROUTES[group] for group in groups}
    kept_gaps = {gap.clause: gap for gap in previous.gaps}
    try:
        results = {
            clause: check(facts) if clause in stale else previous.clauses[clause]
            for clause, check in _CHECKS.items()
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
        reasons += [r for r in earlier if r.code.startswith(_PERIOD_NOTE)]
    else:
        reasons = [r for r in earlier if not r.code.startswith(_CLAUSE_NOTE)]
    reasons += _reasons(_clause_notes(results))
    return _verdict(facts, results, gaps, reasons, previous.metrics, previous.carbon)

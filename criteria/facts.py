"""What one evaluation judges with: the figures derived from a plant's answers, and the
limits a ruleset sets for them, each converted and worded once.

An administrator re-judges every stored session after a threshold change, so one
evaluation must stay cheap: each figure, and the text shown for it, is derived once per
evaluation (`Facts`) although a clause, its gap and the advice all quote it, and only when
something asks for it; what only depends on the ruleset is prepared once per ruleset
(`_Prepared`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction
from functools import cached_property
from typing import NamedTuple

from criteria import evidence as evidence_checks
from criteria._numbers import EXACT, percent, plain, quotient
from criteria.answers import Answers
from criteria.energy_accounting import CarrierUse, Exact, carrier_uses, counted_energy
from criteria.figures import figure
from criteria.plausibility import ReviewNote, energy_notes
from criteria.ruleset import Distance, EnergyThreshold, PercentThreshold, Ruleset, Setting
from criteria.texts import Text, fixed_text
from criteria.vocabulary import CARRIERS, PRODUCT_CATEGORIES, WASTE_ROWS, WasteCategory

ZERO = Decimal(0)


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


class Facts:
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
    return _Waste(mix, fixed_text(f"waste_category.{mix.category}"), plain(mix.content), row)


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
        missing = fixed_text("energy.no_category")
    elif figures.output == 0:
        missing = fixed_text("energy.no_output")
    elif unit is None:
        missing = fixed_text("energy.no_energy")
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


__all__ = [
    "ZERO",
    "EnergyFigures",
    "Facts",
    "LocalFigures",
    "WasteMix",
    "energy_figures",
    "energy_review",
    "local_figures",
    "waste_mix",
]

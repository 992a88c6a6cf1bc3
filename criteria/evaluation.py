"""The evaluation: a verdict with its reasons, figures, gaps and the nearest route.

`Evaluation.model_dump(mode="json")` is a public contract (stored with each session,
printed by `greenlist evaluate --format json`). Every text is present in both languages
so a stored evaluation can be shown later without the ruleset that produced it. Numbers
are strings holding exact decimals, so no JSON float ever rounds them.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from criteria.vocabulary import WasteCategory

ClauseKind = Literal["basic", "indicator"]
GapMetric = Literal["waste_content", "local_material_ratio", "unit_energy"]
Route = Literal["documentary", "quantitative", "ghg", "certification"]


class _Result(BaseModel):
    # Stored evaluations are read back by newer code; tolerate fields added later.
    model_config = ConfigDict(extra="ignore", frozen=True)


class ClauseResult(_Result):
    clause: str
    kind: ClauseKind
    passed: bool
    title: str
    title_en: str
    reason: str
    reason_en: str
    values: dict[str, str | bool | None]
    needs_review: bool = False


class FactorUsed(_Result):
    """One carrier as formula A.2 took it: amount, factor, source and standard coal."""

    carrier: str
    label: str
    label_en: str
    amount: str
    unit: str
    factor: str | None
    factor_unit: str
    source: str
    source_en: str
    kgce: str
    counted: bool
    note: str | None = None
    note_en: str | None = None


class ReviewReason(_Result):
    """Why `needs_review` is set: a stable code and the sentence in both languages."""

    code: str
    text: str
    text_en: str


class CarbonLine(_Result):
    carrier: str
    label: str
    label_en: str
    co2_kg: str


class Carbon(_Result):
    """An estimate from the energy answers; not part of the verdict."""

    unit_co2_kg_per_t: str | None
    co2_t_per_year: str
    lines: list[CarbonLine]
    not_covered: list[str]
    source: str
    source_en: str


class Metrics(_Result):
    unit_energy_kgce_per_t: str | None
    energy_kgce: str | None
    output_t: str
    local_material_ratio: str | None
    waste_category: WasteCategory
    waste_category_label: str
    waste_category_label_en: str
    waste_content_pct: str
    factors: list[FactorUsed] = []
    unit_co2_kg_per_t: str | None = None
    co2_t_per_year: str | None = None


class Gap(_Result):
    """How far one quantitative route (5.1 a, 5.1 b, 5.2 a) is from passing.

    `shortfall` is in `unit` (kgce/t for energy, percentage points otherwise): "0" when
    only documents are missing, null when it cannot be computed (no data, no Table 1 row).
    """

    clause: str
    metric: GapMetric
    unit: str
    current: str | None
    target: str | None
    shortfall: str | None
    shortfall_relative_pct: str | None
    missing_documents: list[str]
    text: str
    text_en: str


class NearestPath(_Result):
    """The change that would qualify the plant with the least effort.

    `clause` is the indicator to pursue (null when one already passes and only basic
    requirements are missing); `blocking_basic` lists the basic requirements still unmet.
    """

    clause: str | None
    route: Route | None
    blocking_basic: list[str]
    advice: str
    advice_en: str


class Evaluation(_Result):
    ruleset_id: str
    ruleset_version: int
    qualified: bool
    basic_passed: bool
    passed_indicators: list[str]
    needs_review: bool
    product_category: str | None
    product_category_label: str | None
    product_category_label_en: str | None
    enterprise_name: str
    credit_code: str
    clauses: dict[str, ClauseResult]
    metrics: Metrics
    gaps: list[Gap]
    nearest_path: NearestPath | None
    review_reasons: list[ReviewReason] = []
    carbon: Carbon | None = None
    evaluated_on: str | None = None
    #: The evaluator that made it (`criteria.edition`); None in evaluations made earlier.
    edition: str | None = None

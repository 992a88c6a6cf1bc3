"""What a plant that does not qualify is told: how far each quantitative route is (gaps)
and which single route needs the least change (the nearest path)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from criteria._numbers import percent, plain
from criteria.evaluation import ClauseResult, Gap, NearestPath, Route
from criteria.facts import ZERO, Facts
from criteria.figures import figure
from criteria.texts import Text, catalogue, clause_labels, fixed_text
from criteria.vocabulary import BASIC_CLAUSES, INDICATOR_CLAUSES

# Units of Gap.shortfall.
PERCENTAGE_POINTS = "pp"
KGCE_PER_T = "kgce/t"
_NO_CHANGE = Fraction(0)  # nothing to change: a met figure, or a route needing documents


# ---------------------------------------------------------------- gaps


def _sentence(text: Text) -> Text:
    return catalogue().both("gap.sentence", text=text)


def _relative(shortfall: Decimal | Fraction, limit: Decimal) -> Fraction:
    return percent(shortfall, limit) if limit > 0 else Fraction(shortfall)


def _gap(common: dict[str, Any], text: Text, **figures: Any) -> Gap:
    """A gap from the fields shared by its route, its own figures, and its text."""
    sentence = _sentence(text)
    return Gap(**common, **figures, text=sentence.zh, text_en=sentence.en)


def waste_gap(facts: Facts) -> Gap:
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
        return _gap(
            common, fixed_text(key), target=None, shortfall=None, shortfall_relative_pct=None
        )
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


def local_gap(facts: Facts) -> Gap:
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
            fixed_text("gap.local_no_data"),
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


def energy_gap(facts: Facts) -> Gap:
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
        detail = energy.missing or fixed_text("energy.no_energy")
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


def route_gaps(facts: Facts, results: Mapping[str, ClauseResult]) -> list[Gap]:
    found: list[Gap] = []
    if not results["5.1a"].passed:
        found.append(waste_gap(facts))
    if not results["5.1b"].passed:
        found.append(local_gap(facts))
    if not results["5.2a"].passed:
        found.append(energy_gap(facts))
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


def _candidates(facts: Facts, results: Mapping[str, ClauseResult]) -> list[_Candidate]:
    texts = catalogue()
    answers = facts.answers
    found: list[_Candidate] = []

    mix, row = facts.waste.mix, facts.waste.row
    if not results["5.1a"].passed and row is not None:
        report = answers.solid_waste.third_party_report
        if mix.content >= row.limit.value:
            found.append(
                _Candidate("5.1a", "documentary", _NO_CHANGE, fixed_text("advice.5.1a.report"))
            )
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
        found.append(
            _Candidate("5.2b", "certification", _NO_CHANGE, fixed_text("advice.5.2b.certify"))
        )
    if not results["5.3"].passed:
        if answers.ghg.accounted:
            found.append(
                _Candidate("5.3", "documentary", _NO_CHANGE, fixed_text("advice.5.3.publish"))
            )
        else:
            found.append(_Candidate("5.3", "ghg", _NO_CHANGE, fixed_text("advice.5.3.account")))
    if not results["5.4"].passed:
        found.append(
            _Candidate("5.4", "certification", _NO_CHANGE, fixed_text("advice.5.4.certify"))
        )
    return found


def nearest_path(facts: Facts, results: Mapping[str, ClauseResult]) -> NearestPath | None:
    texts = catalogue()
    blocking = [c for c in BASIC_CLAUSES if not results[c].passed]
    passed = [c for c in INDICATOR_CLAUSES if results[c].passed]
    if not blocking and passed:
        return None
    if passed:
        advice = texts.both(
            "advice.basic_only",
            indicators=clause_labels(tuple(passed)),
            clauses=clause_labels(tuple(blocking)),
        )
        return NearestPath(
            clause=None, route=None, blocking_basic=blocking, advice=advice.zh, advice_en=advice.en
        )
    best = min(_candidates(facts, results), key=_Candidate.sort_key)
    advice = best.advice
    if blocking:
        advice = texts.both(
            "advice.with_basic",
            basic=texts.both("advice.basic", clauses=clause_labels(tuple(blocking))),
            route=advice,
        )
    return NearestPath(
        clause=best.clause,
        route=best.route,
        blocking_basic=blocking,
        advice=advice.zh,
        advice_en=advice.en,
    )


__all__ = [
    "KGCE_PER_T",
    "PERCENTAGE_POINTS",
    "energy_gap",
    "local_gap",
    "nearest_path",
    "route_gaps",
    "waste_gap",
]

"""The guideline's clauses, one function each: a plant's facts judged into a clause result
with its reason in both languages.

Quantities are compared exactly (Decimals computed without rounding, Fractions for the
quotients, inclusive limits, no rounding before comparing); rounding happens only in the
texts.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache, wraps

from criteria._numbers import plain
from criteria.answers import Answers
from criteria.energy_accounting import CarrierUse
from criteria.evaluation import ClauseResult
from criteria.facts import Facts
from criteria.figures import figure, unit_shown
from criteria.ruleset import Ruleset
from criteria.texts import Text, catalogue, fixed_text
from criteria.vocabulary import BASIC_CLAUSES, CARRIERS, CERTIFICATIONS

# ---------------------------------------------------------------- building clause results


def _reason(clause: str, passed: bool, parts: tuple[Text, ...]) -> Text:
    texts = catalogue()
    return texts.both(
        "reason.pass" if passed else "reason.fail",
        clause=fixed_text(f"clause.{clause}.label"),
        detail=texts.join("sep.list", parts),
    )


@cache
def _fixed_reason(clause: str, passed: bool, keys: tuple[str, ...]) -> Text:
    """The reason of a clause judged on yes/no answers: a handful per clause, kept."""
    return _reason(clause, passed, tuple(fixed_text(key) for key in keys))


def _result(
    clause: str,
    passed: bool,
    reason: Text,
    values: dict[str, str | bool | None],
    needs_review: bool = False,
) -> ClauseResult:
    title = fixed_text(f"clause.{clause}.title")
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


def _clause_4_1a(facts: Facts) -> ClauseResult:
    """4.1 a) lawfully established and operating, no major accident in three years."""
    return _declared("4.1a", "lawful_operation", facts.answers.basic.lawful_operation)


def _clause_4_1b(facts: Facts) -> ClauseResult:
    """4.1 b) on the white list or meeting its environmental compliance requirements."""
    return _declared("4.1b", "white_list", facts.answers.basic.white_list)


def _system(clause: str, field: str, claimed: bool, facts: Facts) -> ClauseResult:
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
    return _measured(clause, passed, [fixed_text(key), check.text], values, check.needs_review)


def _clause_4_2_1(facts: Facts) -> ClauseResult:
    """4.2.1 quality management system to GB/T 19001 / ISO 9001."""
    return _system("4.2.1", "quality_management", facts.answers.basic.quality_management, facts)


def _clause_4_2_2(facts: Facts) -> ClauseResult:
    """4.2.2 environmental management system to GB/T 24001 / ISO 14001."""
    basic = facts.answers.basic
    return _system("4.2.2", "environmental_management", basic.environmental_management, facts)


def _clause_4_3(facts: Facts) -> ClauseResult:
    """4.3 metering instruments to GB 17167 / GB 24789."""
    return _declared("4.3", "metering", facts.answers.basic.metering)


def _clause_4_4(facts: Facts) -> ClauseResult:
    """4.4 product quality attributes meet the developers' requirements."""
    return _declared("4.4", "product_quality", facts.answers.basic.product_quality)


# ---------------------------------------------------------------- clause 5: indicators


def _clause_5_1a(facts: Facts) -> ClauseResult:
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
        return _measured("5.1a", False, [fixed_text("waste.none")], values)
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
    report_text = fixed_text("waste.report_yes" if report else "waste.report_no")
    if check is not None:
        report_text = texts.both("waste.report_checked", evidence=check.text)
    parts = [content, judged_on, report_text]
    if not met and report:
        parts = [content, judged_on]
    review = bool(check and check.needs_review and met)
    return _measured("5.1a", met and report, parts, values, review)


def _clause_5_1b(facts: Facts) -> ClauseResult:
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
    evidence_text = fixed_text("local.evidence_yes" if evidence else "local.evidence_no")
    if ratio is None:
        parts = [fixed_text("local.no_data")] + ([] if evidence else [evidence_text])
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


def _clause_5_2a(facts: Facts) -> ClauseResult:
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
        return _measured("5.2a", False, [energy.missing or fixed_text("energy.no_energy")], values)
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


def _clause_5_2b(facts: Facts) -> ClauseResult:
    """5.2 b) energy management system certified to GB/T 23331 / ISO 50001."""
    certified = facts.answers.energy.energy_management_certified
    values: dict[str, str | bool | None] = {"energy_management_certified": certified}
    if not certified:
        return _yes_no("5.2b", certified, ("enms.no",), values)
    check = facts.evidence("energy_management_certified")
    values["energy_management_certified_evidence"] = check.state
    key = "enms.declared" if check.state in ("declared", "incomplete") else "enms.yes"
    return _measured(
        "5.2b", check.counts, [fixed_text(key), check.text], values, check.needs_review
    )


def _clause_5_3(facts: Facts) -> ClauseResult:
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


def _clause_5_4(facts: Facts) -> ClauseResult:
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
        texts.both("cert.checked", name=fixed_text(f"cert.{found.claim}"), evidence=found.text)
        for found in checks
    ]
    review = bool(valid) and all(found.needs_review for found in valid)
    return _measured("5.4", bool(valid), parts, values, review)


_Check = Callable[[Facts], ClauseResult]

CHECKS: dict[str, _Check] = {
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
        return check(Facts(answers, ruleset))

    return run


#: One check per clause, each judging a plant's answers under a ruleset on its own.
CLAUSE_CHECKS: dict[str, ClauseCheck] = {
    clause: _on_answers(check) for clause, check in CHECKS.items()
}


__all__ = ["CHECKS", "CLAUSE_CHECKS", "ClauseCheck", "factor_line"]

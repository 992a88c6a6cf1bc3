"""What a verdict depends on: which settings differ between two versions of a ruleset, and
which of them judging a given set of answers reads at all.

Together they let a re-evaluation under a new version skip every session whose verdict
cannot change: a plant of another product category, another kind of waste mix, or one that
reported its energy as a total. Getting this wrong would leave a stale verdict standing, so
it lives beside the evaluator whose reading it describes.
"""

from __future__ import annotations

from criteria.answers import Answers
from criteria.facts import energy_figures, waste_mix
from criteria.ruleset import SETTABLE_GROUPS, Ruleset


def changed_settings(old: Ruleset, new: Ruleset) -> frozenset[str] | None:
    """Settable keys whose setting differs in any way; None when more than settings differ.

    None means "anything may differ": every session judged under `old` must be judged
    again in full. A set says that only these values differ, which lets a session that
    reads none of them keep its evaluation (see `reads_setting`).
    """
    if old.id != new.id:
        return None
    before = old.model_dump(mode="json")
    after = new.model_dump(mode="json")
    before.pop("version", None)
    after.pop("version", None)
    changed: set[str] = set()
    for group in SETTABLE_GROUPS:
        a, b = before.pop(group, None), after.pop(group, None)
        if not isinstance(a, dict) or not isinstance(b, dict) or a.keys() != b.keys():
            return None
        changed.update(f"{group}.{name}" for name in a if a[name] != b[name])
    if before != after:
        return None
    return frozenset(changed)


def reads_setting(answers: Answers, ruleset: Ruleset, key: str) -> bool:
    """Whether judging these answers looks at the setting `key` at all.

    Table 2 has one row per product category and Table 1 one row per kind of waste mix.
    The standard-coal factors are read when the energy is given by carrier, and a factor
    also where its carrier is reported beside a total: the evaluation's conversion table
    quotes it. Anything else (localisation, settings added later) is taken as read by
    every session.
    """
    group, _, name = key.partition(".")
    if group == "energy":
        return answers.product_category == name
    if group == "waste":
        return waste_mix(answers, ruleset).category == name
    if group == "factors":
        figures = energy_figures(answers, ruleset)
        return not figures.from_total or any(use.carrier == name for use in figures.uses)
    return True


__all__ = ["changed_settings", "reads_setting"]

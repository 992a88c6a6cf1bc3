"""The evaluation period: twelve consecutive months, recent enough at the evaluation date.

Both limits are ruleset data; a period that breaks them is not failed (the guideline sets
no clause for it) but flagged with a clear reason, since every figure is judged over it.
"""

from __future__ import annotations

from datetime import date, timedelta

from criteria.answers import Answers
from criteria.plausibility import ReviewNote
from criteria.ruleset import Ruleset
from criteria.texts import catalogue

#: What the code of every note on the period (below) starts with: how a stored
#: evaluation's period notes are told from its other review reasons.
NOTE_PREFIX = "period_"


def add_months(day: date, months: int) -> date:
    """The same day `months` later (clamped to the month's end)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise ValueError(day)  # pragma: no cover - 28 always exists


def period_notes(answers: Answers, ruleset: Ruleset, on: date) -> list[ReviewNote]:
    rule = ruleset.period
    start, end = answers.enterprise.period_start, answers.enterprise.period_end
    if rule is None:
        return []
    texts = catalogue()
    if start is None and end is None:
        return []  # nothing claimed: the interview always asks; a bare document may omit it
    if start is None or end is None:
        return [
            ReviewNote(
                "period_missing", texts.both("review.period_missing", months=str(rule.months))
            )
        ]
    notes: list[ReviewNote] = []
    expected_end = add_months(start, rule.months) - timedelta(days=1)
    if end != expected_end:
        notes.append(
            ReviewNote(
                "period_length",
                texts.both(
                    "review.period_length",
                    start=start.isoformat(),
                    end=end.isoformat(),
                    months=str(rule.months),
                    expected=expected_end.isoformat(),
                    days=str((end - start).days + 1),
                ),
            )
        )
    oldest = add_months(on, -rule.max_age_months)
    if end < oldest:
        notes.append(
            ReviewNote(
                "period_stale",
                texts.both(
                    "review.period_stale",
                    end=end.isoformat(),
                    on=on.isoformat(),
                    age=str(rule.max_age_months),
                ),
            )
        )
    elif end > on:
        notes.append(
            ReviewNote(
                "period_future",
                texts.both("review.period_future", end=end.isoformat(), on=on.isoformat()),
            )
        )
    return notes

"""Energy figures a sintered-brick plant cannot have, each turned into a reason to review.

The bands are ruleset data with their reasoning; this module only compares. A flagged
figure is not failed: the plant may be right, and the assessor decides.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from criteria.answers import Answers
from criteria.energy_accounting import CarrierUse
from criteria.figures import figure
from criteria.ruleset import Ruleset
from criteria.texts import Text, catalogue


@dataclass(frozen=True)
class ReviewNote:
    """Why an assessor should look: a stable code and the sentence in both languages."""

    code: str
    text: Text


def energy_notes(
    answers: Answers,
    ruleset: Ruleset,
    uses: list[CarrierUse],
    unit_energy: Fraction | None,
    from_total: bool,
) -> list[ReviewNote]:
    band = ruleset.plausibility
    if band is None or unit_energy is None:
        return []
    texts = catalogue()
    notes: list[ReviewNote] = []
    limits = band.unit_energy
    low, high = Fraction(limits.low), Fraction(limits.high)
    energy = answers.energy
    source = limits.source.text
    # A figure far below 1 keeps its significant digits: "0" would hide the slip.
    value = (
        figure(unit_energy, limits.low if unit_energy < low else limits.high)
        if unit_energy >= 1
        else figure(unit_energy, places=6)
    )
    if from_total and energy.total_kgce is not None and unit_energy < low:
        total = Fraction(energy.total_kgce)
        if low <= total <= high:
            notes.append(
                ReviewNote(
                    "total_looks_per_tonne",
                    texts.both(
                        "review.total_per_tonne",
                        total=figure(energy.total_kgce, places=None),
                        output=figure(energy.output_t, places=None),
                        value=value,
                    ),
                )
            )
            return notes
    electricity_only = (
        bool(uses)
        and all(use.carrier == "electricity_kwh" for use in uses if use.counted)
        and not from_total
    )
    if electricity_only and energy.firing is not None:
        notes.append(
            ReviewNote(
                "electricity_only_fired_kiln",
                texts.both(
                    "review.electricity_only",
                    firing=texts.both(f"firing.{energy.firing}"),
                    value=value,
                    source=band.electricity_source.text,
                ),
            )
        )
    elif electricity_only and unit_energy <= Fraction(band.electricity_only_max_kgce_per_t):
        notes.append(
            ReviewNote(
                "electricity_only",
                texts.both(
                    "review.electricity_only_unknown",
                    value=value,
                    source=band.electricity_source.text,
                ),
            )
        )
    if unit_energy < low or unit_energy > high:
        magnitude = Fraction(band.magnitude)
        typical = Fraction(limits.typical_low) <= unit_energy * magnitude <= Fraction(
            limits.typical_high
        ) or Fraction(limits.typical_low) <= unit_energy / magnitude <= Fraction(
            limits.typical_high
        )
        notes.append(
            ReviewNote(
                "unit_energy_implausible",
                texts.both(
                    "review.magnitude" if typical else "review.unit_energy_band",
                    value=value,
                    low=figure(limits.low, places=None),
                    high=figure(limits.high, places=None),
                    source=source,
                ),
            )
        )
    return notes


def confirmed(answers: Answers, notes: list[ReviewNote]) -> list[ReviewNote]:
    """The notes, led by the plant's own word when it was asked back and kept its figures:
    the assessor reads that the figure is not a slip the plant overlooked."""
    if not notes or not answers.energy.plausibility_confirmed:
        return notes
    texts = catalogue()
    return [
        ReviewNote(f"{note.code}_confirmed", texts.both("review.confirmed", reason=note.text))
        for note in notes
    ]


__all__ = ["ReviewNote", "confirmed", "energy_notes"]

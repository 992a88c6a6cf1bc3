"""Figures shown beside a threshold, for every surface (chat, text report, PDF, Excel).

A figure is shown with as many decimals as it takes for the shown value to sit on the
same side of the threshold as the exact one: 46.000003 never reads "46.00" beside a
failed "<= 46", and 79.9999 % never reads "80.00 %" beside a failed 5.1 a).
"""

from __future__ import annotations

from decimal import Decimal

from criteria._numbers import fixed, shown


def figure_beside(value: str | Decimal, threshold: str | Decimal | None, places: int = 2) -> str:
    """`value` with `places` decimals, or more when fewer would make it read as `threshold`."""
    number = Decimal(value)
    if threshold is None or threshold == "":
        return fixed(number, places)
    return shown(number, Decimal(threshold), places)


__all__ = ["figure_beside"]

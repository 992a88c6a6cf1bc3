"""A settable value moved by a step, the way the re-evaluation tests move thresholds."""

from __future__ import annotations

from decimal import Decimal

from criteria import Ruleset


def moved(ruleset: Ruleset, key: str, shift: int | Decimal) -> str:
    """`key`'s value moved by `shift`: a standard-coal factor by `shift` per cent, the
    localisation radius by ten times `shift` km (at least 1), any other value (a percentage
    or a Table 2 value) by `shift` itself, kept within 1 to 100."""
    current = ruleset.setting(key).value
    if key.startswith("factors."):
        return str(current * (1 + Decimal(shift) / 100))
    if key == "localisation.radius_km":
        return str(max(current + 10 * shift, Decimal(1)))
    return str(min(max(current + shift, Decimal(1)), Decimal(100)))

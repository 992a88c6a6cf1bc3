"""Thresholds as versioned data: how two versions differ, and a new version planned and stored.

A change never edits a version: it stores a new one (the packaged YAML stays version 1),
so every stored verdict remains explainable by the ruleset version it names. The chat
(`bot/services/admin.py`) and the command line (`bot/cli/admin.py`) plan and store changes through
these functions; neither the role check nor any rendering lives here.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from bot.services.rulesets import RulesetProvider
from conversations import Catalogue
from criteria import Ruleset, RulesetError, changed_settings
from criteria.figures import figure
from criteria.ruleset import SettableKey
from criteria.texts import Text
from storage import BASELINE_RULESET_VERSION as BASELINE_VERSION
from storage import ConcurrentUpdate, UnitOfWork


class AdminError(Exception):
    """A refusal with a message fit for the admin; `params` may hold zh/en Text pairs."""

    def __init__(self, text_key: str, /, **params: object) -> None:
        super().__init__(text_key)
        self.text_key = text_key
        self.params = params

    @classmethod
    def from_criteria(cls, exc: RulesetError) -> AdminError:
        return cls("admin.error.ruleset", message=Text(exc.message, exc.message_en))

    def render(self, catalogue: Catalogue, lang: str) -> str:
        params = {k: (v.get(lang) if isinstance(v, Text) else v) for k, v in self.params.items()}
        return catalogue.raw(self.text_key, lang).format(**params)


# -- versions -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Difference:
    """One setting that differs between two versions."""

    key: str
    old: Decimal
    new: Decimal
    setting: SettableKey

    def as_audit(self) -> tuple[str, str]:
        return format(self.old, "f"), format(self.new, "f")


def differences(old: Ruleset, new: Ruleset) -> list[Difference]:
    """The settings whose value differs, in the ruleset's own order."""
    before = {s.key: s for s in old.settable_keys()}
    found = []
    for setting in new.settable_keys():
        previous = before.get(setting.key)
        if previous is not None and previous.value != setting.value:
            found.append(Difference(setting.key, previous.value, setting.value, setting))
    return found


async def load_version(uow: UnitOfWork, provider: RulesetProvider, version: int) -> Ruleset | None:
    """Version 1 is the packaged baseline; later ones are stored edits."""
    if version == BASELINE_VERSION:
        return provider.baseline
    row = await uow.rulesets.get(provider.ruleset_id, version)
    return Ruleset.model_validate(row.values) if row is not None else None


async def next_version(uow: UnitOfWork, provider: RulesetProvider) -> int:
    latest = await uow.rulesets.latest(provider.ruleset_id)
    return (latest.version if latest is not None else BASELINE_VERSION) + 1


async def known_versions(uow: UnitOfWork, provider: RulesetProvider) -> list[int]:
    stored = [row.version for row in await uow.rulesets.history(provider.ruleset_id)]
    return sorted({BASELINE_VERSION, *stored})


# -- planning and applying a change ---------------------------------------------------------


@dataclass(frozen=True)
class RulesetChange:
    """A new version, worked out but not stored: what a preview shows and a confirm saves."""

    action: str  # "set" or "rollback"
    base: Ruleset
    candidate: Ruleset
    differences: list[Difference]
    #: For a rollback: the version whose values come back.
    restored: int | None = None

    @property
    def ruleset_id(self) -> str:
        return self.candidate.id

    @property
    def version(self) -> int:
        return self.candidate.version


def clean_value(raw: str, unit: str) -> str:
    """What an admin typed as a number: full-width digits and a trailing unit accepted."""
    text = unicodedata.normalize("NFKC", raw).strip()
    folded_unit = unicodedata.normalize("NFKC", unit).strip().lower()
    if folded_unit and text.lower().endswith(folded_unit):
        text = text[: -len(folded_unit)].strip()
    return text


def note_without_unit(words: Sequence[str], unit: str) -> str:
    """The note after `/set KEY VALUE`, without a unit typed after the value."""
    parts = list(words)
    folded_unit = unicodedata.normalize("NFKC", unit).strip().lower()
    if parts and unicodedata.normalize("NFKC", parts[0]).strip().lower() == folded_unit:
        parts = parts[1:]
    return " ".join(parts).strip()


async def plan_value(
    uow: UnitOfWork, provider: RulesetProvider, key: str, raw_value: str
) -> RulesetChange:
    """A new version with one value changed, validated like a packaged ruleset."""
    active = await provider.active(uow)
    try:
        setting = active.setting(key)
        value = clean_value(raw_value, setting.unit)
        changed = active.with_value(key, value)
    except RulesetError as exc:
        raise AdminError.from_criteria(exc) from None
    found = differences(active, changed)
    if not found:
        raise AdminError(
            "admin.error.unchanged",
            key=key,
            value=figure(setting.value, places=None),
            unit=setting.unit,
        )
    candidate = changed.with_version(await next_version(uow, provider))
    return RulesetChange("set", active, candidate, found)


async def plan_rollback(uow: UnitOfWork, provider: RulesetProvider, version: int) -> RulesetChange:
    """A new version carrying the values of an earlier one (history is never rewritten)."""
    active = await provider.active(uow)
    earlier = await load_version(uow, provider, version)
    if earlier is None:
        versions = ", ".join(f"v{v}" for v in await known_versions(uow, provider))
        raise AdminError("admin.error.unknown_version", version=version, versions=versions)
    found = differences(active, earlier)
    if not found and changed_settings(active, earlier) == frozenset():
        raise AdminError("admin.error.same_as_active", target=version, version=active.version)
    candidate = earlier.with_version(await next_version(uow, provider))
    return RulesetChange("rollback", active, candidate, found, restored=version)


async def apply_change(
    uow: UnitOfWork, change: RulesetChange, author_id: int | None, note: str
) -> int:
    """Store the new version and its audit entry; ConcurrentUpdate if someone was faster."""
    row = await uow.rulesets.add(
        change.ruleset_id, change.candidate.model_dump(mode="json"), author_id, note
    )
    if row.version != change.version:
        raise ConcurrentUpdate(f"version {change.version} was taken; the store gave {row.version}")
    old_values: dict[str, Any] = {"version": change.base.version}
    new_values: dict[str, Any] = {"version": change.version}
    for diff in change.differences:
        old_values[diff.key], new_values[diff.key] = diff.as_audit()
    if change.restored is not None:
        new_values["restored"] = change.restored
    await uow.audit.add(
        author_id,
        f"ruleset.{change.action}",
        f"ruleset:{change.candidate.spec}",
        old_value=old_values,
        new_value=new_values,
        note=note,
    )
    return row.version


def parse_version(text: str) -> int | None:
    """A version as typed: 3, v3 or V3."""
    cleaned = unicodedata.normalize("NFKC", text).strip().lower().removeprefix("v")
    if cleaned.isascii() and cleaned.isdigit() and 0 < int(cleaned) < 2**31:
        return int(cleaned)
    return None


__all__ = [
    "AdminError",
    "Difference",
    "RulesetChange",
    "apply_change",
    "clean_value",
    "differences",
    "known_versions",
    "load_version",
    "next_version",
    "note_without_unit",
    "parse_version",
    "plan_rollback",
    "plan_value",
]

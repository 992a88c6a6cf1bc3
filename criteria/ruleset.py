"""Rulesets: the thresholds and conversion factors of a guideline, as versioned data.

A ruleset is a YAML file in `criteria/rulesets/` (files starting with "_" are not
rulesets) or, for versions made by an administrator, the same structure as a JSON object.
Both go through the same pydantic model, so a value that is wrong in a file is refused
exactly like a value typed in by an administrator, with the dotted path of the bad value.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Annotated, Any, Literal, NamedTuple

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    StringConstraints,
    ValidationError,
)
from pydantic_core import ErrorDetails, PydanticCustomError

from criteria._numbers import NumberProblem, plain, to_decimal
from criteria.errors import RulesetError
from criteria.figures import figure
from criteria.texts import Text, catalogue

DEFAULT_RULESET_ID = "sintered-wall-2020"
SETTABLE_GROUPS: tuple[str, ...] = ("waste", "energy", "localisation", "factors")

Bound = Literal["min", "max"] | None
# How each setting limits a plant: a minimum to reach, a maximum not to exceed, or neither
# (a conversion factor). Keyed by group, or by full key where a group mixes kinds.
_BOUNDS: dict[str, Bound] = {
    "waste": "min",
    "energy": "max",
    "localisation.min_ratio_pct": "min",
    "localisation.radius_km": "max",
    "factors": None,
}


@dataclass(frozen=True)
class Range:
    """Plausibility limits of one kind of setting.

    These are properties of the schema (a percentage cannot exceed 100, no brick needs
    500 kgce/t), not assessment values; they stop a slipped decimal point, nothing more.
    """

    low: Decimal
    high: Decimal
    unit: str
    low_open: bool = False

    def check(self, value: Decimal) -> Decimal:
        too_low = value <= self.low if self.low_open else value < self.low
        if too_low or value > self.high:
            raise PydanticCustomError(
                "out_of_range",
                "value {value} is outside {low}..{high}",
                {
                    "value": plain(value),
                    "low": plain(self.low),
                    "high": plain(self.high),
                    "unit": self.unit,
                    "low_open": self.low_open,
                },
            )
        return value


ENERGY_RANGE = Range(Decimal(1), Decimal(500), " kgce/t")
PERCENT_RANGE = Range(Decimal(0), Decimal(100), " %")
FACTOR_RANGE = Range(Decimal(0), Decimal(10), "", low_open=True)
DISTANCE_RANGE = Range(Decimal(1), Decimal(1000), " km")


def _number(value: object) -> Decimal:
    try:
        return to_decimal(value)
    except NumberProblem as problem:
        raise PydanticCustomError(problem.kind, "not a usable number") from None


NonEmptyText = Annotated[StrictStr, StringConstraints(min_length=1)]
EnergyValue = Annotated[Decimal, BeforeValidator(_number), AfterValidator(ENERGY_RANGE.check)]
PercentValue = Annotated[Decimal, BeforeValidator(_number), AfterValidator(PERCENT_RANGE.check)]
FactorValue = Annotated[Decimal, BeforeValidator(_number), AfterValidator(FACTOR_RANGE.check)]
DistanceValue = Annotated[Decimal, BeforeValidator(_number), AfterValidator(DISTANCE_RANGE.check)]


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LocalisedText(_Frozen):
    zh: NonEmptyText
    en: NonEmptyText

    def get(self, lang: str) -> str:
        return self.text.get(lang)

    @property
    def text(self) -> Text:
        return Text(self.zh, self.en)


class Setting(_Frozen):
    """One value with the clause and table (or standard) it comes from."""

    value: Decimal
    unit: NonEmptyText
    clause: NonEmptyText
    source: LocalisedText
    description: LocalisedText


class EnergyThreshold(Setting):
    value: EnergyValue


class PercentThreshold(Setting):
    value: PercentValue


class FactorRange(_Frozen):
    """The span a standard gives for a carrier whose factor depends on its quality."""

    low: FactorValue
    high: FactorValue


class Factor(Setting):
    value: FactorValue
    counts: StrictBool = True
    range: FactorRange | None = None


class Distance(Setting):
    value: DistanceValue


class ProductLabels(_Frozen):
    porous_brick: LocalisedText
    hollow_brick: LocalisedText
    insulation_brick: LocalisedText
    solid_product: LocalisedText


class WasteTable(_Frozen):
    """Table 1: minimum waste content per kind of mix."""

    coal_gangue_only: PercentThreshold
    fly_ash_only: PercentThreshold
    coal_gangue_plus_other: PercentThreshold
    other_only: PercentThreshold


class EnergyTable(_Frozen):
    """Table 2: maximum energy per unit product per product category."""

    porous_brick: EnergyThreshold
    hollow_brick: EnergyThreshold
    insulation_brick: EnergyThreshold
    solid_product: EnergyThreshold


class Localisation(_Frozen):
    min_ratio_pct: PercentThreshold
    radius_km: Distance


class Factors(_Frozen):
    """Standard-coal factors of the carriers counted by formula A.2."""

    electricity_kwh: Factor
    natural_gas_m3: Factor
    fuel_oil_kg: Factor
    diesel_kg: Factor
    raw_coal_kg: Factor
    lpg_kg: Factor
    purchased_heat_mj: Factor


class Cited(_Frozen):
    source: LocalisedText


class StandardCoal(Cited):
    value: Annotated[Decimal, BeforeValidator(_number), Field(gt=0)]


class InternalFuelRule(Cited):
    counts: StrictBool
    without_lcv: LocalisedText


class Accounting(_Frozen):
    """How e is assembled beyond the fixed factors: definitions and readings, with sources."""

    standard_coal_kj_per_kg: StandardCoal
    natural_gas_lcv: Cited
    internal_fuel: InternalFuelRule
    other_fuels: Cited


Positive = Annotated[Decimal, BeforeValidator(_number), Field(gt=0)]


class UnitEnergyBand(Cited):
    low: Positive
    high: Positive
    typical_low: Positive
    typical_high: Positive


class Plausibility(_Frozen):
    """What a sintered-brick plant can physically have; outside it an assessor looks."""

    unit_energy: UnitEnergyBand
    magnitude: Positive
    electricity_only_max_kgce_per_t: Positive
    electricity_source: LocalisedText


class PeriodRule(Cited):
    months: Annotated[StrictInt, Field(ge=1)]
    max_age_months: Annotated[StrictInt, Field(ge=0)]


class EvidenceRule(Cited):
    test_report_validity_months: Annotated[StrictInt, Field(ge=1)]


class FuelEmission(_Frozen):
    ncv_gj_per_unit: Positive | None
    carbon_t_per_tj: Positive
    oxidation: Annotated[Decimal, BeforeValidator(_number), Field(gt=0, le=1)]


class CarbonFactors(Cited):
    """Emission factors of the carbon estimate (not part of the verdict)."""

    electricity_kg_per_kwh: Positive
    heat_kg_per_mj: Positive
    fuels: dict[str, FuelEmission]


class SettableKey(NamedTuple):
    """One value an administrator may change, with where it comes from."""

    key: str
    value: Decimal
    unit: str
    source: str
    source_en: str
    description: str
    description_en: str
    clause: str
    bound: Bound


class Ruleset(_Frozen):
    """A complete, validated ruleset. Immutable: changes make a new one."""

    id: Annotated[StrictStr, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")]
    version: Annotated[StrictInt, Field(ge=1)]
    title: LocalisedText
    issued: date
    product_categories: ProductLabels
    waste: WasteTable
    energy: EnergyTable
    localisation: Localisation
    factors: Factors
    accounting: Accounting | None = None
    plausibility: Plausibility | None = None
    period: PeriodRule | None = None
    evidence: EvidenceRule | None = None
    carbon: CarbonFactors | None = None

    @property
    def spec(self) -> str:
        """`id@version`, the form used to name a ruleset on the command line and in reports."""
        return f"{self.id}@{self.version}"

    @classmethod
    def from_dict(cls, data: object, name: str | Text | None = None) -> Ruleset:
        """Validate plain data; a bad value raises RulesetError naming its dotted path."""
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise _invalid(exc, name) from None

    @classmethod
    def from_yaml(cls, text: str, name: str | Text | None = None) -> Ruleset:
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            label = name if name is not None else catalogue().both("ruleset.data_name")
            message = catalogue().both("ruleset.error.yaml", name=label, reason=str(exc))
            raise RulesetError(message) from None
        return cls.from_dict(data, name)

    def category_label(self, category: str, lang: str = "zh") -> str:
        label = getattr(self.product_categories, category, None)
        if not isinstance(label, LocalisedText):
            raise KeyError(f"unknown product category {category!r}")
        return label.get(lang)

    def energy_threshold(self, category: str) -> EnergyThreshold:
        setting = getattr(self.energy, category, None)
        if not isinstance(setting, EnergyThreshold):
            raise KeyError(f"unknown product category {category!r}")
        return setting

    def waste_threshold(self, row: str) -> PercentThreshold:
        setting = getattr(self.waste, row, None)
        if not isinstance(setting, PercentThreshold):
            raise KeyError(f"unknown Table 1 row {row!r}")
        return setting

    def factor(self, carrier: str) -> Factor:
        setting = getattr(self.factors, carrier, None)
        if not isinstance(setting, Factor):
            raise KeyError(f"unknown energy carrier {carrier!r}")
        return setting

    def _settings(self) -> Iterable[tuple[str, Setting]]:
        for group in SETTABLE_GROUPS:
            table = getattr(self, group)
            for name in type(table).model_fields:
                yield f"{group}.{name}", getattr(table, name)

    def setting(self, key: str) -> Setting:
        """The setting behind a dotted key such as `energy.porous_brick`."""
        for candidate, setting in self._settings():
            if candidate == key:
                return setting
        keys = catalogue().join("sep.enum", [Text(k, k) for k, _ in self._settings()])
        raise RulesetError(
            catalogue().both("ruleset.error.unknown_key", key=key, keys=keys), path=key
        )

    def settable_keys(self) -> list[SettableKey]:
        return [
            SettableKey(
                key=key,
                value=setting.value,
                unit=setting.unit,
                source=setting.source.zh,
                source_en=setting.source.en,
                description=setting.description.zh,
                description_en=setting.description.en,
                clause=setting.clause,
                bound=_BOUNDS.get(key, _BOUNDS.get(key.split(".", 1)[0])),
            )
            for key, setting in self._settings()
        ]

    def with_value(self, key: str, value: Decimal | str | int | float) -> Ruleset:
        """A copy with one value changed, validated like a loaded ruleset.

        The version is kept; whoever stores the new ruleset gives it its version number
        (see with_version).
        """
        self.setting(key)
        group, name = key.split(".", 1)
        data = self.model_dump(mode="python")
        data[group][name]["value"] = value
        try:
            return type(self).model_validate(data)
        except ValidationError as exc:
            problem = _problem(exc.errors()[0])
            raise RulesetError(
                catalogue().both("ruleset.error.bad_value", key=key, problem=problem),
                path=f"{key}.value",
            ) from None

    def with_version(self, version: int) -> Ruleset:
        if isinstance(version, bool) or not isinstance(version, int) or version < 1:
            raise RulesetError(
                catalogue().both("ruleset.error.bad_version", version=str(version)),
                path="version",
            )
        return self.model_copy(update={"version": version})


_PROBLEM_KEYS = {
    "missing": "ruleset.problem.missing",
    "extra_forbidden": "ruleset.problem.unknown",
    "not_a_number": "ruleset.problem.not_a_number",
    "not_finite": "ruleset.problem.not_finite",
    "too_large": "ruleset.problem.too_large",
    "too_precise": "ruleset.problem.too_precise",
    "string_type": "ruleset.problem.not_text",
    "string_too_short": "ruleset.problem.not_text",
    "int_type": "ruleset.problem.not_integer",
    "int_parsing": "ruleset.problem.not_integer",
    "int_from_float": "ruleset.problem.not_integer",
    "greater_than_equal": "ruleset.problem.not_integer",
    "model_type": "ruleset.problem.not_mapping",
    "model_attributes_type": "ruleset.problem.not_mapping",
    "dict_type": "ruleset.problem.not_mapping",
    "string_pattern_mismatch": "ruleset.problem.bad_id",
}


def _problem(error: ErrorDetails) -> Text:
    kind = error["type"]
    ctx: Mapping[str, Any] = error.get("ctx") or {}
    texts = catalogue()
    if kind == "out_of_range":
        key = "ruleset.problem.range_open_low" if ctx["low_open"] else "ruleset.problem.range"
        return texts.both(
            key,
            value=figure(ctx["value"], places=None),
            low=figure(ctx["low"], places=None),
            high=figure(ctx["high"], places=None),
            unit=ctx["unit"],
        )
    if kind in _PROBLEM_KEYS:
        return texts.both(_PROBLEM_KEYS[kind])
    if kind.startswith("date_"):
        return texts.both("ruleset.problem.not_date")
    return texts.both("ruleset.problem.other", detail=error["msg"])


def _invalid(exc: ValidationError, name: str | Text | None) -> RulesetError:
    error = exc.errors()[0]
    path = ".".join(str(part) for part in error["loc"])
    label = name if name is not None else catalogue().both("ruleset.data_name")
    problem = _problem(error)
    if path:
        message = catalogue().both("ruleset.error.invalid", name=label, path=path, problem=problem)
    else:
        message = catalogue().both("ruleset.error.invalid_root", name=label, problem=problem)
    return RulesetError(message, path=path)


def parse_ruleset_spec(spec: str) -> tuple[str, int | None]:
    """Split `ID` or `ID@VERSION` as written on the command line."""
    ruleset_id, sep, version = spec.strip().partition("@")
    if not ruleset_id or (sep and not version.isdigit()) or (sep and int(version) < 1):
        raise RulesetError(catalogue().both("ruleset.error.spec", spec=spec))
    return ruleset_id, int(version) if sep else None


class RulesetLibrary:
    """The rulesets found in one folder (or given as texts), indexed by id and version."""

    def __init__(self, rulesets: Iterable[tuple[str, Ruleset]]) -> None:
        self._rulesets: dict[tuple[str, int], Ruleset] = {}
        origins: dict[tuple[str, int], str] = {}
        for origin, ruleset in rulesets:
            key = (ruleset.id, ruleset.version)
            if key in origins:
                raise RulesetError(
                    catalogue().both(
                        "ruleset.error.duplicate",
                        id=ruleset.id,
                        version=str(ruleset.version),
                        first=origins[key],
                        second=origin,
                    )
                )
            origins[key] = origin
            self._rulesets[key] = ruleset

    @classmethod
    def from_texts(cls, texts: Mapping[str, str]) -> RulesetLibrary:
        """Rulesets from YAML texts keyed by file name (names starting with "_" are skipped)."""
        return cls(
            (name, Ruleset.from_yaml(text, name=name))
            for name, text in sorted(texts.items())
            if _is_ruleset_file(name)
        )

    @classmethod
    def from_directory(cls, directory: Traversable) -> RulesetLibrary:
        return cls.from_texts(
            {
                entry.name: entry.read_text(encoding="utf-8")
                for entry in directory.iterdir()
                if entry.is_file() and _is_ruleset_file(entry.name)
            }
        )

    def available(self) -> list[tuple[str, int]]:
        return sorted(self._rulesets)

    def load(self, ruleset_id: str = DEFAULT_RULESET_ID, version: int | None = None) -> Ruleset:
        """The given version, or the newest one when version is None."""
        versions = sorted(v for (rid, v) in self._rulesets if rid == ruleset_id)
        if not versions:
            ids = sorted({rid for rid, _ in self._rulesets})
            available = catalogue().join("sep.enum", [Text(i, i) for i in ids])
            raise RulesetError(
                catalogue().both("ruleset.error.unknown_id", id=ruleset_id, available=available)
            )
        chosen = versions[-1] if version is None else version
        if chosen not in versions:
            listed = catalogue().join("sep.enum", [Text(str(v), str(v)) for v in versions])
            raise RulesetError(
                catalogue().both(
                    "ruleset.error.unknown_version",
                    id=ruleset_id,
                    version=str(version),
                    versions=listed,
                )
            )
        return self._rulesets[(ruleset_id, chosen)]


def _is_ruleset_file(name: str) -> bool:
    return name.endswith(".yaml") and not name.startswith("_")


@lru_cache(maxsize=1)
def packaged_library() -> RulesetLibrary:
    """The rulesets shipped in criteria/rulesets (read once)."""
    return RulesetLibrary.from_directory(resources.files("criteria").joinpath("rulesets"))


def load_ruleset(ruleset_id: str = DEFAULT_RULESET_ID, version: int | None = None) -> Ruleset:
    """A packaged ruleset; the newest version when version is None."""
    return packaged_library().load(ruleset_id, version)


def ruleset_title(ruleset_id: str) -> Text | None:
    """A packaged ruleset's title (zh, en), None for an id not packaged here. The title is
    the guideline's and stays the same across the versions of its thresholds."""
    try:
        title = load_ruleset(ruleset_id).title
    except RulesetError:
        return None
    return Text(title.zh, title.en)


def available_rulesets() -> list[tuple[str, int]]:
    """(id, version) of every packaged ruleset, sorted."""
    return packaged_library().available()

"""The answers document: what a plant claims, as produced by the interview.

Sections and fields left out mean nothing is claimed (false or 0). Anything that is there
must be right: unknown keys are refused so a typo is named rather than silently ignored,
and the cross-field rules (waste percentages, local vs total, output vs energy) are part of
the model so an `Answers` object is always consistent.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictStr,
    ValidationError,
    WithJsonSchema,
    model_validator,
)
from pydantic_core import ErrorDetails, PydanticCustomError

from criteria._numbers import NumberProblem, to_decimal
from criteria.errors import AnswerProblem, InvalidAnswers
from criteria.figures import figure
from criteria.texts import Text, catalogue
from criteria.vocabulary import CARRIERS, PRODUCT_CATEGORIES, Claim, Firing, ProductCategory

_NUMERIC_STRING = r"^\s*\+?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$"


def _number(value: object) -> Decimal:
    try:
        return to_decimal(value)
    except NumberProblem as problem:
        raise PydanticCustomError(problem.kind, "not a usable number") from None


def _iso_date(value: object) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise PydanticCustomError("not_a_date", "not an ISO date")


Amount = Annotated[
    Decimal,
    BeforeValidator(_number),
    Field(ge=0),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "minimum": 0},
                {"type": "string", "pattern": _NUMERIC_STRING},
            ]
        }
    ),
]
Percent = Annotated[
    Decimal,
    BeforeValidator(_number),
    Field(ge=0, le=100),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "minimum": 0, "maximum": 100},
                {"type": "string", "pattern": _NUMERIC_STRING},
            ]
        }
    ),
]
IsoDate = Annotated[
    date, BeforeValidator(_iso_date), WithJsonSchema({"type": "string", "format": "date"})
]
ZERO = Decimal(0)


def _rule(kind: str, field: str, **params: str) -> PydanticCustomError:
    """A cross-field rule broken; `field` is the answer the user should change."""
    context = {"kind": kind, "field": field, **params}
    return PydanticCustomError(kind, "answers rule {kind} broken", context)


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Enterprise(_Section):
    name: StrictStr = ""
    credit_code: StrictStr = ""
    contact_person: StrictStr | None = None
    contact_phone: StrictStr | None = None
    plant_location: StrictStr | None = None
    period_start: IsoDate | None = None
    period_end: IsoDate | None = None

    @model_validator(mode="after")
    def _period_in_order(self) -> Enterprise:
        if self.period_start and self.period_end and self.period_end < self.period_start:
            raise _rule(
                "period_order",
                "period_end",
                start=self.period_start.isoformat(),
                end=self.period_end.isoformat(),
            )
        return self


class Basic(_Section):
    lawful_operation: StrictBool = False
    white_list: StrictBool = False
    quality_management: StrictBool = False
    environmental_management: StrictBool = False
    metering: StrictBool = False
    product_quality: StrictBool = False


class SolidWaste(_Section):
    coal_gangue_pct: Percent = ZERO
    fly_ash_pct: Percent = ZERO
    other_pct: Percent = ZERO
    third_party_report: StrictBool = False

    @model_validator(mode="after")
    def _sum_at_most_100(self) -> SolidWaste:
        shares = {
            "coal_gangue_pct": self.coal_gangue_pct,
            "fly_ash_pct": self.fly_ash_pct,
            "other_pct": self.other_pct,
        }
        total = sum(shares.values(), ZERO)
        if total > 100:
            # Point at the last share given: that is the one that tipped the sum over.
            culprit = [name for name, share in shares.items() if share > 0][-1]
            raise _rule("waste_sum", culprit, total=figure(total, places=None))
        return self


class RawMaterials(_Section):
    local_t: Amount = ZERO
    total_t: Amount = ZERO
    evidence: StrictBool = False

    @model_validator(mode="after")
    def _local_within_total(self) -> RawMaterials:
        if self.local_t > self.total_t:
            raise _rule(
                "local_exceeds_total",
                "local_t",
                local=figure(self.local_t, places=None),
                total=figure(self.total_t, places=None),
            )
        return self


class OtherFuel(_Section):
    """A carrier the document has no field for, with the factor and source the plant gives."""

    name: StrictStr
    amount: Amount = ZERO
    unit: StrictStr = ""
    kgce_per_unit: Amount = ZERO
    source: StrictStr = ""


class Energy(_Section):
    output_t: Amount = ZERO
    electricity_kwh: Amount = ZERO
    natural_gas_m3: Amount = ZERO
    fuel_oil_kg: Amount = ZERO
    diesel_kg: Amount = ZERO
    total_kgce: Amount | None = None
    energy_management_certified: StrictBool = False
    firing: Firing | None = None
    raw_coal_kg: Amount = ZERO
    lpg_kg: Amount = ZERO
    purchased_heat_mj: Amount = ZERO
    natural_gas_lcv_kj_per_m3: Amount | None = None
    internal_fuel_kg: Amount = ZERO
    internal_fuel_lcv_kj_per_kg: Amount | None = None
    other_fuels: list[OtherFuel] = Field(default_factory=list)
    # The plant was asked back about figures a sintered-brick plant cannot have and said
    # they are right: the assessor then checks them against the ledgers.
    plausibility_confirmed: StrictBool | None = None

    def carrier(self, name: str) -> Decimal:
        if name not in CARRIERS:
            raise KeyError(f"unknown energy carrier {name!r}")
        value: Decimal = getattr(self, name)
        return value

    @property
    def energy_claimed(self) -> bool:
        return (
            any(self.carrier(name) > 0 for name in CARRIERS)
            or self.internal_fuel_kg > 0
            or any(fuel.amount > 0 for fuel in self.other_fuels)
            or bool(self.total_kgce and self.total_kgce > 0)
        )

    @model_validator(mode="after")
    def _output_when_energy(self) -> Energy:
        if self.output_t == 0 and self.energy_claimed:
            raise _rule("output_missing", "output_t")
        return self


class Ghg(_Section):
    accounted: StrictBool = False
    published: StrictBool = False


class Certifications(_Section):
    miit_green_manufacturing: StrictBool = False
    samr_product_certification: StrictBool = False
    environmental_label: StrictBool = False
    other_recognised: StrictBool = False


class EvidenceItem(_Section):
    """The certificate or report behind one claim, as the plant describes it.

    For a test report `issuer` is the laboratory, `issued` the report date, `cma_number`
    its CMA number where it has one and `content_pct` the content it measured. A
    management system without a certificate is described by `kind: manual_and_audit`
    (its manual and internal-audit records, for the assessor to judge).
    """

    kind: Literal["certificate", "report", "manual_and_audit"] | None = None
    number: StrictStr | None = None
    issuer: StrictStr | None = None
    issued: IsoDate | None = None
    expires: IsoDate | None = None
    standard: StrictStr | None = None
    cma_number: StrictStr | None = None
    content_pct: Percent | None = None
    file: StrictStr | None = None


class Answers(_Section):
    """One plant's answers to the green list interview."""

    enterprise: Enterprise = Field(default_factory=Enterprise)
    product_category: ProductCategory | None = None
    basic: Basic = Field(default_factory=Basic)
    solid_waste: SolidWaste = Field(default_factory=SolidWaste)
    raw_materials: RawMaterials = Field(default_factory=RawMaterials)
    energy: Energy = Field(default_factory=Energy)
    ghg: Ghg = Field(default_factory=Ghg)
    certifications: Certifications = Field(default_factory=Certifications)
    evidence: dict[Claim, EvidenceItem] = Field(default_factory=dict)


_MESSAGE_KEYS = {
    "extra_forbidden": "answers.error.unknown_field",
    "bool_type": "answers.error.not_bool",
    "string_type": "answers.error.not_text",
    "not_a_number": "answers.error.not_number",
    "not_finite": "answers.error.not_finite",
    "finite_number": "answers.error.not_finite",
    "too_large": "answers.error.too_large",
    "too_precise": "answers.error.too_precise",
    "greater_than_equal": "answers.error.negative",
    "less_than_equal": "answers.error.percent_range",
    "not_a_date": "answers.error.not_date",
    "model_type": "answers.error.section_not_object",
    "model_attributes_type": "answers.error.section_not_object",
    "dict_type": "answers.error.section_not_object",
    "waste_sum": "answers.error.waste_sum",
    "local_exceeds_total": "answers.error.local_exceeds_total",
    "output_missing": "answers.error.output_missing",
    "period_order": "answers.error.period_order",
}
_RULE_PARAMS = ("total", "local", "start", "end")


def _label(path: str) -> Text:
    key = f"answers.field.{path}"
    texts = catalogue()
    return texts.both(key) if key in texts else Text(path, path)


def _describe(error: ErrorDetails) -> AnswerProblem:
    loc = [str(part) for part in error["loc"]]
    ctx: Mapping[str, Any] = error.get("ctx") or {}
    if "field" in ctx:
        loc.append(str(ctx["field"]))
    path = ".".join(loc)
    kind = error["type"]
    texts = catalogue()
    if not path:
        text = texts.both("answers.error.not_object")
    elif kind == "literal_error":
        value = str(error.get("input"))[:40]
        choices = texts.join("sep.enum", [Text(c, c) for c in PRODUCT_CATEGORIES])
        text = texts.both("answers.error.unknown_category", value=value, choices=choices)
    elif kind == "extra_forbidden":
        text = texts.both("answers.error.unknown_field", field=path)
    elif kind in _MESSAGE_KEYS:
        params = {name: str(ctx[name]) for name in _RULE_PARAMS if name in ctx}
        text = texts.both(_MESSAGE_KEYS[kind], label=_label(path), **params)
    else:
        text = texts.both("answers.error.invalid", label=_label(path), detail=error["msg"])
    return AnswerProblem(path, text.zh, text.en)


def parse_answers(data: Any) -> Answers:
    """Validate an answers document (a dict from JSON); raise InvalidAnswers if it is wrong."""
    if isinstance(data, Answers):
        return data
    try:
        return Answers.model_validate(data)
    except ValidationError as exc:
        raise InvalidAnswers([_describe(error) for error in exc.errors()]) from None


_SECTIONS = {
    "Enterprise": "enterprise",
    "Basic": "basic",
    "SolidWaste": "solid_waste",
    "RawMaterials": "raw_materials",
    "Energy": "energy",
    "Ghg": "ghg",
    "Certifications": "certifications",
    "OtherFuel": "energy.other_fuels",
    "EvidenceItem": "evidence",
}


def answers_json_schema() -> dict[str, Any]:
    """JSON Schema of the answers document, titled in English and described in Chinese."""
    schema = Answers.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    texts = catalogue()

    def label(properties: dict[str, Any], prefix: str) -> None:
        for name, prop in properties.items():
            key = f"answers.field.{prefix}{name}"
            if key in texts:
                prop["title"] = texts.get(key, "en")
                prop["description"] = texts.get(key, "zh")

    label(schema["properties"], "")
    for model_name, definition in schema.get("$defs", {}).items():
        section = _SECTIONS.get(model_name)
        if section is not None:
            definition["title"] = texts.get(f"answers.field.{section}", "en")
            definition["description"] = texts.get(f"answers.field.{section}", "zh")
            label(definition["properties"], f"{section}.")
    return schema

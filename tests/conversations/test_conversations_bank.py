"""The question bank is data: what it must cover, and the mistakes refused when it loads."""

from __future__ import annotations

import copy
import re
from importlib import resources
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from conversations.bank import QuestionBank
from conversations.callbacks import MAX_BYTES, decode, encode

PACKAGED = yaml.safe_load(
    resources.files("conversations").joinpath("data/questions.yaml").read_text("utf-8")
)

# The answers document of DESIGN.md, field by field, plus the optional enterprise fields.
DOCUMENT_FIELDS = {
    "enterprise.name",
    "enterprise.credit_code",
    "enterprise.contact_person",
    "enterprise.contact_phone",
    "enterprise.plant_location",
    "enterprise.period_start",
    "enterprise.period_end",
    "product_category",
    "basic.lawful_operation",
    "basic.white_list",
    "basic.quality_management",
    "basic.environmental_management",
    "basic.metering",
    "basic.product_quality",
    "solid_waste.coal_gangue_pct",
    "solid_waste.fly_ash_pct",
    "solid_waste.other_pct",
    "solid_waste.third_party_report",
    "raw_materials.local_t",
    "raw_materials.total_t",
    "raw_materials.evidence",
    "energy.output_t",
    "energy.electricity_kwh",
    "energy.natural_gas_m3",
    "energy.fuel_oil_kg",
    "energy.diesel_kg",
    "energy.total_kgce",
    "energy.plausibility_confirmed",
    "energy.energy_management_certified",
    "energy.firing",
    "energy.raw_coal_kg",
    "energy.natural_gas_lcv_kj_per_m3",
    "energy.lpg_kg",
    "energy.purchased_heat_mj",
    "energy.internal_fuel_kg",
    "energy.internal_fuel_lcv_kj_per_kg",
    "ghg.accounted",
    "ghg.published",
    "certifications.miit_green_manufacturing",
    "certifications.samr_product_certification",
    "certifications.environmental_label",
    "certifications.other_recognised",
}
CLAUSES = {
    "4.1a", "4.1b", "4.2.1", "4.2.2", "4.3", "4.4",
    "5.1a", "5.1b", "5.2a", "5.2b", "5.3", "5.4a", "5.4b", "5.4c", "5.4d",
}  # fmt: skip


def bank_with(change: Any) -> QuestionBank:
    """The packaged bank after `change(data)` edits a copy of its YAML data."""
    data = copy.deepcopy(PACKAGED)
    change(data)
    return QuestionBank.model_validate(data)


def question(data: dict[str, Any], question_id: str) -> dict[str, Any]:
    return next(q for q in data["questions"] if q["id"] == question_id)


def test_the_packaged_bank_loads() -> None:
    bank = QuestionBank.load()
    assert bank.questions[0].id == "company_name"
    assert {q.section for q in bank.questions} == {s.id for s in bank.sections}


def test_every_field_of_the_answers_document_has_its_question() -> None:
    targets = {q.target for q in QuestionBank.load().questions if q.target}
    assert targets == DOCUMENT_FIELDS


def test_every_clause_of_the_guideline_is_asked_about() -> None:
    clauses = {q.clause for q in QuestionBank.load().questions}
    assert clauses >= CLAUSES


def test_file_rules_come_from_data() -> None:
    files = QuestionBank.load().files
    assert files.max_bytes == 20 * 1024 * 1024
    assert set(files.types) == {
        "pdf",
        "jpg",
        "jpeg",
        "png",
        "doc",
        "docx",
        "xls",
        "xlsx",
        "ofd",
        "zip",
    }
    assert files.allows("证书.PDF", None)
    assert files.allows(None, "image/png")
    assert not files.allows("setup.exe", "application/pdf")
    assert not files.allows(None, "application/x-msdownload")


def test_every_button_of_every_question_fits_in_callback_data() -> None:
    bank = QuestionBank.load()
    for q in bank.questions:
        datas = [encode(verb, q.id) for verb in ("d", "k", "s", "b", "h", "x")]
        datas += [encode("a", q.id, "y"), encode("a", q.id, "n")]
        datas += [encode("a", q.id, o.value) for o in q.options]
        datas += [encode("t", q.id, o.value) for o in q.options]
        datas += [encode("ed", q.id)]
        for data in datas:
            assert len(data.encode()) <= MAX_BYTES
            assert decode(data) is not None
    for section in bank.sections:
        assert decode(encode("rv", "sec", section.id)) is not None


def test_reordering_questions_is_a_data_change() -> None:
    def swap(data: dict[str, Any]) -> None:
        qs = data["questions"]
        a = next(i for i, q in enumerate(qs) if q["id"] == "contact_person")
        b = next(i for i, q in enumerate(qs) if q["id"] == "contact_phone")
        qs[a], qs[b] = qs[b], qs[a]

    bank = bank_with(swap)
    ids = [q.id for q in bank.questions]
    assert ids.index("contact_phone") < ids.index("contact_person")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda d: question(d, "qms_expiry").update(when={"quality_managment": True}),
            "'quality_managment', which is not an earlier question",
        ),
        (
            lambda d: question(d, "lawful_operation").update(when={"cert_miit": True}),
            "'cert_miit', which is not an earlier question",
        ),
        (
            lambda d: question(d, "coal_gangue_pct").update(
                when={"waste_types": {"contains": "slag"}}
            ),
            "has no option 'slag'",
        ),
        (
            lambda d: question(d, "coal_gangue_pct").update(when={"waste_types": "coal_gangue"}),
            "test 'waste_types' with contains/contains_any",
        ),
        (
            lambda d: question(d, "qms_expiry").update(when={"quality_management": "yes"}),
            "is yes/no; test it with true/false",
        ),
        (
            lambda d: question(d, "qms_expiry").update(when={"company_name": "x"}),
            "conditions test yes/no or choice answers",
        ),
        (
            lambda d: question(d, "qms_expiry").update(
                when={"quality_management": {"in": [True], "not_in": [False]}}
            ),
            "exactly one of",
        ),
        (
            lambda d: question(d, "raw_local_t").update(rules=[{"le": "output_total"}]),
            "'output_total', which is not an earlier question",
        ),
        (
            lambda d: question(d, "raw_total_t").update(rules=[{"le": "raw_local_t"}]),
            "'raw_local_t', which is not an earlier question",
        ),
        (
            lambda d: question(d, "raw_local_t").update(rules=[{"le": "raw_total_t", "ge": "x"}]),
            "a rule is exactly one of",
        ),
        (
            lambda d: question(d, "electricity_kwh").update(units={"kwh": 1, "furlong": 3}),
            "unknown unit 'furlong'",
        ),
        (
            lambda d: question(d, "electricity_kwh").update(units={"kwh": 2}),
            "has factor 1",
        ),
        (
            lambda d: question(d, "white_list").update(id="lawful_operation"),
            "repeats",
        ),
        (
            lambda d: question(d, "white_list").update(target="basic.lawful_operation"),
            "is also 'lawful_operation'",
        ),
        (
            lambda d: question(d, "white_list").update(section="misc"),
            "unknown section 'misc'",
        ),
        (
            lambda d: question(d, "white_list").update(kind="sometimes"),
            "kind",
        ),
        (
            lambda d: question(d, "qms_certificate").update(target="basic.certificate"),
            "cannot go into the answers document",
        ),
        (
            lambda d: question(d, "company_name").pop("max_length"),
            "has a max_length",
        ),
        (
            lambda d: question(d, "product_category").update(options=[]),
            "at least two options",
        ),
        (
            lambda d: d["units"]["kg"]["tokens"].append("吨"),
            "unit token '吨' belongs to 'kg' and 't'",
        ),
        (
            lambda d: question(d, "company_name").update(prompt="Company name?"),
            "prompt",
        ),
        (
            lambda d: question(d, "company_name").update(colour="green"),
            "colour",
        ),
        (
            lambda d: question(d, "product_category")["options"][0].update(
                value="a-very-long-option-value-that-would-overflow-callback-data"
            ),
            "value",
        ),
    ],
)
def test_mistakes_in_the_bank_are_refused_when_it_loads(change: Any, message: str) -> None:
    with pytest.raises(ValidationError, match=re.escape(message)):
        bank_with(change)


def test_skip_rules_apply_only_to_answers_that_apply_themselves() -> None:
    bank = QuestionBank.load()
    ids = {q.id for q in bank.applicable({"ghg_accounted": True, "ghg_published": True})}
    assert {"ghg_published", "ghg_publication"} <= ids
    # ghg_published's own answer no longer counts once ghg_accounted is "no".
    ids = {q.id for q in bank.applicable({"ghg_accounted": False, "ghg_published": True})}
    assert "ghg_published" not in ids
    assert "ghg_publication" not in ids


# Every skip rule of the packaged bank: answers, questions that then apply, and that don't.
SKIP_RULES = [
    (
        {"quality_management": True, "qms_proof": "certificate"},
        {
            "qms_proof",
            *{"qms_certificate_no", "qms_issuer", "qms_issued", "qms_expiry", "qms_certificate"},
        },
        {"qms_audit_date", "qms_manual_file"},
    ),
    (
        {"quality_management": True, "qms_proof": "manual_and_audit"},
        {"qms_audit_date", "qms_manual_file"},
        {"qms_certificate_no", "qms_issuer", "qms_issued", "qms_expiry", "qms_certificate"},
    ),
    (
        {"quality_management": False},
        set(),
        {
            "qms_proof",
            "qms_audit_date",
            "qms_manual_file",
            *{"qms_certificate_no", "qms_issuer", "qms_issued", "qms_expiry", "qms_certificate"},
        },
    ),
    (
        {"environmental_management": True, "ems_proof": "certificate"},
        {
            "ems_proof",
            *{"ems_certificate_no", "ems_issuer", "ems_issued", "ems_expiry", "ems_certificate"},
        },
        {"ems_audit_date", "ems_manual_file"},
    ),
    (
        {"environmental_management": True, "ems_proof": "manual_and_audit"},
        {"ems_audit_date", "ems_manual_file"},
        {"ems_certificate_no", "ems_issuer", "ems_issued", "ems_expiry", "ems_certificate"},
    ),
    (
        {"environmental_management": False},
        set(),
        {
            "ems_proof",
            "ems_audit_date",
            "ems_manual_file",
            *{"ems_certificate_no", "ems_issuer", "ems_issued", "ems_expiry", "ems_certificate"},
        },
    ),
    (
        {"waste_types": ["coal_gangue"], "waste_report": True},
        {"report_lab", "report_cma", "report_date", "report_content"},
        set(),
    ),
    (
        {"waste_types": ["coal_gangue"], "waste_report": False},
        set(),
        {"report_lab", "report_cma", "report_date", "report_content"},
    ),
    *(
        (
            {yes: True},
            {f"{prefix}_no", f"{prefix}_issuer", f"{prefix}_issued", f"{prefix}_expiry"},
            set(),
        )
        for yes, prefix in (
            ("energy_management", "enms"),
            ("cert_miit", "miit"),
            ("cert_samr", "samr"),
            ("cert_env_label", "envl"),
            ("cert_other", "other"),
        )
    ),
    *(
        (
            {yes: False},
            set(),
            {f"{prefix}_no", f"{prefix}_issuer", f"{prefix}_issued", f"{prefix}_expiry"},
        )
        for yes, prefix in (
            ("energy_management", "enms"),
            ("cert_miit", "miit"),
            ("cert_samr", "samr"),
            ("cert_env_label", "envl"),
            ("cert_other", "other"),
        )
    ),
    ({"energy_flag": "total_per_tonne"}, {"energy_check"}, set()),
    ({"energy_flag": "plausible"}, set(), {"energy_check"}),
    (
        {"waste_types": ["coal_gangue"]},
        {"coal_gangue_pct", "waste_report"},
        {"fly_ash_pct", "other_waste_pct", "waste_report_file"},
    ),
    (
        {"waste_types": ["fly_ash", "other"], "waste_report": True},
        {"fly_ash_pct", "other_waste_pct", "waste_report", "waste_report_file"},
        {"coal_gangue_pct"},
    ),
    (
        {"waste_types": ["other"], "waste_report": False},
        {"other_waste_pct", "waste_report"},
        {"waste_report_file"},
    ),
    (
        {"waste_types": ["none"]},
        set(),
        {"coal_gangue_pct", "fly_ash_pct", "other_waste_pct", "waste_report", "waste_report_file"},
    ),
    ({"raw_evidence": True}, {"raw_evidence_file"}, set()),
    ({"raw_evidence": False}, set(), {"raw_evidence_file"}),
    (
        {"energy_mode": "carriers"},
        {"electricity_kwh", "energy_carriers"},
        {"total_kgce", "natural_gas_m3", "raw_coal_kg", "internal_fuel_kg"},
    ),
    (
        {"energy_mode": "carriers", "energy_carriers": ["raw_coal", "diesel"]},
        {"raw_coal_kg", "diesel_kg"},
        {"natural_gas_m3", "natural_gas_lcv", "fuel_oil_kg", "lpg_kg", "biomass_kg"},
    ),
    (
        {"energy_mode": "carriers", "energy_carriers": ["natural_gas", "other_gas"]},
        {"natural_gas_m3", "natural_gas_lcv", "other_gas_m3", "other_gas_factor"},
        {"raw_coal_kg", "diesel_kg", "purchased_heat_mj"},
    ),
    (
        {"energy_mode": "carriers", "energy_carriers": ["biomass", "heat", "lpg", "fuel_oil"]},
        {"biomass_kg", "biomass_factor", "purchased_heat_mj", "lpg_kg", "fuel_oil_kg"},
        {"other_gas_m3", "other_gas_factor", "natural_gas_lcv"},
    ),
    (
        {"energy_mode": "carriers", "kiln_firing": "mixed"},
        {"internal_fuel_kg", "internal_fuel_lcv"},
        set(),
    ),
    (
        {"energy_mode": "carriers", "kiln_firing": "external"},
        set(),
        {"internal_fuel_kg", "internal_fuel_lcv"},
    ),
    (
        {"energy_mode": "total", "kiln_firing": "internal"},
        {"total_kgce"},
        {"electricity_kwh", "energy_carriers", "raw_coal_kg", "internal_fuel_kg"},
    ),
    ({"energy_management": True}, {"energy_management_file"}, set()),
    ({"energy_management": False}, set(), {"energy_management_file"}),
    ({"ghg_accounted": True}, {"ghg_published"}, {"ghg_publication"}),
    ({"ghg_accounted": True, "ghg_published": True}, {"ghg_publication"}, set()),
    ({"ghg_accounted": False}, set(), {"ghg_published", "ghg_publication"}),
    ({"cert_miit": True}, {"cert_miit_file"}, set()),
    ({"cert_samr": True}, {"cert_samr_file"}, set()),
    ({"cert_env_label": True}, {"cert_env_label_file"}, set()),
    ({"cert_other": True}, {"cert_other_name", "cert_other_file"}, set()),
    (
        {"cert_miit": False, "cert_samr": False, "cert_env_label": False, "cert_other": False},
        set(),
        {"cert_miit_file", "cert_samr_file", "cert_env_label_file", "cert_other_name"},
    ),
    # Nothing answered yet: no follow-up counts as applying.
    ({}, set(), {"qms_certificate_no", "coal_gangue_pct", "electricity_kwh", "total_kgce"}),
]


@pytest.mark.parametrize(("answers", "present", "absent"), SKIP_RULES)
def test_every_skip_rule(answers: dict[str, Any], present: set[str], absent: set[str]) -> None:
    ids = {q.id for q in QuestionBank.load().applicable(answers)}
    assert present <= ids
    assert not (absent & ids)


def test_every_conditional_question_is_covered_by_a_skip_rule_case() -> None:
    conditional = {q.id for q in QuestionBank.load().questions if q.when}
    covered = set().union(*(present | absent for _, present, absent in SKIP_RULES))
    assert conditional <= covered

"""The answers document the evaluator reads, as an interview builds it."""

from __future__ import annotations

from interview_driver import TYPED, VALID_CODE, Chat, typed
from interview_plans import ENGINE, NOT_QUALIFIED, TYPED_EVERYTHING, completed

from criteria import parse_answers


def test_the_happy_path_by_buttons_produces_the_designed_document() -> None:
    chat = completed()
    document = ENGINE.answers_document(chat.state)
    assert document == {
        "enterprise": {
            "name": TYPED["company_name"],
            "credit_code": VALID_CODE,
            "contact_person": "张伟",
            "contact_phone": "13812345678",
            "plant_location": TYPED["plant_location"],
            "period_start": "2024-01-01",
            "period_end": "2024-12-31",
        },
        "product_category": "porous_brick",
        "basic": {
            "lawful_operation": True,
            "white_list": True,
            "quality_management": True,
            "environmental_management": True,
            "metering": True,
            "product_quality": True,
        },
        "solid_waste": {
            "coal_gangue_pct": 85,
            "fly_ash_pct": 0,
            "other_pct": 0,
            "third_party_report": True,
        },
        "raw_materials": {"total_t": 52000, "local_t": 50000, "evidence": True},
        "energy": {
            "output_t": 120000,
            "electricity_kwh": 2400000,
            "natural_gas_m3": 3500000,
            "fuel_oil_kg": 0,
            "diesel_kg": 8000,
            "total_kgce": None,
            "energy_management_certified": True,
            "firing": "external",
            "raw_coal_kg": 0,
            "natural_gas_lcv_kj_per_m3": None,
            "lpg_kg": 0,
            "purchased_heat_mj": 0,
            "internal_fuel_kg": 0,
            "internal_fuel_lcv_kj_per_kg": None,
        },
        "ghg": {"accounted": True, "published": True},
        "certifications": {
            "miit_green_manufacturing": True,
            "samr_product_certification": True,
            "environmental_label": True,
            "other_recognised": True,
        },
        "evidence": {
            "quality_management": {
                "number": "00124Q31234R2M",
                "issuer": "中国质量认证中心",
                "issued": "2023-07-01",
                "expires": "2026-06-30",
                "kind": "certificate",
                "file": "u-qms_certificate.pdf",
            },
            "environmental_management": {
                "number": "00124E31234R2M",
                "issuer": "中国质量认证中心",
                "issued": "2023-07-01",
                "expires": "2026-06-30",
                "kind": "certificate",
                "file": "u-ems_certificate.pdf",
            },
            "third_party_report": {
                "issuer": "河北省建筑材料产品质量检验检测中心",
                "cma_number": "170312340123",
                "issued": "2025-01-10",
                "content_pct": 85,
                "kind": "report",
                "file": "u-waste_report_file.pdf",
            },
            **{
                claim: {
                    "number": f"{prefix.upper()}-2023-0001",
                    "issuer": "中国质量认证中心",
                    "issued": "2023-07-01",
                    "expires": "2026-06-30",
                    "kind": "certificate",
                    "file": f"u-{file}.pdf",
                }
                for claim, prefix, file in (
                    ("energy_management_certified", "enms", "energy_management_file"),
                    ("miit_green_manufacturing", "miit", "cert_miit_file"),
                    ("samr_product_certification", "samr", "cert_samr_file"),
                    ("environmental_label", "envl", "cert_env_label_file"),
                    ("other_recognised", "other", "cert_other_file"),
                )
            },
        },
    }
    parse_answers(document)


def test_typed_answers_give_the_same_document_as_buttons() -> None:
    by_buttons = ENGINE.answers_document(completed().state)
    by_typing = ENGINE.answers_document(completed(TYPED_EVERYTHING).state)
    assert by_typing == by_buttons


def test_a_total_in_standard_coal_replaces_the_carriers() -> None:
    energy = ENGINE.answers_document(completed(NOT_QUALIFIED).state)["energy"]
    assert energy == {
        "output_t": 100000,
        "electricity_kwh": 0,
        "natural_gas_m3": 0,
        "fuel_oil_kg": 0,
        "diesel_kg": 0,
        "total_kgce": 6000000,
        "energy_management_certified": False,
        "firing": "external",
        "raw_coal_kg": 0,
        "natural_gas_lcv_kj_per_m3": None,
        "lpg_kg": 0,
        "purchased_heat_mj": 0,
        "internal_fuel_kg": 0,
        "internal_fuel_lcv_kj_per_kg": None,
    }


def test_fractional_amounts_reach_criteria_exactly() -> None:
    chat = completed({"output_t": typed("120000.35"), "diesel_kg": typed("0.1229 t")})
    energy = ENGINE.answers_document(chat.state)["energy"]
    assert energy["output_t"] == 120000.35
    assert energy["diesel_kg"] == 122.9
    assert str(parse_answers(ENGINE.answers_document(chat.state)).energy.output_t) == "120000.35"


def test_a_draft_document_is_always_well_formed() -> None:
    chat = Chat(ENGINE)
    chat.answer_until("white_list")
    document = ENGINE.answers_document(chat.state)
    assert document["basic"]["white_list"] is False
    assert document["energy"]["total_kgce"] is None
    parse_answers(document)

"""Identifiers shared by the answers document, the rulesets and the evaluation.

These are names, not values: they fix the shape of the data (which product categories,
which Table 1 rows, which clauses exist). Thresholds live in the ruleset files.
"""

from __future__ import annotations

from typing import Literal, get_args

ProductCategory = Literal["porous_brick", "hollow_brick", "insulation_brick", "solid_product"]
PRODUCT_CATEGORIES: tuple[str, ...] = get_args(ProductCategory)

# Table 1 rows, in the order of the table.
WasteRow = Literal["coal_gangue_only", "fly_ash_only", "coal_gangue_plus_other", "other_only"]
WASTE_ROWS: tuple[str, ...] = get_args(WasteRow)

# A mix is one of the Table 1 rows, a mix no row covers, or no waste at all.
WasteCategory = Literal[
    "coal_gangue_only", "fly_ash_only", "coal_gangue_plus_other", "other_only", "uncovered", "none"
]
WASTE_CATEGORIES: tuple[str, ...] = get_args(WasteCategory)

# Energy carriers with a fixed standard-coal factor in the ruleset (formula A.2); the names
# are both the answers fields and the ruleset factor keys. Internal fuel and other fuels are
# converted by the calorific value or factor the plant gives.
Carrier = Literal[
    "electricity_kwh",
    "natural_gas_m3",
    "fuel_oil_kg",
    "diesel_kg",
    "raw_coal_kg",
    "lpg_kg",
    "purchased_heat_mj",
]
CARRIERS: tuple[str, ...] = get_args(Carrier)

# How the kiln is fired: fuel from outside, fuel mixed into the body, or both.
Firing = Literal["external", "internal", "mixed"]

# Claims the guideline ties to a certificate or a report.
Claim = Literal[
    "quality_management",
    "environmental_management",
    "energy_management_certified",
    "third_party_report",
    "miit_green_manufacturing",
    "samr_product_certification",
    "environmental_label",
    "other_recognised",
]
CLAIMS: tuple[str, ...] = get_args(Claim)

Certification = Literal[
    "miit_green_manufacturing",
    "samr_product_certification",
    "environmental_label",
    "other_recognised",
]
CERTIFICATIONS: tuple[str, ...] = get_args(Certification)

BasicClause = Literal["4.1a", "4.1b", "4.2.1", "4.2.2", "4.3", "4.4"]
IndicatorClause = Literal["5.1a", "5.1b", "5.2a", "5.2b", "5.3", "5.4"]
BASIC_CLAUSES: tuple[str, ...] = get_args(BasicClause)
INDICATOR_CLAUSES: tuple[str, ...] = get_args(IndicatorClause)
CLAUSE_IDS: tuple[str, ...] = BASIC_CLAUSES + INDICATOR_CLAUSES

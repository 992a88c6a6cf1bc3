"""Submitted sessions and staff for the admin tests, built through the real repositories.

Every plant here meets the basic requirements and passes no indicator except, possibly,
5.2 a): its unit energy E = total_kgce / output_t decides the verdict, so moving one
Table 2 value decides exactly which sessions change.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from bot.services.texts import load_catalogue
from conversations import InterviewState
from criteria import Ruleset, evaluate, load_ruleset, parse_answers
from storage import Database, Role, Status

OUTPUT_T = 100_000


def plant(name: str, category: str, unit_energy: str) -> dict[str, Any]:
    """An answers document whose only possible indicator is 5.2 a)."""
    energy = Decimal(unit_energy) * OUTPUT_T
    return {
        "enterprise": {"name": name, "credit_code": "91130185MA07LQ8K3P"},
        "product_category": category,
        "basic": {
            "lawful_operation": True,
            "white_list": True,
            "quality_management": True,
            "environmental_management": True,
            "metering": True,
            "product_quality": True,
        },
        "solid_waste": {"coal_gangue_pct": 0, "fly_ash_pct": 0, "other_pct": 0},
        "raw_materials": {"local_t": 0, "total_t": 0, "evidence": False},
        "energy": {"output_t": OUTPUT_T, "total_kgce": str(energy)},
        "ghg": {"accounted": False, "published": False},
        "certifications": {},
    }


@dataclass(frozen=True)
class Seeded:
    session_id: int
    owner_id: int
    qualified: bool


async def person(db: Database, user_id: int, name: str, role: Role, lang: str = "zh") -> None:
    async with db.unit_of_work() as uow:
        await uow.people.upsert(user_id, name, initial_language=lang)
        await uow.people.set_role(user_id, role.value)
        await uow.commit()


async def submitted(
    db: Database,
    owner_id: int,
    document: dict[str, Any],
    *,
    ruleset: Ruleset | None = None,
    status: Status = Status.SUBMITTED,
    lang: str = "zh",
) -> Seeded:
    """A session submitted (and, with `status`, decided) under `ruleset` (default v1)."""
    judged = evaluate(parse_answers(document), ruleset or load_ruleset())
    async with db.unit_of_work() as uow:
        await uow.people.upsert(owner_id, f"供应商{owner_id}", initial_language=lang)
        state = InterviewState(lang=lang, mode="submitted", answers={}).model_dump(mode="json")
        row = await uow.sessions.create(owner_id, state, document, None)
        await uow.sessions.mark_submitted(
            row, judged.model_dump(mode="json"), judged.ruleset_id, judged.ruleset_version
        )
        if status != Status.SUBMITTED:
            await uow.sessions.set_status(row, status)
        await uow.commit()
        return Seeded(row.id, owner_id, judged.qualified)


async def session_row(db: Database, session_id: int) -> Any:
    async with db.unit_of_work() as uow:
        return await uow.sessions.get(session_id)


def t(key: str, lang: str = "zh", **params: object) -> str:
    return load_catalogue().raw(key, lang).format(**params)

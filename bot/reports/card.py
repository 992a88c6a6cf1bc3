"""The desk's session card as a message: heading, enterprise, verdict or draft, evidence,
history, and the buttons for what the assessor may do next.

Rendering is kept apart from the desk so it runs after the desk's transaction has closed,
and so another front end can show the same card its own way.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from bot.services import callback_data as cb
from bot.services.desk import MAX_EVIDENCE_BUTTONS, ListQuery
from bot.services.session_card import CardReading, SessionCard
from conversations import Button, Catalogue, Engine, Reply
from conversations.localtime import local_minute
from criteria import render_report
from criteria.figures import figure
from criteria.review import Action, allows
from criteria.texts import catalogue as criteria_texts


def render_card(card: SessionCard, engine: Engine, catalogue: Catalogue) -> Reply:
    """The card in the language it was read for."""
    return Reply(text=card_text(card, engine, catalogue), buttons=card_buttons(card, catalogue))


def card_text(card: SessionCard, engine: Engine, catalogue: Catalogue) -> str:
    lang = card.lang

    def t(key: str, **params: object) -> str:
        return catalogue.text(key, lang, **params)

    lines = [
        t(
            "desk.card.heading",
            id=card.session_id,
            status=t(f"chat.status_name.{card.status}"),
        ),
        t("desk.card.enterprise", name=card.company_name or "—", code=card.credit_code or "—"),
        t(
            "desk.card.contact",
            person=card.contact_person or "—",
            phone=card.contact_phone or "—",
        ),
        t("desk.card.location", location=card.plant_location or "—"),
        t("desk.card.period", start=card.period_start or "—", end=card.period_end or "—"),
        t("desk.card.category", category=engine.category_label(card.product_category, lang)),
        t(
            "desk.card.times",
            created=local_minute(card.created_at),
            submitted=local_minute(card.submitted_at),
        ),
        t("desk.card.owner", name=card.owner_name or "—", user_id=card.owner_id),
        "",
    ]
    if card.evaluation is not None:
        lines += [_standing(card, t), render_report(card.evaluation, lang)]
    elif card.draft is not None:
        state = card.draft.model_copy(update={"lang": lang})
        lines += [t("desk.card.not_submitted"), *engine.summary(state)]
    lines.append("")
    if card.evidence:
        lines.append(t("desk.card.evidence_heading", count=len(card.evidence)))
        for index, item in enumerate(card.evidence, 1):
            lines.append(
                t(
                    "desk.card.evidence_line",
                    index=index,
                    name=item.name,
                    question=_question_label(engine, item.question_id, lang),
                    size=_size(item.size),
                )
            )
            if item.reading is not None:
                lines.append(_reading_line(item.reading, t, lang))
    else:
        lines.append(t("desk.card.evidence_none"))
    lines.append("")
    if card.history:
        lines.append(t("desk.card.history_heading"))
        for entry in card.history:
            lines.append(
                t(
                    "desk.card.history_line",
                    time=local_minute(entry.created_at),
                    assessor=entry.assessor,
                    decision=t(f"desk.decision_name.{entry.decision}"),
                    comment=entry.comment or "—",
                )
            )
    else:
        lines.append(t("desk.card.history_none"))
    return "\n".join(lines)


def _standing(card: SessionCard, t: Callable[..., str]) -> str:
    """Whose word the verdict below is: the assessor's decision once made, else the
    supplier's self-assessment awaiting review."""
    status = str(card.status)
    final = [e for e in card.history if str(e.decision) == status]
    if status not in ("approved", "rejected"):
        return t("desk.card.standing_self")
    if not final:
        return t(
            "desk.card.standing_decided_unrecorded", decision=t(f"desk.decision_name.{status}")
        )
    entry = final[-1]
    return t(
        "desk.card.standing_decided",
        decision=t(f"desk.decision_name.{status}"),
        assessor=entry.assessor,
        time=local_minute(entry.created_at),
    )


def card_buttons(card: SessionCard, catalogue: Catalogue) -> list[list[Button]]:
    """Decide or reopen, as the workflow allows now; then evidence, report, back."""
    lang = card.lang
    sid = card.session_id

    def t(key: str, **params: object) -> str:
        return catalogue.text(key, lang, **params)

    rows: list[list[Button]] = []
    if allows(card.status, Action.APPROVE):
        rows.append(
            [
                Button(label=t("desk.button.approve"), data=cb.encode(cb.DeskDecide(sid, "a"))),
                Button(label=t("desk.button.reject"), data=cb.encode(cb.DeskDecide(sid, "r"))),
            ]
        )
        rows.append(
            [Button(label=t("desk.button.ask_info"), data=cb.encode(cb.DeskDecide(sid, "i")))]
        )
    elif allows(card.status, Action.REOPEN):
        rows.append([Button(label=t("desk.button.reopen"), data=cb.encode(cb.DeskReopen(sid)))])
    for item in card.evidence[:MAX_EVIDENCE_BUTTONS]:
        rows.append(
            [
                Button(
                    label=t("desk.button.evidence", name=item.name),
                    data=cb.encode(cb.DeskEvidence(item.id)),
                )
            ]
        )
    if card.evaluation is not None:
        rows.append([Button(label=t("desk.button.report"), data=cb.encode(cb.DeskReport(sid)))])
    rows.append([Button(label=t("desk.button.back_to_list"), data=ListQuery().encode())])
    return rows


def _question_label(engine: Engine, question_id: str, lang: str) -> str:
    try:
        return engine.catalogue.text(engine.bank.question(question_id).label, lang)
    except KeyError:
        return question_id


def _size(size: int | None) -> str:
    if not size:
        return "—"
    if size >= 1024 * 1024:
        return f"{figure(Decimal(size) / (1024 * 1024), places=1)} MB"
    return f"{max(1, size // 1024)} KB"


__all__ = ["card_buttons", "card_text", "render_card"]


def _reading_line(reading: CardReading, t: Callable[..., str], lang: str) -> str:
    """What was read from one file and whether it matches: matches / differs (how) /
    unreadable."""
    if reading.state == "unreadable":
        return t("desk.card.read_unreadable")
    names = criteria_texts()
    sep = t("desk.card.read_separator")
    found = sep.join(
        t(
            "desk.card.read_field",
            field=names.text(f"reading.field.{field}", lang),
            value=value,
        )
        for field, value in reading.read
    )
    if reading.state == "differs":
        how = sep.join(text.get(lang) for text in reading.differences)
        return t("desk.card.read_differs", read=found, how=how)
    return t(f"desk.card.read_{reading.state}", read=found)

"""A Chinese interview reads as Chinese: no English word, no internal id on any screen."""

from __future__ import annotations

import re

from interview_driver import Chat, typed
from interview_plans import ENGINE

from conversations import ChoiceInput, Input

# Names a Chinese reader knows in Latin letters: standards, file formats, units, sizes.
KNOWN = {
    "GB",
    "T",
    "ISO",
    "MB",
    "km",
    "PDF",
    "JPG",
    "JPEG",
    "PNG",
    "DOC",
    "DOCX",
    "XLS",
    "XLSX",
    "OFD",
    "ZIP",
    "Excel",
    "Word",
    "kWh",
    "MWh",
    "kgce",
    "tce",
    "m",
    "kg",
    "t",
    "A",
    "B",
}
LATIN = re.compile(r"[A-Za-z][A-Za-z_.@-]*")
WEB_ADDRESS = re.compile(r"https?://\S+")


def _no(qid: str) -> list[Input]:
    return [ChoiceInput(data=f"iv:a:{qid}:n")]


# Plant A answers yes throughout; plant B says no where branches close, types its mix
# and reports energy as one total.
PLANTS: dict[str, dict[str, list[Input]]] = {
    "A": {},
    "B": {
        "quality_management": _no("quality_management"),
        "waste_types": typed("粉煤灰、炉渣"),
        "energy_mode": [ChoiceInput(data="iv:a:energy_mode:total")],
        "ghg_published": _no("ghg_published"),
        "cert_other": _no("cert_other"),
        "raw_evidence": _no("raw_evidence"),
    },
}


def _screens(plan: dict[str, list[Input]]) -> list[str]:
    chat = Chat(ENGINE)
    shown = [reply.text for reply in chat.replies]
    shown.append(ENGINE.catalogue.text("chat.greeting", "zh"))
    while chat.state.mode == "interview":
        question = ENGINE.bank.question(chat.current or "")
        chat.text("？？")  # every question's refusal too
        shown += [reply.text for reply in chat.replies]
        chat.command("help")
        shown += [reply.text for reply in chat.replies]
        if chat.current != question.id:
            continue
        chat.answer(plan)
        shown += [reply.text for reply in chat.replies]
        shown += [b.label for reply in chat.replies for row in reply.buttons for b in row]
    return shown


def test_no_english_or_internal_id_on_any_screen_of_either_plant() -> None:
    ids = {q.id for q in ENGINE.bank.questions} | {
        o.value for q in ENGINE.bank.questions for o in q.options
    }
    for plant, plan in PLANTS.items():
        for text in _screens(plan):
            words = {w.strip(".-@") for w in LATIN.findall(WEB_ADDRESS.sub("", text))} - {""}
            foreign = {w for w in words if w not in KNOWN and len(w) > 1 and not w.endswith(".pdf")}
            foreign = {w for w in foreign if not re.fullmatch(r"[A-Z]?\d*[A-Z]*", w)}
            assert not foreign, f"plant {plant}: {sorted(foreign)} in\n{text}"
            assert not words & ids, f"plant {plant}: internal id in\n{text}"

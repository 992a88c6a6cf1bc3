"""One engine for the conversation tests, the plans its scripted supplier follows, and the
steps several test files take: reaching a question, a refused answer, a finished interview."""

from __future__ import annotations

from interview_driver import Chat, make_engine, press, typed

from conversations import Input, SubmitRequested, Submitted
from criteria import load_ruleset

ENGINE = make_engine()
RULESET = load_ruleset()

# A plant that passes every basic requirement but no indicator: no solid waste, 80 % local
# raw materials, 60 kgce/t, and no certification of any kind.
NOT_QUALIFIED: dict[str, list[Input]] = {
    "waste_types": press("iv:t:waste_types:none") + press("iv:d:waste_types"),
    "raw_total_t": typed("50000"),
    "raw_local_t": typed("40000"),
    "output_t": typed("100000"),
    "energy_mode": press("iv:a:energy_mode:total"),
    "total_kgce": typed("6000 tce"),
    "energy_management": press("iv:a:energy_management:n"),
    "ghg_accounted": press("iv:a:ghg_accounted:n"),
    "cert_miit": press("iv:a:cert_miit:n"),
    "cert_samr": press("iv:a:cert_samr:n"),
    "cert_env_label": press("iv:a:cert_env_label:n"),
    "cert_other": press("iv:a:cert_other:n"),
}

# The same qualified plant as the default plan, every button question answered by typing.
TYPED_EVERYTHING: dict[str, list[Input]] = {
    "product_category": typed("多孔砖"),
    "waste_types": typed("煤矸石"),
    "kiln_firing": typed("外燃"),
    "energy_mode": typed("分项填写（电、煤、天然气等）"),
    "energy_carriers": typed("天然气、柴油"),
    **{
        q.id: typed(answer)
        for q, answer in zip(
            [q for q in ENGINE.bank.questions if q.kind == "yes_no"],
            ["是", "有", "yes", "Y", "是的", "对", "符合", "满足", "YES", "是", "有", "是", "是",
             "是", "是", "是", "是", "是", "是", "是", "是", "是"],
            strict=False,
        )
    },
}  # fmt: skip


def at(question_id: str, plan: dict | None = None, lang: str = "zh") -> Chat:
    chat = Chat(ENGINE, lang)
    chat.answer_until(question_id, plan)
    assert chat.current == question_id
    return chat


def refused(chat: Chat, text: str) -> str:
    """Type `text`, check it was refused (same question, nothing stored), return the error."""
    before = chat.state.model_copy(deep=True)
    chat.text(text)
    assert chat.current == before.current
    assert chat.state.answers == before.answers
    assert chat.result.effects == []
    assert len(chat.replies) == 1, "a refusal is one message: the reason, then the question"
    question_text = chat.last.text
    assert before.current is not None
    prompt = ENGINE.catalogue.text(ENGINE.bank.question(before.current).prompt, "zh")
    assert prompt in question_text
    return question_text[: question_text.index("\n\n")]


def example_of(question_id: str, lang: str = "zh") -> str:
    return ENGINE.catalogue.text(ENGINE.bank.question(question_id).example, lang)


def completed(plan: dict[str, list[Input]] | None = None, lang: str = "zh") -> Chat:
    chat = Chat(ENGINE, lang)
    chat.answer_until(None, plan)
    assert chat.state.mode == "review"
    return chat


def submit(chat: Chat) -> Submitted:
    chat.tap("提交" if chat.state.lang == "zh" else "Submit")
    assert chat.result.effects == [SubmitRequested()]
    assert chat.result.state.mode == "review"
    chat.result = ENGINE.submit(chat.state, RULESET)
    submitted = [e for e in chat.result.effects if isinstance(e, Submitted)]
    assert len(submitted) == 1
    return submitted[0]

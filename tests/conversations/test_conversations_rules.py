"""Cross-field and skip rules: answers that must agree, and what a changed answer undoes."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from interview_driver import typed
from interview_plans import ENGINE, at, completed, refused

from conversations import FilesCleared, InterviewState
from conversations.bank import Question, condition_holds
from conversations.turn import Turn, private_copy

# -- answers that must agree ----------------------------------------------------------------


def test_the_evaluation_period_is_twelve_consecutive_past_months() -> None:
    chat = at("period_start")
    error = refused(chat, "2025-07")
    assert "2025-07 还没有结束" in error
    error = refused(chat, "2024-08")
    assert error.startswith("从 2024-08 开始的连续 12 个月要到 2025-07 才结束。")
    error = refused(chat, "some time")
    assert error == "没能读出月份“some time”。请按“年-月”填写。例如：2024-06（或 2024年6月）"
    chat.text("2024年3月")
    assert chat.state.answers["period_start"] == "2024-03-01"
    # The end has one valid value: derived and shown, not asked.
    assert chat.state.answers["period_end"] == "2025-02-28"
    assert chat.replies[0].text == "评价期结束：2025-02（连续 12 个月）"
    assert chat.current == "product_category"
    assert ENGINE.answers_document(chat.state)["enterprise"]["period_end"] == "2025-02-28"


def test_waste_shares_cannot_add_up_to_more_than_100() -> None:
    chat = at(
        "fly_ash_pct", {"waste_types": typed("煤矸石、粉煤灰"), "coal_gangue_pct": typed("60")}
    )
    error = refused(chat, "50")
    assert "与“煤矸石掺加量”合计为 110%，超过了 100%" in error
    chat.text("40")
    assert chat.state.answers["fly_ash_pct"] == "40"


def test_local_raw_materials_cannot_exceed_the_total() -> None:
    chat = at("raw_local_t", {"raw_total_t": typed("5.2万吨")})
    error = refused(chat, "60000")
    assert "不能大于“主要原材料总量（不含固废）”的答案（52,000 吨）" in error
    chat.text("52000")
    assert chat.state.answers["raw_local_t"] == "52000"


# -- when an earlier answer changes ---------------------------------------------------------


def test_changing_an_answer_drops_the_follow_ups_and_their_files() -> None:
    chat = at("environmental_management")
    assert "qms_certificate" in chat.state.answers
    for _ in range(7):
        chat.command("back")
    chat.press("iv:a:quality_management:n")
    assert FilesCleared(question_id="qms_certificate") in chat.result.effects
    assert chat.replies[0].text.startswith("以下问题因您的修改不再适用，其答案已删除：")
    assert (
        "质量管理体系证明方式、质量管理体系证书编号、质量管理体系证书发证机构、质量管理体系证书发证日期、"
        "质量管理体系证书有效期至、质量管理体系证书文件" in chat.replies[0].text
    )
    for gone in (
        "qms_proof",
        "qms_certificate_no",
        "qms_issuer",
        "qms_issued",
        "qms_expiry",
        "qms_certificate",
    ):
        assert gone not in chat.state.answers


def test_an_edit_that_breaks_a_later_answer_asks_it_again() -> None:
    chat = completed()
    chat.tap("✏️ 原材料本地化")
    chat.tap("主要原材料总量（不含固废）")
    chat.text("40000")
    assert chat.replies[0].text == (
        "“100 km 内原材料用量”原来的答案（50,000 吨）与刚修改的答案不再一致，请稍后重新回答。"
    )
    assert chat.current == "raw_local_t"
    chat.text("39000")
    assert chat.state.mode == "review"
    assert ENGINE.answers_document(chat.state)["raw_materials"]["local_t"] == 39000


# -- the same answers kept as the plain reading of the rules would keep them ------------------

_NUMBERS = ["0", "1", "10", "40", "50", "60", "100", "52000", "60000", "120000"]


def _candidates(question: Question, answer: object) -> list[object]:
    """Values a supplier could have left for this question, its happy-path one first."""
    values: list[object] = [answer]
    if question.kind == "yes_no":
        values += [True, False]
    elif question.kind == "single_choice":
        values += [option.value for option in question.options]
    elif question.kind == "multi_choice":
        values += [[option.value] for option in question.options]
    elif question.kind in ("number", "percentage"):
        values += _NUMBERS
    return values


def _reconciled_plainly(state: InterviewState) -> tuple[dict, list[str], list]:
    """reconcile as the rules read: each question's condition judged on what was kept."""
    kept: dict = {}
    applicable: set[str] = set()
    effects: list = []
    for question in ENGINE.bank.questions:
        if condition_holds(question.when, kept):
            applicable.add(question.id)
            if question.id not in state.answers:
                continue
            answer = state.answers[question.id]
            if answer is None or not ENGINE.rules.violation(state, question, answer, kept):
                kept[question.id] = answer
        elif question.is_file and (
            question.id in state.answers or question.id in state.pending_files
        ):
            effects.append(FilesCleared(question_id=question.id))
    return kept, [k for k in state.pending_files if k in applicable], effects


_FINISHED = completed().state
_CHANGEABLE = [q.id for q in ENGINE.bank.questions if q.id in _FINISHED.answers]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_reconcile_keeps_what_the_rules_read_plainly_keep(data: st.DataObject) -> None:
    """The engine judges skip rules from memory until an answer is withdrawn; whatever the
    answers, it must keep, drop and clear exactly what judging every condition afresh does."""
    state = _FINISHED.model_copy(deep=True)
    for question_id in data.draw(st.lists(st.sampled_from(_CHANGEABLE), max_size=8, unique=True)):
        question = ENGINE.bank.question(question_id)
        choice = data.draw(
            st.sampled_from([None, *_candidates(question, state.answers[question.id])])
        )
        if choice is None:
            del state.answers[question.id]
        else:
            state.answers[question.id] = choice
    expected_answers, expected_pending, expected_effects = _reconciled_plainly(state)
    turn = Turn(state=private_copy(state))
    ENGINE.rules.reconcile(turn, announce=True)
    assert list(turn.state.answers.items()) == list(expected_answers.items())
    assert list(turn.state.pending_files) == expected_pending
    assert turn.effects == expected_effects

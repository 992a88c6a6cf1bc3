"""Whatever a supplier sends, at whatever point: no exception, and no earlier answer lost."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from interview_driver import Chat, make_engine

from conversations import ChoiceInput, Command, Input, InterviewState, StepResult, TextInput
from conversations.callbacks import decode

ENGINE = make_engine()
BANK = ENGINE.bank


def _states_along_the_happy_path() -> list[InterviewState]:
    """The state at every question of a full interview, then at the review and at a
    cancellation prompt; multi-choice and file questions also mid-way (a selection made,
    a file received)."""
    chat = Chat(ENGINE)
    states = []
    while chat.state.mode == "interview":
        states.append(chat.state)
        question = BANK.question(chat.current or "")
        if question.kind == "multi_choice":
            chat.press(f"iv:t:{question.id}:{question.options[1].value}")
            states.append(chat.state)
        chat.answer()
        if chat.state.pending_files:
            states.append(chat.state)
    states.append(chat.state)
    chat.command("cancel")
    states.append(chat.state)
    return states


STATES = _states_along_the_happy_path()
QUESTION_IDS = [q.id for q in BANK.questions]
WORDS = sorted(
    {
        *QUESTION_IDS,
        *(s.id for s in BANK.sections),
        *(o.value for q in BANK.questions for o in q.options),
        "y", "n", "zh", "en", "fr", "submit", "continue", "show", "sec",
    }
)  # fmt: skip
VERBS = ["a", "t", "d", "k", "s", "b", "h", "x", "rv", "ed", "cc", "lang", "zz"]
TYPICAL_TEXT = [
    "是", "否", "yes", "n", "12万 kWh", "1,234", "1,2345", "-5", "85%", "８５％", "2024-01",
    "2025年12月31日", "2025-02-30", "91130185MA07LQ8K3P", "13812345678", "煤矸石、粉煤灰",
    "无，煤矸石", "www.example.com", "多孔砖", "0", "１２３", "/back", "", " ", "\x00",
]  # fmt: skip

callback_data = st.one_of(
    st.text(max_size=80),
    st.builds(
        lambda verb, subject, arg: ":".join(["iv", verb, subject] + ([arg] if arg else [])),
        st.sampled_from(VERBS),
        st.sampled_from(WORDS),
        st.one_of(st.none(), st.sampled_from(WORDS), st.text(max_size=8)),
    ),
)
texts = st.one_of(st.text(max_size=300), st.sampled_from(TYPICAL_TEXT))
inputs: st.SearchStrategy[Input] = st.one_of(
    st.builds(TextInput, text=texts),
    st.builds(ChoiceInput, data=callback_data),
    st.builds(
        Command,
        name=st.sampled_from(["back", "skip", "help", "review", "cancel", "language"]),
        arg=st.one_of(st.none(), st.sampled_from(["zh", "en", "fr", ""])),
    ),
)


def _position(state: InterviewState) -> int:
    """Answers before this position are "earlier"; at the review every answer is."""
    if state.mode == "interview" and state.current is not None:
        return BANK.index(state.current)
    return len(BANK.questions)


def _check_result(result: StepResult) -> None:
    assert result.replies, "every input gets an answer"
    for reply in result.replies:
        assert reply.text.strip()
        for data in reply.button_data():
            assert len(data.encode()) <= 64
            assert decode(data) is not None
    stored = json.loads(json.dumps(result.state.model_dump(mode="json")))
    assert InterviewState.model_validate(stored) == result.state


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(state=st.sampled_from(STATES), inp=inputs)
def test_any_single_input_never_raises_nor_changes_earlier_answers(
    state: InterviewState, inp: Input
) -> None:
    frozen = state.model_dump(mode="json")
    position = _position(state)
    earlier = {k: v for k, v in state.answers.items() if BANK.index(k) < position}
    result = ENGINE.step(state, inp)
    _check_result(result)
    assert state.model_dump(mode="json") == frozen
    after = {k: v for k, v in result.state.answers.items() if BANK.index(k) < position}
    assert after == earlier


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(state=st.sampled_from(STATES), sequence=st.lists(inputs, min_size=2, max_size=6))
def test_any_sequence_of_inputs_keeps_a_usable_state(
    state: InterviewState, sequence: list[Input]
) -> None:
    for inp in sequence:
        result = ENGINE.step(state, inp)
        _check_result(result)
        state = result.state
        if state.mode == "interview":
            assert state.current in {q.id for q in BANK.applicable(state.answers)}
        computed = {q.id for q in BANK.questions if q.computed}
        known = {q.id for q in BANK.applicable(state.answers)} | computed
        assert set(state.answers) <= known


def _condition_values() -> st.SearchStrategy[object]:
    """Values of the kinds answers hold, biased to the ones conditions test for."""
    tested: list[object] = []
    for question in BANK.questions:
        for matcher in question.when.values():
            if isinstance(matcher, bool | str):
                tested.append(matcher)
    options = [o.value for q in BANK.questions for o in q.options]
    return st.one_of(
        st.sampled_from(tested or [True]),
        st.booleans(),
        st.sampled_from(options),
        st.lists(st.sampled_from(options), max_size=3),
        st.integers(-5, 5),
        st.none(),
        st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),  # not hashable
    )


@given(
    answers=st.dictionaries(
        st.sampled_from([q.id for q in BANK.questions]), _condition_values(), max_size=25
    )
)
@settings(max_examples=300, deadline=None)
def test_remembered_applicable_questions_match_a_fresh_walk(answers: dict[str, object]) -> None:
    """Which questions apply is remembered by the answers conditions read; the remembered
    list must be the one a walk over the whole bank gives, every time it is asked."""
    fresh = BANK._applicable(answers)
    walked = list(fresh.questions)
    assert BANK.applicable(answers) == walked
    assert BANK.applicable(dict(answers)) == walked
    BANK.applicable(answers).clear()  # a caller's copy: changing it changes nothing
    assert BANK.applicable(answers) == walked
    assert BANK.applicable_ids(answers) == {q.id for q in walked}
    assert BANK.conditions_met(answers) == fresh.met
    assert {q.id for q in walked} == {q for q in fresh.met if not BANK.question(q).computed}

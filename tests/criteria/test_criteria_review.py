"""The review workflow on its own: every move it allows, every move it refuses, who hears."""

from __future__ import annotations

from collections.abc import Callable
from itertools import product

import pytest

from criteria.review import (
    Action,
    Decision,
    Status,
    TellAssessor,
    TellSupplier,
    Transition,
    TransitionRefused,
    change,
    decide,
    record,
    reopen,
    request_info,
    resubmit,
    submission,
    submit,
)

S = Status

#: Every operation, as (action, how to call it, the statuses it starts from, where it leads,
#: the events it returns).
OPERATIONS: list[tuple[Action, Callable[[Status], Transition], set[Status], Status, tuple]] = [
    (Action.SUBMIT, submit, {S.IN_PROGRESS}, S.SUBMITTED, ()),
    (Action.RESUBMIT, resubmit, {S.NEEDS_INFO}, S.SUBMITTED, (TellAssessor(),)),
    (
        Action.REQUEST_INFO,
        lambda s: request_info(s, "请补充检测报告"),
        {S.SUBMITTED},
        S.NEEDS_INFO,
        (TellSupplier(Decision.NEEDS_INFO, "请补充检测报告"),),
    ),
    (
        Action.APPROVE,
        lambda s: decide(s, Decision.APPROVED, "ok"),
        {S.SUBMITTED},
        S.APPROVED,
        (TellSupplier(Decision.APPROVED, "ok"),),
    ),
    (
        Action.REJECT,
        lambda s: decide(s, Decision.REJECTED, ""),
        {S.SUBMITTED},
        S.REJECTED,
        (TellSupplier(Decision.REJECTED, ""),),
    ),
    (
        Action.REOPEN,
        lambda s: reopen(s, "复核"),
        {S.APPROVED, S.REJECTED},
        S.SUBMITTED,
        (TellSupplier(Decision.REOPENED, "复核"),),
    ),
]

CASES = [
    pytest.param(action, call, start, start in allowed, after, events, id=f"{action}-{start}")
    for (action, call, allowed, after, events), start in product(OPERATIONS, Status)
]


@pytest.mark.parametrize(("action", "call", "start", "allowed", "after", "events"), CASES)
def test_each_operation_from_each_status(
    action: Action,
    call: Callable[[Status], Transition],
    start: Status,
    allowed: bool,
    after: Status,
    events: tuple,
) -> None:
    if allowed:
        assert call(start) == Transition(action, start, after, events)
        return
    with pytest.raises(TransitionRefused) as refused:
        call(start)
    assert (refused.value.status, refused.value.action) == (start, action.value)
    assert str(refused.value) == f"cannot {action.value}: the session is {start.value}"


def test_a_submission_is_a_resubmission_only_when_information_was_asked_for() -> None:
    assert submission(S.IN_PROGRESS) == Transition(Action.SUBMIT, S.IN_PROGRESS, S.SUBMITTED)
    assert submission("needs_info") == Transition(
        Action.RESUBMIT, S.NEEDS_INFO, S.SUBMITTED, (TellAssessor(),)
    )
    for start in (S.SUBMITTED, S.APPROVED, S.REJECTED):
        with pytest.raises(TransitionRefused, match=f"cannot submit: the session is {start}"):
            submission(start)


def test_an_assessor_decision_takes_its_own_operation() -> None:
    assert record(S.SUBMITTED, Decision.APPROVED, "a").after == S.APPROVED
    assert record(S.SUBMITTED, Decision.REJECTED, "r").after == S.REJECTED
    asked = record(S.SUBMITTED, Decision.NEEDS_INFO, "more")
    assert (asked.action, asked.after) == (Action.REQUEST_INFO, S.NEEDS_INFO)
    assert record(S.REJECTED, Decision.REOPENED, "").events == (
        TellSupplier(Decision.REOPENED, ""),
    )
    with pytest.raises(TransitionRefused, match="cannot reopen: the session is submitted"):
        record(S.SUBMITTED, Decision.REOPENED, "")


@pytest.mark.parametrize("decision", [Decision.NEEDS_INFO, Decision.REOPENED])
def test_decide_takes_only_a_final_decision(decision: Decision) -> None:
    with pytest.raises(ValueError, match="is not a final decision"):
        decide(S.SUBMITTED, decision, "")


ALLOWED_CHANGES = {
    (S.IN_PROGRESS, S.SUBMITTED): Action.SUBMIT,
    (S.NEEDS_INFO, S.SUBMITTED): Action.RESUBMIT,
    (S.SUBMITTED, S.NEEDS_INFO): Action.REQUEST_INFO,
    (S.SUBMITTED, S.APPROVED): Action.APPROVE,
    (S.SUBMITTED, S.REJECTED): Action.REJECT,
    (S.APPROVED, S.SUBMITTED): Action.REOPEN,
    (S.REJECTED, S.SUBMITTED): Action.REOPEN,
}


@pytest.mark.parametrize(("before", "after"), list(product(Status, Status)), ids=lambda s: str(s))
def test_a_stored_status_change_is_one_the_workflow_makes(before: Status, after: Status) -> None:
    if before == after:
        assert change(before, after) is None
    elif (before, after) in ALLOWED_CHANGES:
        moved = change(before.value, after.value)
        assert moved == Transition(ALLOWED_CHANGES[before, after], before, after)
    else:
        with pytest.raises(TransitionRefused) as refused:
            change(before, after)
        assert str(refused.value) == f"cannot move to {after}: the session is {before}"

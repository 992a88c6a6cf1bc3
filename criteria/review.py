"""The review workflow: where an assessment session can go from where it is, and who hears.

One table says which action leads from which status to which; every operation checks it,
so a session cannot be approved before it is submitted, nor decided twice, whichever front
end or job asks. Pure: the callers load the session, apply the returned transition, store
it, and turn its events into notices.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum


class Status(StrEnum):
    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"
    NEEDS_INFO = "needs_info"
    APPROVED = "approved"
    REJECTED = "rejected"


#: A supplier may keep answering while the session is in one of these.
OPEN_STATUSES: frozenset[Status] = frozenset({Status.IN_PROGRESS, Status.NEEDS_INFO})
#: An assessor's final word; `decided_at` is set when a session enters one of these.
DECIDED_STATUSES: frozenset[Status] = frozenset({Status.APPROVED, Status.REJECTED})


class Decision(StrEnum):
    """What an assessor records on a session (the review history keeps every one)."""

    APPROVED = "approved"
    REJECTED = "rejected"
    NEEDS_INFO = "needs_info"
    REOPENED = "reopened"


class Action(StrEnum):
    SUBMIT = "submit"
    RESUBMIT = "resubmit"
    REQUEST_INFO = "request_info"
    APPROVE = "approve"
    REJECT = "reject"
    REOPEN = "reopen"


#: Each action: the statuses it may start from, and the status it leads to.
TRANSITIONS: Mapping[Action, tuple[frozenset[Status], Status]] = {
    Action.SUBMIT: (frozenset({Status.IN_PROGRESS}), Status.SUBMITTED),
    Action.RESUBMIT: (frozenset({Status.NEEDS_INFO}), Status.SUBMITTED),
    Action.REQUEST_INFO: (frozenset({Status.SUBMITTED}), Status.NEEDS_INFO),
    Action.APPROVE: (frozenset({Status.SUBMITTED}), Status.APPROVED),
    Action.REJECT: (frozenset({Status.SUBMITTED}), Status.REJECTED),
    Action.REOPEN: (DECIDED_STATUSES, Status.SUBMITTED),
}

#: The action each assessor decision takes.
DECISION_ACTIONS: Mapping[Decision, Action] = {
    Decision.APPROVED: Action.APPROVE,
    Decision.REJECTED: Action.REJECT,
    Decision.NEEDS_INFO: Action.REQUEST_INFO,
    Decision.REOPENED: Action.REOPEN,
}


class TransitionRefused(Exception):
    """An action the session's status does not allow; says which action and which status."""

    def __init__(self, status: Status, action: str) -> None:
        super().__init__(f"cannot {action}: the session is {status.value}")
        self.status = status
        self.action = action


@dataclass(frozen=True)
class TellSupplier:
    """The supplier hears of the assessor's decision on their session, with the comment."""

    decision: Decision
    comment: str


@dataclass(frozen=True)
class TellAssessor:
    """The assessor who asked for more information hears that the supplier resubmitted."""


Event = TellSupplier | TellAssessor


@dataclass(frozen=True)
class Transition:
    """A permitted move, and the events the people concerned must hear of."""

    action: Action
    before: Status
    after: Status
    events: tuple[Event, ...] = ()


def allows(status: Status | str, action: Action) -> bool:
    allowed, _ = TRANSITIONS[action]
    return Status(status) in allowed


def _move(status: Status | str, action: Action, events: tuple[Event, ...] = ()) -> Transition:
    before = Status(status)
    allowed, after = TRANSITIONS[action]
    if before not in allowed:
        raise TransitionRefused(before, action.value)
    return Transition(action, before, after, events)


def submit(status: Status | str) -> Transition:
    """A supplier's first submission: nobody is waiting for it yet."""
    return _move(status, Action.SUBMIT)


def resubmit(status: Status | str) -> Transition:
    """The answers an assessor asked for, submitted again: that assessor is told."""
    return _move(status, Action.RESUBMIT, (TellAssessor(),))


def submission(status: Status | str) -> Transition:
    """A supplier's submit, whichever it is: a resubmission when information was asked for."""
    if Status(status) == Status.NEEDS_INFO:
        return resubmit(status)
    return submit(status)


def request_info(status: Status | str, comment: str) -> Transition:
    """Send a submitted session back to its supplier for more information."""
    return _move(status, Action.REQUEST_INFO, (TellSupplier(Decision.NEEDS_INFO, comment),))


def decide(status: Status | str, decision: Decision, comment: str) -> Transition:
    """An assessor's final word on a submitted session: approved or rejected."""
    if decision not in (Decision.APPROVED, Decision.REJECTED):
        raise ValueError(f"{decision.value} is not a final decision")
    action = DECISION_ACTIONS[decision]
    return _move(status, action, (TellSupplier(decision, comment),))


def reopen(status: Status | str, comment: str) -> Transition:
    """Take back a final decision: the session waits for review again."""
    return _move(status, Action.REOPEN, (TellSupplier(Decision.REOPENED, comment),))


def record(status: Status | str, decision: Decision, comment: str) -> Transition:
    """Whichever operation an assessor's decision stands for."""
    if decision == Decision.NEEDS_INFO:
        return request_info(status, comment)
    if decision == Decision.REOPENED:
        return reopen(status, comment)
    return decide(status, decision, comment)


def change(before: Status | str, after: Status | str) -> Transition | None:
    """The workflow's move from `before` to `after`; None when the status stays as it is.

    For code that stores a status directly: a change no action makes is refused.
    """
    start, target = Status(before), Status(after)
    if start == target:
        return None
    for action, (allowed, leads_to) in TRANSITIONS.items():
        if start in allowed and leads_to == target:
            return Transition(action, start, target)
    raise TransitionRefused(start, f"move to {target.value}")


__all__ = [
    "DECIDED_STATUSES",
    "DECISION_ACTIONS",
    "OPEN_STATUSES",
    "TRANSITIONS",
    "Action",
    "Decision",
    "Event",
    "Status",
    "TellAssessor",
    "TellSupplier",
    "Transition",
    "TransitionRefused",
    "allows",
    "change",
    "decide",
    "record",
    "reopen",
    "request_info",
    "resubmit",
    "submission",
    "submit",
]

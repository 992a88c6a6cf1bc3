"""One call's working copy of an interview state, and what the call decided to say and do.

Every engine call works on a private copy, so the state a front end passed in is never
changed: a failed save can simply be retried with the state it still holds.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import JsonValue

from conversations.models import Effect, InterviewState, Reply, StepResult

__all__ = ["Turn", "private_copy"]


@dataclass
class Turn:
    """Replies and effects collect here while the state changes, then become one result."""

    state: InterviewState
    replies: list[Reply] = field(default_factory=list)
    effects: list[Effect] = field(default_factory=list)

    def result(self) -> StepResult:
        return StepResult(state=self.state, replies=self.replies, effects=self.effects)


def private_copy(state: InterviewState) -> InterviewState:
    """A copy a turn may change without touching the caller's state.

    The state holds JSON values and frozen file records, so copying its containers is
    enough; a generic deep copy cost a quarter of every step.
    """
    return state.model_copy(
        update={
            "answers": {key: _json_copy(value) for key, value in state.answers.items()},
            "selection": list(state.selection),
            "back_stack": list(state.back_stack),
            "pending_files": {key: list(files) for key, files in state.pending_files.items()},
            "conversion": dict(state.conversion) if state.conversion else None,
            "readings": {
                key: reading.model_copy(update={"replies": dict(reading.replies)})
                for key, reading in state.readings.items()
            },
        }
    )


def _json_copy(value: JsonValue) -> JsonValue:
    if isinstance(value, dict):
        return {key: _json_copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_json_copy(item) for item in value]
    return value  # str, int, float, bool, None: immutable

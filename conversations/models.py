"""What goes into the engine, what comes out, and the state kept between two inputs.

All plain pydantic: the state is stored as JSON by whichever front end drives the engine,
and replies are plain text plus buttons that any transport can render.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, JsonValue

__all__ = [
    "AnswerAccepted",
    "Button",
    "CancelConfirmed",
    "ChoiceInput",
    "Command",
    "CommandName",
    "Effect",
    "FileAccepted",
    "FileInput",
    "FilesCleared",
    "Input",
    "InterviewState",
    "LanguageChanged",
    "Mode",
    "Reply",
    "StepResult",
    "SubmitRequested",
    "Submitted",
    "TextInput",
]

_FROZEN = ConfigDict(frozen=True, extra="forbid")

# Control characters (all but tab and line breaks) mean nothing in an answer, and NUL
# cannot be stored in PostgreSQL's JSON at all: they are dropped as the input arrives.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
Printable = Annotated[str, AfterValidator(lambda text: _CONTROL.sub("", text))]

Mode = Literal["interview", "review", "choosing_edit", "confirm_cancel", "submitted"]
CommandName = Literal["back", "skip", "help", "review", "cancel", "language"]


# -- inputs ------------------------------------------------------------------------------


class TextInput(BaseModel):
    model_config = _FROZEN
    type: Literal["text"] = "text"
    text: Printable


class ChoiceInput(BaseModel):
    """A pressed button: its callback data, as sent back by the transport."""

    model_config = _FROZEN
    type: Literal["choice"] = "choice"
    data: str


class FileInput(BaseModel):
    """An uploaded document or photo; the transport keeps the bytes, the engine the record."""

    model_config = _FROZEN
    type: Literal["file"] = "file"
    file_id: str
    file_unique_id: str
    file_name: Printable | None = None
    mime_type: Printable | None = None
    file_size: int | None = Field(default=None, ge=0)
    kind: Literal["document", "photo"] = "document"
    #: Set by the front end once it has kept the bytes in the evidence store.
    sha256: str | None = None
    stored_size: int | None = Field(default=None, ge=0)
    content_type: str | None = None


class Command(BaseModel):
    """Navigation a supplier asks for by name (/back, /skip, /help, /review, /cancel,
    /language [zh|en])."""

    model_config = _FROZEN
    type: Literal["command"] = "command"
    name: CommandName
    arg: Printable | None = None


Input = Annotated[TextInput | ChoiceInput | FileInput | Command, Field(discriminator="type")]


# -- outputs -----------------------------------------------------------------------------


class Button(BaseModel):
    model_config = _FROZEN
    label: str
    data: str = Field(max_length=64)


class Reply(BaseModel):
    """One message. `text` is plain text: the transport escapes it for its markup."""

    model_config = _FROZEN
    text: str
    buttons: list[list[Button]] = Field(default_factory=list)
    expects_file: bool = False
    # Edit the message whose button was pressed instead of sending a new one.
    replace_previous: bool = False

    def button_data(self) -> list[str]:
        return [button.data for row in self.buttons for button in row]

    def button_labels(self) -> list[str]:
        return [button.label for row in self.buttons for button in row]


class AnswerAccepted(BaseModel):
    model_config = _FROZEN
    type: Literal["answer_accepted"] = "answer_accepted"
    question_id: str


class FileAccepted(BaseModel):
    """Keep this upload as evidence for the question."""

    model_config = _FROZEN
    type: Literal["file_accepted"] = "file_accepted"
    question_id: str
    file: FileInput


class FilesCleared(BaseModel):
    """Uploads kept for the question no longer apply: an answer changed or was withdrawn."""

    model_config = _FROZEN
    type: Literal["files_cleared"] = "files_cleared"
    question_id: str


class SubmitRequested(BaseModel):
    """The supplier pressed submit: call `Engine.submit` with the ruleset in force."""

    model_config = _FROZEN
    type: Literal["submit_requested"] = "submit_requested"


class CancelConfirmed(BaseModel):
    """The supplier confirmed abandoning this assessment."""

    model_config = _FROZEN
    type: Literal["cancel_confirmed"] = "cancel_confirmed"


class LanguageChanged(BaseModel):
    model_config = _FROZEN
    type: Literal["language_changed"] = "language_changed"
    lang: str


class Submitted(BaseModel):
    """The answers were judged: store the evaluation and the answers document it judged."""

    model_config = _FROZEN
    type: Literal["submitted"] = "submitted"
    evaluation: dict[str, JsonValue]
    answers: dict[str, JsonValue]


Effect = Annotated[
    AnswerAccepted
    | FileAccepted
    | FilesCleared
    | SubmitRequested
    | CancelConfirmed
    | LanguageChanged
    | Submitted,
    Field(discriminator="type"),
]


# -- state -------------------------------------------------------------------------------


class Reading(BaseModel):
    """What was read from one uploaded file (by its SHA-256), and what the supplier said of
    each value: nothing read is used until the supplier has confirmed it."""

    model_config = ConfigDict(extra="ignore")

    question_id: str
    file_name: str | None = None
    #: False when nothing could be read from the file (a damaged file, an illegible scan).
    readable: bool = True
    #: The fields found (holder, standard, number, issuer, issued, expires, content_pct),
    #: as text, dates as YYYY-MM-DD; a field not found is absent.
    fields: dict[str, str] = Field(default_factory=dict)
    #: Per field asked about: "confirmed" (the answer now holds the read value), "kept"
    #: (the supplier kept what they typed) or "agreed" (what they typed already said so).
    replies: dict[str, Literal["confirmed", "kept", "agreed"]] = Field(default_factory=dict)


class InterviewState(BaseModel):
    """Where one supplier is in the interview. Answers are JSON values: booleans, option
    values, exact decimal strings for amounts, ISO dates, and file records; None marks a
    question skipped on purpose."""

    model_config = ConfigDict(extra="ignore")

    lang: str = "zh"
    mode: Mode = "interview"
    current: str | None = None
    answers: dict[str, JsonValue] = Field(default_factory=dict)
    # The options ticked so far at the current multi-choice question.
    selection: list[str] = Field(default_factory=list)
    back_stack: list[str] = Field(default_factory=list)
    # Set while changing an answer from the review screen: finish there, not at the end.
    return_to_review: bool = False
    # Files received for a question whose "done" has not been pressed yet.
    pending_files: dict[str, list[FileInput]] = Field(default_factory=dict)
    # An amount typed in a plant's own unit (万块, m³) waiting for its factor:
    # {"question": id, "unit": unit id, "amount": decimal string in that unit}.
    conversion: dict[str, str] | None = None
    # The section whose questions are offered while choosing what to edit.
    edit_section: str | None = None
    # The mode to go back to when a cancellation is declined.
    previous_mode: Mode | None = None
    # What was read from each uploaded certificate or report, by the file's SHA-256.
    readings: dict[str, Reading] = Field(default_factory=dict)


class StepResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    state: InterviewState
    replies: list[Reply] = Field(default_factory=list)
    effects: list[Effect] = Field(default_factory=list)

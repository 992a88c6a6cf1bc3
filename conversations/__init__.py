"""The supplier interview: questions and texts as data, and a transport-agnostic engine.

A front end creates an `Engine` (usually `Engine.default()`), keeps each supplier's
`InterviewState` (JSON via `model_dump(mode="json")` / `InterviewState.model_validate`),
feeds every input to `Engine.step` and sends the `Reply` objects back, acting on the effects.

Inside, one module per concern: `engine` (the state machine: which question comes next,
what each input does), `screens` (what is shown), `reading` (typed text into values, per
kind of question), `readings` (values read from uploaded certificates, confirmed first),
`rules` (cross-field and skip rules re-applied), `document` (the answers document the
evaluator reads), `display` (answers worded for the supplier), `turn` (one call's private
copy of the state); `bank`, `parsing`, `models` and `catalogue` are the data they work on.
"""

from conversations.bank import Question, QuestionBank
from conversations.callbacks import PREFIX as CALLBACK_PREFIX
from conversations.catalogue import DEFAULT_LANGUAGE, LANGUAGES, Catalogue
from conversations.engine import Engine
from conversations.models import (
    AnswerAccepted,
    Button,
    CancelConfirmed,
    ChoiceInput,
    Command,
    Effect,
    FileAccepted,
    FileInput,
    FilesCleared,
    Input,
    InterviewState,
    LanguageChanged,
    Mode,
    Reading,
    Reply,
    StepResult,
    SubmitRequested,
    Submitted,
    TextInput,
)
from conversations.parsing import ParseError

__all__ = [
    "CALLBACK_PREFIX",
    "DEFAULT_LANGUAGE",
    "LANGUAGES",
    "AnswerAccepted",
    "Button",
    "CancelConfirmed",
    "Catalogue",
    "ChoiceInput",
    "Command",
    "Effect",
    "Engine",
    "FileAccepted",
    "FileInput",
    "FilesCleared",
    "Input",
    "InterviewState",
    "LanguageChanged",
    "Mode",
    "ParseError",
    "Question",
    "QuestionBank",
    "Reading",
    "Reply",
    "StepResult",
    "SubmitRequested",
    "Submitted",
    "TextInput",
]

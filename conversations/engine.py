"""The interview engine: one input in, the next state and what to say out.

It knows questions, answers and texts, and nothing about any transport: Telegram, a terminal
or a test drive it with the same calls. Every public method is pure: the state passed in is
never modified, a new one comes back in the `StepResult`.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import JsonValue

from conversations import callbacks as cb
from conversations.bank import Question, QuestionBank, Rule, condition_holds
from conversations.catalogue import Catalogue
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
    Reply,
    StepResult,
    SubmitRequested,
    Submitted,
    TextInput,
)
from conversations.parsing import (
    ParseError,
    decimal_to_str,
    match_choice,
    parse_credit_code,
    parse_date,
    parse_link,
    parse_month,
    parse_number,
    parse_phone,
    parse_text,
    split_choices,
)
from criteria import InvalidAnswers, Ruleset, evaluate, parse_answers, render_report

__all__ = ["ENGINE_TEXTS", "Engine"]

_MEGABYTE = Decimal(1024 * 1024)

# Texts the engine itself uses; with the keys named in the question bank, every one of them
# must exist in every language before an engine is built.
ENGINE_TEXTS: tuple[str, ...] = (
    "progress.line",
    "button.yes",
    "button.no",
    "button.back",
    "button.skip",
    "button.help",
    "button.done",
    "button.keep",
    "button.clear_files",
    "button.selected",
    "button.submit",
    "button.continue",
    "button.edit_section",
    "button.back_to_review",
    "question.current_value",
    "question.optional_hint",
    "question.multi_hint",
    "question.file_hint",
    "question.link_or_file_hint",
    "question.files_received",
    "value.yes",
    "value.no",
    "value.skipped",
    "value.unanswered",
    "value.amount",
    "value.percent",
    "value.photo",
    "value.list_separator",
    "value.none",
    "review.title",
    "review.section_heading",
    "review.line",
    "review.footer_complete",
    "review.footer_incomplete",
    "review.help",
    "review.use_buttons",
    "review.edit_choose",
    "notice.no_back",
    "notice.dropped",
    "notice.invalidated",
    "notice.file_unexpected",
    "file.accepted",
    "file.duplicate",
    "submit.incomplete",
    "submit.invalid",
    "submit.done",
    "language.choose",
    "language.name.zh",
    "language.name.en",
    "chat.welcome_back",
    "chat.cancel_confirm",
    "chat.cancel_yes",
    "chat.cancel_no",
    "chat.cancelled",
    "chat.language_switched",
    "chat.submitted_frozen",
    "chat.file_too_large",
    "chat.file_wrong_type",
    "chat.stale_button",
    "chat.nothing_to_skip",
    "chat.verdict_heading",
    "error.number.not_a_number",
    "error.number.several",
    "error.number.negative",
    "error.number.ambiguous",
    "error.number.unit",
    "error.number.too_small",
    "error.number.too_large",
    "error.number.not_above",
    "error.rule.le",
    "error.rule.ge",
    "error.rule.sum_max",
    "error.rule.span_months",
    "error.date.invalid",
    "error.date.day_required",
    "error.date.expired",
    "error.date.future",
    "error.credit_code.length",
    "error.credit_code.charset",
    "error.credit_code.check",
    "error.phone.invalid",
    "error.text.empty",
    "error.text.too_long",
    "error.text.pattern",
    "error.link.invalid",
    "error.choice.unknown",
    "error.multi.empty",
    "error.multi.exclusive",
    "error.file.expected",
    "error.file.none_yet",
    "error.file.too_many",
)


@dataclass
class _Turn:
    """One call's working copy of the state and what it has decided to say and do."""

    state: InterviewState
    replies: list[Reply] = field(default_factory=list)
    effects: list[Effect] = field(default_factory=list)

    def result(self) -> StepResult:
        return StepResult(state=self.state, replies=self.replies, effects=self.effects)


class Engine:
    """One supplier's interview, driven by a front end.

    Call `start` for a new interview or `resume` for a stored one, then `step` for every
    input, storing the returned state. When a step yields `SubmitRequested`, call `submit`
    with the ruleset in force: the front end decides which ruleset version judges a session.
    """

    def __init__(
        self,
        bank: QuestionBank,
        catalogue: Catalogue,
        *,
        today: Callable[[], date] | None = None,
    ) -> None:
        self.bank = bank
        self.catalogue = catalogue
        zone = ZoneInfo(bank.timezone)
        self._today = today or (lambda: datetime.now(zone).date())
        missing = catalogue.missing((*ENGINE_TEXTS, *self._bank_texts()))
        if missing:
            listed = ", ".join(f"{lang}:{key}" for lang, key in missing[:10])
            raise ValueError(f"the catalogue lacks {len(missing)} text(s): {listed}")

    @classmethod
    def default(cls, *, today: Callable[[], date] | None = None) -> Engine:
        """The packaged question bank and catalogue."""
        return cls(QuestionBank.load(), Catalogue.load(), today=today)

    def _bank_texts(self) -> Iterable[str]:
        for section in self.bank.sections:
            yield section.title
        for unit in self.bank.units.values():
            yield unit.label
        for question in self.bank.questions:
            yield from (question.prompt, question.help, question.label, question.example)
            for option in question.options:
                yield option.label

    # -- public API ---------------------------------------------------------------------

    def new_state(self, lang: str = "zh") -> InterviewState:
        if lang not in self.catalogue.languages:
            lang = self.catalogue.default
        return InterviewState(lang=lang)

    def start(self, state: InterviewState) -> StepResult:
        """The first question of a fresh interview."""
        turn = self._turn(state)
        s = turn.state
        s.mode = "interview"
        s.back_stack = []
        s.return_to_review = False
        first = self._first_unanswered(s) or self.bank.applicable(s.answers)[0]
        self._goto(s, first)
        self._show(turn)
        return turn.result()

    def resume(self, state: InterviewState) -> StepResult:
        """Welcome back, then wherever the supplier left off."""
        if state.mode == "interview" and state.current is None:
            return self.start(state)
        turn = self._turn(state)
        if turn.state.mode != "submitted":
            turn.replies.append(Reply(text=self._t(turn.state, "chat.welcome_back")))
        self._show(turn)
        return turn.result()

    def show(self, state: InterviewState) -> StepResult:
        """The current screen again, unchanged: after a notice that interrupted it."""
        if state.mode == "interview" and state.current is None:
            return self.start(state)
        turn = self._turn(state)
        self._show(turn)
        return turn.result()

    def step(self, state: InterviewState, inp: Input) -> StepResult:
        """Apply one input. Never raises for anything a user can send."""
        if state.mode == "interview" and state.current is None:
            return self.start(state)
        turn = self._turn(state)
        if turn.state.mode == "submitted":
            self._show(turn)
        elif isinstance(inp, Command):
            self._on_command(turn, inp)
        elif isinstance(inp, ChoiceInput):
            self._on_choice(turn, inp.data)
        elif isinstance(inp, TextInput):
            self._on_text(turn, inp.text)
        elif isinstance(inp, FileInput):
            self._on_file(turn, inp)
        return turn.result()

    def progress(self, state: InterviewState) -> tuple[int, int, str]:
        """(position among the questions that apply, how many apply, section name)."""
        applicable = [q.id for q in self.bank.applicable(state.answers)]
        lang = self._lang(state)
        if state.mode in ("interview", "confirm_cancel") and state.current in applicable:
            question = self.bank.question(state.current)
            section = self.catalogue.text(self.bank.section(question.section).title, lang)
            return applicable.index(state.current) + 1, len(applicable), section
        return len(applicable), len(applicable), self.catalogue.text("review.title", lang)

    def answers_document(self, state: InterviewState) -> dict[str, Any]:
        """The answers document criteria judges; fields not (yet) claimed take their
        defaults, so a draft's document is always complete and well-formed."""
        applicable = {q.id for q in self.bank.applicable(state.answers)}
        document: dict[str, Any] = {}
        for question in self.bank.questions:
            if question.target is None:
                continue
            answer = state.answers.get(question.id) if question.id in applicable else None
            if answer is not None:
                value: JsonValue = self._document_value(question, answer)
            else:
                present, value = question.document_default()
                if not present:
                    continue
            _put(document, question.target, value)
        return document

    def submit(self, state: InterviewState, ruleset: Ruleset) -> StepResult:
        """Judge the answers: the verdict, or the question to fix if criteria refuses them."""
        turn = self._turn(state)
        s = turn.state
        if s.mode == "submitted":
            self._show(turn)
            return turn.result()
        unanswered = self._first_unanswered(s)
        if unanswered is not None:
            turn.replies.append(Reply(text=self._t(s, "submit.incomplete")))
            s.return_to_review = True
            s.back_stack = []
            self._goto(s, unanswered)
            self._show(turn)
            return turn.result()
        document = self.answers_document(s)
        try:
            answers = parse_answers(document)
        except InvalidAnswers as exc:
            message = exc.message_en if s.lang == "en" else exc.message
            turn.replies.append(Reply(text=self._t(s, "submit.invalid", message=message)))
            culprit = self._question_for_field(s, exc.field)
            if culprit is None:
                s.mode = "review"
            else:
                s.return_to_review = True
                s.back_stack = []
                self._goto(s, culprit)
            self._show(turn)
            return turn.result()
        evaluation = evaluate(answers, ruleset)
        report = render_report(evaluation, s.lang)
        s.mode = "submitted"
        s.current = None
        s.return_to_review = False
        s.back_stack = []
        s.previous_mode = None
        heading = self._t(s, "chat.verdict_heading")
        turn.replies.append(Reply(text=f"{heading}\n\n{report}"))
        turn.replies.append(Reply(text=self._t(s, "submit.done")))
        turn.effects.append(
            Submitted(evaluation=evaluation.model_dump(mode="json"), answers=document)
        )
        return turn.result()

    def reopen(self, state: InterviewState) -> StepResult:
        """Back to the review screen, when an assessor asks for more information."""
        turn = self._turn(state)
        s = turn.state
        s.mode = "review"
        s.current = None
        s.previous_mode = None
        s.return_to_review = False
        s.edit_section = None
        self._show(turn)
        return turn.result()

    def set_language(self, state: InterviewState, lang: str) -> StepResult:
        if lang not in self.catalogue.languages:
            raise ValueError(
                f"unknown language {lang!r}; have {', '.join(self.catalogue.languages)}"
            )
        turn = self._turn(state)
        self._switch_language(turn, lang)
        return turn.result()

    def summary(self, state: InterviewState) -> list[str]:
        """The answers as text, one block per section: a heading, then one line per answer."""
        applicable = self.bank.applicable(state.answers)
        blocks = []
        for section in self.bank.sections:
            questions = [q for q in applicable if q.section == section.id]
            if questions:
                blocks.append(self._section_block(state, section.id, questions))
        return blocks

    def category_label(self, category: str | None, lang: str) -> str:
        """The product category's name, for lists of sessions."""
        for question in self.bank.questions:
            if question.target == "product_category":
                for option in question.options:
                    if option.value == category:
                        return self.catalogue.text(option.label, lang)
        return self.catalogue.text("value.none", lang)

    # -- state housekeeping -------------------------------------------------------------

    def _turn(self, state: InterviewState) -> _Turn:
        """A private copy of the state, repaired against the current bank: answers to
        questions that no longer exist are dropped, and a current question that no longer
        applies gives way to the next one to answer."""
        s = _private_copy(state)
        turn = _Turn(s)
        if s.lang not in self.catalogue.languages:
            s.lang = self.catalogue.default
        known = self.bank.has_question
        s.answers = {k: v for k, v in s.answers.items() if known(k)}
        s.pending_files = {k: v for k, v in s.pending_files.items() if known(k)}
        s.back_stack = [q for q in s.back_stack if known(q)]
        self._reconcile(turn, announce=False)
        applicable = {q.id for q in self.bank.applicable(s.answers)}
        if s.current is not None and s.current not in applicable:
            s.current = None
            s.selection = []
        if s.mode == "confirm_cancel" and s.previous_mode in (None, "confirm_cancel"):
            s.previous_mode = "interview" if s.current is not None else "review"
        if s.mode == "choosing_edit" and not self._section_questions(s, s.edit_section):
            s.mode = "review"
            s.edit_section = None
        resting = s.previous_mode if s.mode == "confirm_cancel" else s.mode
        if resting == "interview" and s.current is None:
            following = self._first_unanswered(s)
            if following is None:
                resting = "review"
            else:
                s.current = following.id
                s.selection = []
            if s.mode == "confirm_cancel":
                s.previous_mode = resting
            else:
                s.mode = resting
        return turn

    def _reconcile(self, turn: _Turn, *, announce: bool) -> None:
        """Re-apply skip rules and cross-field rules after an answer changed.

        Answers to questions that no longer apply are dropped (their uploads cleared), and a
        later answer that an earlier change made inconsistent is withdrawn to be asked again.
        """
        s = turn.state
        kept: dict[str, JsonValue] = {}
        applicable: set[str] = set()
        dropped: list[Question] = []
        withdrawn: list[tuple[Question, JsonValue]] = []
        for question in self.bank.questions:
            qid = question.id
            if condition_holds(question.when, kept):
                applicable.add(qid)
                if qid not in s.answers:
                    continue
                answer = s.answers[qid]
                if answer is not None and self._rule_violation(s, question, answer, kept):
                    withdrawn.append((question, answer))
                else:
                    kept[qid] = answer
            elif qid in s.answers or qid in s.pending_files:
                if qid in s.answers:
                    dropped.append(question)
                if question.is_file:
                    turn.effects.append(FilesCleared(question_id=qid))
        s.answers = kept
        s.pending_files = {k: v for k, v in s.pending_files.items() if k in applicable}
        if not announce:
            return
        if dropped:
            names = self._join(s, [self._t(s, q.label) for q in dropped])
            turn.replies.append(Reply(text=self._t(s, "notice.dropped", questions=names)))
        for question, answer in withdrawn:
            text = self._t(
                s,
                "notice.invalidated",
                question=self._t(s, question.label),
                value=self._display(s, question, answer),
            )
            turn.replies.append(Reply(text=text))

    def _first_unanswered(self, s: InterviewState) -> Question | None:
        return next((q for q in self.bank.applicable(s.answers) if q.id not in s.answers), None)

    def _is_complete(self, s: InterviewState) -> bool:
        return self._first_unanswered(s) is None

    def _goto(self, s: InterviewState, question: Question) -> None:
        s.mode = "interview"
        s.current = question.id
        s.edit_section = None
        answer = s.answers.get(question.id)
        chosen = answer if question.kind == "multi_choice" and isinstance(answer, list) else []
        s.selection = [str(value) for value in chosen]

    def _current(self, s: InterviewState) -> Question:
        assert s.current is not None
        return self.bank.question(s.current)

    # -- rendering ----------------------------------------------------------------------

    def _lang(self, s: InterviewState) -> str:
        return s.lang if s.lang in self.catalogue.languages else self.catalogue.default

    def _t(self, s: InterviewState, key: str, **params: Any) -> str:
        return self.catalogue.text(key, self._lang(s), **params)

    def _join(self, s: InterviewState, items: Iterable[str]) -> str:
        return self._t(s, "value.list_separator").join(items)

    def _show(self, turn: _Turn, *, replace: bool = False) -> None:
        """Append the screen for the current mode: question, review, edit menu, or notice."""
        s = turn.state
        if s.mode == "submitted":
            turn.replies.append(Reply(text=self._t(s, "chat.submitted_frozen")))
        elif s.mode == "review":
            turn.replies.append(self._review_reply(s))
        elif s.mode == "choosing_edit":
            turn.replies.append(self._edit_menu_reply(s))
        elif s.mode == "confirm_cancel":
            buttons = [
                [
                    Button(label=self._t(s, "chat.cancel_yes"), data=cb.encode(cb.CANCEL, "y")),
                    Button(label=self._t(s, "chat.cancel_no"), data=cb.encode(cb.CANCEL, "n")),
                ]
            ]
            turn.replies.append(Reply(text=self._t(s, "chat.cancel_confirm"), buttons=buttons))
        else:
            turn.replies.append(self._question_reply(s, self._current(s), replace=replace))

    def _question_reply(self, s: InterviewState, q: Question, *, replace: bool = False) -> Reply:
        position, total, section = self.progress(s)
        lines = [self._t(s, "progress.line", position=position, total=total, section=section)]
        lines += ["", self._t(s, q.prompt)]
        hints = []
        if q.kind == "multi_choice":
            hints.append(self._t(s, "question.multi_hint"))
        elif q.kind == "file":
            hints.append(self._t(s, "question.file_hint", **self._file_params()))
        elif q.kind == "link_or_file":
            hints.append(self._t(s, "question.link_or_file_hint", **self._file_params()))
        if q.optional:
            hints.append(self._t(s, "question.optional_hint"))
        if hints:
            lines += ["", *hints]
        if q.id in s.answers and q.kind != "multi_choice":
            value = self._display(s, q, s.answers[q.id])
            lines += ["", self._t(s, "question.current_value", value=value)]
        pending = s.pending_files.get(q.id)
        if pending:
            names = self._join(s, (self._file_name(s, f) for f in pending))
            lines += ["", self._t(s, "question.files_received", count=len(pending), names=names)]
        return Reply(
            text="\n".join(lines),
            buttons=self._question_buttons(s, q),
            expects_file=q.is_file,
            replace_previous=replace,
        )

    def _question_buttons(self, s: InterviewState, q: Question) -> list[list[Button]]:
        rows: list[list[Button]] = []
        qid = q.id
        if q.kind == "yes_no":
            rows.append(
                [
                    Button(label=self._t(s, "button.yes"), data=cb.encode(cb.ANSWER, qid, "y")),
                    Button(label=self._t(s, "button.no"), data=cb.encode(cb.ANSWER, qid, "n")),
                ]
            )
        elif q.kind == "single_choice":
            for option in q.options:
                label = self._t(s, option.label)
                rows.append([Button(label=label, data=cb.encode(cb.ANSWER, qid, option.value))])
        elif q.kind == "multi_choice":
            for option in q.options:
                label = self._t(s, option.label)
                if option.value in s.selection:
                    label = self._t(s, "button.selected", label=label)
                rows.append([Button(label=label, data=cb.encode(cb.TOGGLE, qid, option.value))])
            rows.append([Button(label=self._t(s, "button.done"), data=cb.encode(cb.DONE, qid))])
        pending = s.pending_files.get(qid)
        clear = Button(label=self._t(s, "button.clear_files"), data=cb.encode(cb.CLEAR, qid))
        done = Button(label=self._t(s, "button.done"), data=cb.encode(cb.DONE, qid))
        if q.is_file and pending:
            rows.append([done, clear])
        elif q.is_file and self._has_files(s.answers.get(qid)):
            rows.append([clear])
        if qid in s.answers and not pending and q.kind != "multi_choice":
            rows.append([Button(label=self._t(s, "button.keep"), data=cb.encode(cb.KEEP, qid))])
        nav = []
        if self._can_go_back(s):
            nav.append(Button(label=self._t(s, "button.back"), data=cb.encode(cb.BACK, qid)))
        if q.optional:
            nav.append(Button(label=self._t(s, "button.skip"), data=cb.encode(cb.SKIP, qid)))
        nav.append(Button(label=self._t(s, "button.help"), data=cb.encode(cb.HELP, qid)))
        rows.append(nav)
        return rows

    def _file_params(self) -> dict[str, str]:
        rules = self.bank.files
        return {
            "types": ", ".join(ext.upper() for ext in rules.types),
            "max_mb": decimal_to_str(Decimal(rules.max_bytes) / _MEGABYTE),
        }

    def _review_reply(self, s: InterviewState) -> Reply:
        blocks = self.summary(s)
        missing = sum(1 for q in self.bank.applicable(s.answers) if q.id not in s.answers)
        footer = (
            self._t(s, "review.footer_complete")
            if missing == 0
            else self._t(s, "review.footer_incomplete", count=missing)
        )
        text = "\n\n".join([self._t(s, "review.title"), *blocks, footer])
        rows: list[list[Button]] = []
        edit_buttons = [
            Button(
                label=self._t(s, "button.edit_section", section=self._t(s, section.title)),
                data=cb.encode(cb.REVIEW, "sec", section.id),
            )
            for section in self.bank.sections
            if self._section_questions(s, section.id)
        ]
        for start in range(0, len(edit_buttons), 2):
            rows.append(edit_buttons[start : start + 2])
        if missing == 0:
            rows.append(
                [Button(label=self._t(s, "button.submit"), data=cb.encode(cb.REVIEW, "submit"))]
            )
        else:
            rows.append(
                [Button(label=self._t(s, "button.continue"), data=cb.encode(cb.REVIEW, "continue"))]
            )
        return Reply(text=text, buttons=rows)

    def _edit_menu_reply(self, s: InterviewState) -> Reply:
        section_id = s.edit_section or ""
        questions = self._section_questions(s, section_id)
        title = self._t(s, self.bank.section(section_id).title)
        block = self._section_block(s, section_id, questions)
        text = "\n\n".join([self._t(s, "review.edit_choose", section=title), block])
        rows = [
            [Button(label=self._t(s, q.label), data=cb.encode(cb.EDIT, q.id))] for q in questions
        ]
        rows.append(
            [Button(label=self._t(s, "button.back_to_review"), data=cb.encode(cb.REVIEW, "show"))]
        )
        return Reply(text=text, buttons=rows)

    def _section_questions(self, s: InterviewState, section_id: str | None) -> list[Question]:
        return [q for q in self.bank.applicable(s.answers) if q.section == section_id]

    def _section_block(self, s: InterviewState, section_id: str, questions: list[Question]) -> str:
        title = self._t(s, self.bank.section(section_id).title)
        lines = [self._t(s, "review.section_heading", section=title)]
        for q in questions:
            if q.id in s.answers:
                value = self._display(s, q, s.answers[q.id])
            else:
                value = self._t(s, "value.unanswered")
            lines.append(self._t(s, "review.line", label=self._t(s, q.label), value=value))
        return "\n".join(lines)

    def _display(self, s: InterviewState, q: Question, answer: JsonValue) -> str:
        """An answer as a supplier reads it: labels, amounts with units, file names."""
        if answer is None:
            return self._t(s, "value.skipped")
        kind = q.kind
        if kind == "yes_no":
            return self._t(s, "value.yes" if answer is True else "value.no")
        if kind == "single_choice":
            return self._option_label(s, q, str(answer))
        if kind == "multi_choice" and isinstance(answer, list):
            return self._join(s, (self._option_label(s, q, str(v)) for v in answer))
        if kind in ("number", "percentage"):
            amount = f"{Decimal(str(answer)):,}"
            if kind == "percentage":
                return self._t(s, "value.percent", amount=amount)
            unit = self._t(s, self.bank.units[q.unit or ""].label)
            return self._t(s, "value.amount", amount=amount, unit=unit)
        if kind == "date" and q.granularity == "month":
            return str(answer)[:7]
        if q.is_file and isinstance(answer, list):
            records = [FileInput.model_validate(item) for item in answer]
            return self._join(s, (self._file_name(s, f) for f in records))
        return str(answer)

    def _option_label(self, s: InterviewState, q: Question, value: str) -> str:
        for option in q.options:
            if option.value == value:
                return self._t(s, option.label)
        return value

    def _file_name(self, s: InterviewState, f: FileInput) -> str:
        return f.file_name or self._t(s, "value.photo")

    @staticmethod
    def _has_files(answer: JsonValue) -> bool:
        return isinstance(answer, list) and bool(answer)

    # -- navigation ---------------------------------------------------------------------

    def _can_go_back(self, s: InterviewState) -> bool:
        if s.return_to_review:
            return True
        applicable = [q.id for q in self.bank.applicable(s.answers)]
        if any(q in applicable and q != s.current for q in s.back_stack):
            return True
        return s.current in applicable and applicable.index(s.current) > 0

    def _go_back(self, turn: _Turn) -> None:
        s = turn.state
        applicable = [q.id for q in self.bank.applicable(s.answers)]
        while s.back_stack:
            previous = s.back_stack.pop()
            if previous in applicable and previous != s.current:
                self._goto(s, self.bank.question(previous))
                self._show(turn)
                return
        if s.return_to_review:
            self._to_review(turn)
            return
        if s.current in applicable and applicable.index(s.current) > 0:
            previous = applicable[applicable.index(s.current) - 1]
            self._goto(s, self.bank.question(previous))
            self._show(turn)
            return
        turn.replies.append(Reply(text=self._t(s, "notice.no_back")))
        self._show(turn)

    def _advance(self, turn: _Turn, answered: Question) -> None:
        """Move on after an answer: the next question that applies, or the review."""
        s = turn.state
        applicable = self.bank.applicable(s.answers)
        following: Question | None
        if s.return_to_review:
            following = next((q for q in applicable if q.id not in s.answers), None)
        else:
            position = self.bank.index(answered.id)
            following = next((q for q in applicable if self.bank.index(q.id) > position), None)
            if following is None:
                following = next((q for q in applicable if q.id not in s.answers), None)
        if following is None:
            self._to_review(turn)
            return
        s.back_stack.append(answered.id)
        del s.back_stack[: -len(self.bank.questions)]
        self._goto(s, following)
        self._show(turn)

    def _to_review(self, turn: _Turn) -> None:
        s = turn.state
        s.mode = "review"
        s.selection = []
        s.edit_section = None
        # An edit ends at the review; only an interview left half-way keeps its place.
        if s.return_to_review or self._is_complete(s):
            s.current = None
            s.return_to_review = False
        self._show(turn)

    def _stale(self, turn: _Turn) -> None:
        turn.replies.append(Reply(text=self._t(turn.state, "chat.stale_button")))
        self._show(turn)

    def _switch_language(self, turn: _Turn, lang: str) -> None:
        s = turn.state
        s.lang = lang
        turn.effects.append(LanguageChanged(lang=lang))
        turn.replies.append(Reply(text=self._t(s, "chat.language_switched")))
        self._show(turn)

    # -- input handlers -----------------------------------------------------------------

    def _on_command(self, turn: _Turn, command: Command) -> None:
        s = turn.state
        name = command.name
        if name == "language":
            if command.arg in self.catalogue.languages:
                self._switch_language(turn, command.arg)
            else:
                turn.replies.append(self._language_menu(s))
        elif name == "cancel":
            if s.mode != "confirm_cancel":
                s.previous_mode = s.mode
                s.mode = "confirm_cancel"
            self._show(turn)
        elif s.mode == "confirm_cancel":
            self._show(turn)
        elif name == "back":
            if s.mode == "interview":
                self._go_back(turn)
            elif s.mode == "choosing_edit":
                self._to_review(turn)
            else:
                self._leave_review(turn, last_if_complete=True)
        elif name == "skip":
            if s.mode == "interview" and self._current(s).optional:
                self._skip(turn, self._current(s))
            else:
                turn.replies.append(Reply(text=self._t(s, "chat.nothing_to_skip")))
                self._show(turn)
        elif name == "help":
            if s.mode == "interview":
                turn.replies.append(Reply(text=self._t(s, self._current(s).help)))
            else:
                turn.replies.append(Reply(text=self._t(s, "review.help")))
            self._show(turn)
        else:  # review
            self._to_review(turn)

    def _language_menu(self, s: InterviewState) -> Reply:
        row = [
            Button(label=self._t(s, f"language.name.{lang}"), data=cb.encode(cb.LANGUAGE, lang))
            for lang in self.catalogue.languages
        ]
        return Reply(text=self._t(s, "language.choose"), buttons=[row])

    def _leave_review(self, turn: _Turn, *, last_if_complete: bool) -> None:
        """From the review back into the questions: where the supplier was, else the first
        unanswered question, else (going back) the last one."""
        s = turn.state
        applicable = self.bank.applicable(s.answers)
        target: Question | None = None
        if s.current is not None and any(q.id == s.current for q in applicable):
            target = self.bank.question(s.current)
        if target is None:
            target = self._first_unanswered(s)
        if target is None and last_if_complete:
            target = applicable[-1]
        if target is None:
            self._to_review(turn)
            return
        self._goto(s, target)
        self._show(turn)

    def _on_choice(self, turn: _Turn, data: str) -> None:
        s = turn.state
        callback = cb.decode(data)
        if callback is None:
            self._stale(turn)
            return
        verb, subject, argument = callback.verb, callback.subject, callback.argument
        if verb == cb.LANGUAGE:
            if subject in self.catalogue.languages:
                self._switch_language(turn, subject)
            else:
                self._stale(turn)
        elif verb == cb.CANCEL:
            if s.mode == "confirm_cancel":
                self._on_cancel_answer(turn, subject)
            else:
                self._stale(turn)
        elif verb == cb.REVIEW:
            self._on_review_button(turn, subject, argument)
        elif verb == cb.EDIT:
            questions = self._section_questions(s, s.edit_section)
            chosen = next((q for q in questions if q.id == subject), None)
            if s.mode != "choosing_edit" or chosen is None:
                self._stale(turn)
                return
            s.return_to_review = True
            s.back_stack = []
            self._goto(s, chosen)
            self._show(turn)
        elif s.mode == "interview" and subject == s.current:
            self._on_question_button(turn, self._current(s), verb, argument)
        else:
            self._stale(turn)

    def _on_cancel_answer(self, turn: _Turn, answer: str) -> None:
        s = turn.state
        back_to = s.previous_mode or "interview"
        if answer not in ("y", "n"):
            self._stale(turn)
            return
        s.mode = back_to
        s.previous_mode = None
        if answer == "y":
            turn.effects.append(CancelConfirmed())
            turn.replies.append(Reply(text=self._t(s, "chat.cancelled")))
        else:
            self._show(turn)

    def _on_review_button(self, turn: _Turn, action: str, argument: str | None) -> None:
        s = turn.state
        if action == "show" and s.mode in ("review", "choosing_edit"):
            self._to_review(turn)
        elif action == "submit" and s.mode == "review" and self._is_complete(s):
            turn.effects.append(SubmitRequested())
        elif action == "continue" and s.mode == "review" and not self._is_complete(s):
            self._leave_review(turn, last_if_complete=False)
        elif action == "sec" and s.mode in ("review", "choosing_edit"):
            if not self._section_questions(s, argument):
                self._stale(turn)
                return
            s.mode = "choosing_edit"
            s.edit_section = argument
            self._show(turn)
        else:
            self._stale(turn)

    def _on_question_button(
        self, turn: _Turn, q: Question, verb: str, argument: str | None
    ) -> None:
        s = turn.state
        if verb == cb.ANSWER:
            value: JsonValue
            if q.kind == "yes_no" and argument in ("y", "n"):
                value = argument == "y"
            elif q.kind == "single_choice" and any(o.value == argument for o in q.options):
                value = argument
            else:
                self._stale(turn)
                return
            self._commit(turn, q, value)
        elif verb == cb.TOGGLE and q.kind == "multi_choice":
            if not any(o.value == argument for o in q.options):
                self._stale(turn)
                return
            s.selection = self._toggled(q, s.selection, argument or "")
            self._show(turn, replace=True)
        elif verb == cb.DONE and q.kind == "multi_choice":
            self._commit_selection(turn, q, list(s.selection))
        elif verb == cb.DONE and q.is_file:
            self._files_done(turn, q)
        elif verb == cb.KEEP and q.id in s.answers:
            self._advance(turn, q)
        elif verb == cb.SKIP:
            if q.optional:
                self._skip(turn, q)
            else:
                turn.replies.append(Reply(text=self._t(s, "chat.nothing_to_skip")))
                self._show(turn)
        elif verb == cb.BACK:
            self._go_back(turn)
        elif verb == cb.HELP:
            turn.replies.append(Reply(text=self._t(s, q.help)))
            self._show(turn)
        elif verb == cb.CLEAR and q.is_file:
            if s.pending_files.pop(q.id, None) or q.id in s.answers:
                s.answers.pop(q.id, None)
                turn.effects.append(FilesCleared(question_id=q.id))
            self._show(turn)
        else:
            self._stale(turn)

    @staticmethod
    def _toggled(q: Question, selection: list[str], value: str) -> list[str]:
        option = next(o for o in q.options if o.value == value)
        chosen = set(selection)
        if value in chosen:
            chosen.discard(value)
        elif option.exclusive:
            chosen = {value}
        else:
            exclusive = {o.value for o in q.options if o.exclusive}
            chosen = (chosen - exclusive) | {value}
        return [o.value for o in q.options if o.value in chosen]

    def _on_text(self, turn: _Turn, text: str) -> None:
        s = turn.state
        if s.mode == "confirm_cancel":
            verdict = match_choice(text, self._yes_no_words())
            if verdict is None:
                self._show(turn)
            else:
                self._on_cancel_answer(turn, verdict)
            return
        if s.mode != "interview":
            turn.replies.append(Reply(text=self._t(s, "review.use_buttons")))
            self._show(turn)
            return
        q = self._current(s)
        if q.kind == "multi_choice":
            self._typed_selection(turn, q, text)
            return
        if q.kind == "file":
            self._reprompt(turn, q, ParseError("file.expected"))
            return
        try:
            value = self._read(s, q, text)
        except ParseError as error:
            self._reprompt(turn, q, error)
            return
        if q.kind == "link_or_file" and (
            s.pending_files.get(q.id) or self._has_files(s.answers.get(q.id))
        ):
            s.pending_files.pop(q.id, None)
            turn.effects.append(FilesCleared(question_id=q.id))
        self._commit(turn, q, value)

    def _read(self, s: InterviewState, q: Question, text: str) -> JsonValue:
        """A typed answer as the value to store, or the ParseError that says why not."""
        kind = q.kind
        if kind == "yes_no":
            verdict = match_choice(text, self._yes_no_words())
            if verdict is None:
                raise ParseError("choice.unknown", {"options": self._choice_list(s, q)})
            return verdict == "y"
        if kind == "single_choice":
            chosen = match_choice(text, self._option_words(q))
            if chosen is None:
                raise ParseError("choice.unknown", {"options": self._choice_list(s, q)})
            return chosen
        if kind in ("number", "percentage"):
            return self._read_amount(s, q, text)
        if kind == "date":
            return self._read_date(s, q, text)
        if kind == "text":
            pattern = re.compile(q.pattern) if q.pattern else None
            return parse_text(
                text, min_length=q.min_length, max_length=q.max_length or 1, pattern=pattern
            )
        if kind == "credit_code":
            return parse_credit_code(text)
        if kind == "phone":
            return parse_phone(text)
        if kind == "link_or_file":
            return parse_link(text)
        raise ParseError("file.expected")  # pragma: no cover - file questions never get here

    def _read_amount(self, s: InterviewState, q: Question, text: str) -> str:
        value = parse_number(text, self.bank.unit_tokens(q), multipliers=self.bank.multipliers)
        low, high = q.lower_bound(), q.upper_bound()
        if low is not None and (value <= low if q.min_exclusive else value < low):
            code = "number.not_above" if q.min_exclusive else "number.too_small"
            raise ParseError(code, {"min": self._display(s, q, decimal_to_str(low))})
        if high is not None and value > high:
            raise ParseError("number.too_large", {"max": self._display(s, q, decimal_to_str(high))})
        stored = decimal_to_str(value)
        violation = self._rule_violation(s, q, stored, self._applicable_answers(s))
        if violation is not None:
            raise violation
        return stored

    def _read_date(self, s: InterviewState, q: Question, text: str) -> str:
        today = self._today()
        if q.granularity == "month":
            year, month = parse_month(text)
            day = 1 if q.anchor == "start" else calendar.monthrange(year, month)[1]
            value = date(year, month, day)
            if q.not_after_today and (year, month) > (today.year, today.month):
                raise ParseError("date.future", {"date": value.isoformat()[:7]})
        else:
            value = parse_date(text)
            if q.not_after_today and value > today:
                raise ParseError("date.future", {"date": value.isoformat()})
        if q.not_before_today and value < today:
            raise ParseError("date.expired", {"date": value.isoformat()})
        stored = value.isoformat()
        violation = self._rule_violation(s, q, stored, self._applicable_answers(s))
        if violation is not None:
            raise violation
        return stored

    def _applicable_answers(self, s: InterviewState) -> dict[str, JsonValue]:
        applicable = {q.id for q in self.bank.applicable(s.answers)}
        return {k: v for k, v in s.answers.items() if k in applicable}

    def _rule_violation(
        self,
        s: InterviewState,
        q: Question,
        answer: JsonValue,
        answers: Mapping[str, JsonValue],
    ) -> ParseError | None:
        """The first cross-field rule the answer breaks, judged against earlier answers."""
        for rule in q.rules:
            error = self._check_rule(s, rule, answer, answers)
            if error is not None:
                return error
        return None

    def _check_rule(
        self,
        s: InterviewState,
        rule: Rule,
        answer: JsonValue,
        answers: Mapping[str, JsonValue],
    ) -> ParseError | None:
        if rule.span_from is not None and rule.span_months is not None:
            start = answers.get(rule.span_from)
            if not isinstance(start, str) or not isinstance(answer, str):
                return None
            first = date.fromisoformat(start)
            last = date.fromisoformat(answer)
            months = (last.year - first.year) * 12 + last.month - first.month + 1
            if months == rule.span_months:
                return None
            end_index = first.year * 12 + first.month - 1 + rule.span_months - 1
            expected = f"{end_index // 12:04d}-{end_index % 12 + 1:02d}"
            return ParseError(
                "rule.span_months",
                {"months": str(rule.span_months), "start": start[:7], "expected": expected},
            )
        value = Decimal(str(answer))
        ref = rule.le if rule.le is not None else rule.ge
        if ref is not None:
            other = answers.get(ref)
            if other is None:
                return None
            limit = Decimal(str(other))
            if (value <= limit) if rule.le is not None else (value >= limit):
                return None
            source = self.bank.question(ref)
            return ParseError(
                "rule.le" if rule.le is not None else "rule.ge",
                {
                    "other": self._t(s, source.label),
                    "other_value": self._display(s, source, decimal_to_str(limit)),
                },
            )
        total = value + sum(
            (Decimal(str(answers[r])) for r in rule.sum_with if answers.get(r) is not None),
            Decimal(0),
        )
        if rule.sum_max is not None and total > rule.sum_max:
            others = [self._t(s, self.bank.question(r).label) for r in rule.sum_with]
            return ParseError(
                "rule.sum_max",
                {
                    "max": decimal_to_str(rule.sum_max),
                    "total": decimal_to_str(total),
                    "others": self._join(s, others),
                },
            )
        return None

    def _reprompt(self, turn: _Turn, q: Question, error: ParseError) -> None:
        """Say what is wrong (with an example of a good answer) and ask the same again."""
        s = turn.state
        turn.replies.append(Reply(text=self._error_text(s, q, error)))
        self._show(turn)

    def _error_text(self, s: InterviewState, q: Question, error: ParseError) -> str:
        params: dict[str, Any] = dict(error.params)
        params["example"] = self._t(s, q.example)
        if q.kind == "number":
            tokens = [t for unit_id in q.units for t in self.bank.units[unit_id].tokens]
            params["units"] = self._join(s, tokens)
        elif q.kind == "percentage":
            params["units"] = self._join(s, self.bank.units["percent"].tokens)
        else:
            params["units"] = ""
        params.update(self._file_params())
        params.setdefault("max_files", self.bank.files.max_files)
        return self._t(s, f"error.{error.code}", **params)

    def _yes_no_words(self) -> dict[str, list[str]]:
        words = self.bank.yes_no
        return {
            "y": [
                *words.yes,
                *self.catalogue.all_forms("button.yes"),
                *self.catalogue.all_forms("value.yes"),
            ],
            "n": [
                *words.no,
                *self.catalogue.all_forms("button.no"),
                *self.catalogue.all_forms("value.no"),
            ],
        }

    def _option_words(self, q: Question) -> dict[str, list[str]]:
        return {
            o.value: [o.value, *self.catalogue.all_forms(o.label), *o.synonyms] for o in q.options
        }

    def _choice_list(self, s: InterviewState, q: Question) -> str:
        if q.kind == "yes_no":
            labels = [self._t(s, "button.yes"), self._t(s, "button.no")]
        else:
            labels = [self._t(s, o.label) for o in q.options]
        return " / ".join(labels)

    def _typed_selection(self, turn: _Turn, q: Question, text: str) -> None:
        s = turn.state
        words = self._option_words(q)
        whole = match_choice(text, words)
        parts = (
            [whole] if whole is not None else [match_choice(p, words) for p in split_choices(text)]
        )
        if not parts or any(p is None for p in parts):
            error = ParseError("choice.unknown", {"options": self._choice_list(s, q)})
            self._reprompt(turn, q, error)
            return
        chosen = {p for p in parts if p is not None}
        exclusive = [o for o in q.options if o.exclusive and o.value in chosen]
        if exclusive and len(chosen) > 1:
            error = ParseError("multi.exclusive", {"option": self._t(s, exclusive[0].label)})
            self._reprompt(turn, q, error)
            return
        self._commit_selection(turn, q, [o.value for o in q.options if o.value in chosen])

    def _commit_selection(self, turn: _Turn, q: Question, selection: list[str]) -> None:
        if len(selection) < q.min_selected:
            self._reprompt(turn, q, ParseError("multi.empty", {"min": str(q.min_selected)}))
            return
        self._commit(turn, q, list(selection))

    def _on_file(self, turn: _Turn, upload: FileInput) -> None:
        s = turn.state
        if s.mode != "interview" or not self._current(s).is_file:
            turn.replies.append(Reply(text=self._t(s, "notice.file_unexpected")))
            self._show(turn)
            return
        q = self._current(s)
        rules = self.bank.files
        name = upload.file_name or self._t(s, "value.photo")
        mime = upload.mime_type or ("image/jpeg" if upload.kind == "photo" else None)
        if not rules.allows(upload.file_name, mime):
            text = self._t(s, "chat.file_wrong_type", name=name, **self._file_params())
            turn.replies.append(Reply(text=text))
            self._show(turn)
            return
        if upload.file_size is not None and upload.file_size > rules.max_bytes:
            text = self._t(s, "chat.file_too_large", name=name, **self._file_params())
            turn.replies.append(Reply(text=text))
            self._show(turn)
            return
        pending = s.pending_files.setdefault(q.id, [])
        if q.id in s.answers:
            # Files sent to an answered question join the ones already there until "done".
            earlier = s.answers.pop(q.id)
            if isinstance(earlier, list):
                pending[:0] = [FileInput.model_validate(item) for item in earlier]
        if any(f.file_unique_id == upload.file_unique_id for f in pending):
            turn.replies.append(self._file_reply(s, q, "file.duplicate", name))
            return
        if len(pending) >= rules.max_files:
            self._reprompt(turn, q, ParseError("file.too_many"))
            return
        pending.append(upload)
        turn.effects.append(FileAccepted(question_id=q.id, file=upload))
        turn.replies.append(self._file_reply(s, q, "file.accepted", name))

    def _file_reply(self, s: InterviewState, q: Question, key: str, name: str) -> Reply:
        count = len(s.pending_files.get(q.id, []))
        rows = [
            [
                Button(label=self._t(s, "button.done"), data=cb.encode(cb.DONE, q.id)),
                Button(label=self._t(s, "button.clear_files"), data=cb.encode(cb.CLEAR, q.id)),
            ]
        ]
        return Reply(text=self._t(s, key, name=name, count=count), buttons=rows, expects_file=True)

    def _files_done(self, turn: _Turn, q: Question) -> None:
        s = turn.state
        pending = s.pending_files.get(q.id)
        if pending:
            self._commit(turn, q, [f.model_dump(mode="json") for f in pending])
        elif q.id in s.answers:
            self._advance(turn, q)
        else:
            self._reprompt(turn, q, ParseError("file.none_yet"))

    def _skip(self, turn: _Turn, q: Question) -> None:
        s = turn.state
        if q.is_file and (s.pending_files.get(q.id) or self._has_files(s.answers.get(q.id))):
            turn.effects.append(FilesCleared(question_id=q.id))
        s.pending_files.pop(q.id, None)
        self._commit(turn, q, None)

    def _commit(self, turn: _Turn, q: Question, value: JsonValue) -> None:
        """Store an answer, re-apply the skip rules, and move on."""
        s = turn.state
        s.answers[q.id] = value
        s.pending_files.pop(q.id, None)
        s.selection = []
        turn.effects.append(AnswerAccepted(question_id=q.id))
        self._reconcile(turn, announce=True)
        self._advance(turn, q)

    # -- the answers document -----------------------------------------------------------

    def _document_value(self, q: Question, answer: JsonValue) -> JsonValue:
        if q.kind in ("number", "percentage"):
            return _json_number(Decimal(str(answer)))
        return answer

    def _question_for_field(self, s: InterviewState, field_path: str) -> Question | None:
        """The question whose answer feeds a field of the answers document."""
        applicable = [q for q in self.bank.applicable(s.answers) if q.target is not None]
        for matches in (
            lambda target: target == field_path,
            lambda target: target.startswith(field_path + "."),
            lambda target: field_path.startswith(target + "."),
        ):
            found = next((q for q in applicable if matches(q.target or "")), None)
            if found is not None:
                return found
        return None


def _private_copy(state: InterviewState) -> InterviewState:
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
        }
    )


def _json_copy(value: JsonValue) -> JsonValue:
    if isinstance(value, dict):
        return {key: _json_copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_json_copy(item) for item in value]
    return value  # str, int, float, bool, None: immutable


def _json_number(value: Decimal) -> int | float | str:
    """A JSON number: an int when whole, else the float whose shortest repr is exactly the
    decimal. A value no float can carry exactly stays a numeric string, which criteria
    reads exactly too, rather than being silently rounded."""
    if value == value.to_integral_value():
        return int(value)
    as_float = float(value)
    if Decimal(repr(as_float)) == value:
        return as_float
    return decimal_to_str(value)


def _put(document: dict[str, Any], target: str, value: JsonValue) -> None:
    *parents, leaf = target.split(".")
    node = document
    for part in parents:
        node = node.setdefault(part, {})
    node[leaf] = value

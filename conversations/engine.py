"""The interview as a state machine: one input in, the next state and what to say out.

It knows questions, answers and texts, and nothing about any transport: Telegram, a terminal
or a test drive it with the same calls. Every public method is pure: the state passed in is
never modified, a new one comes back in the `StepResult`.

What it shows is built by `screens`, typed answers are read by `reading`, cross-field rules
live in `rules` and the document the evaluator reads in `document`; this module decides
which question comes next and what each input does to the state.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import JsonValue

from conversations import callbacks as cb
from conversations.bank import Question, QuestionBank
from conversations.catalogue import Catalogue
from conversations.computed import ComputedAnswers
from conversations.display import Display, has_files
from conversations.document import answers_document, question_for_field
from conversations.models import (
    AnswerAccepted,
    CancelConfirmed,
    ChoiceInput,
    Command,
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
from conversations.parsing import ParseError, decimal_to_str
from conversations.reading import InputReader
from conversations.readings import Readings
from conversations.required_texts import ENGINE_TEXTS, bank_texts
from conversations.rules import CrossFieldRules, derived_answers
from conversations.screens import Screens
from conversations.turn import Turn, private_copy
from criteria import (
    DEFAULT_RULESET_ID,
    InvalidAnswers,
    Ruleset,
    evaluate,
    load_ruleset,
    parse_answers,
    render_report,
)

__all__ = ["ENGINE_TEXTS", "Engine"]


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
        ruleset: Ruleset | None = None,
    ) -> None:
        self.bank = bank
        # The bands the energy figures are asked back on while the supplier answers; the
        # verdict itself is judged by the ruleset `submit` is given.
        self._ruleset = ruleset
        self.catalogue = catalogue
        zone = ZoneInfo(bank.timezone)
        self._today = today or (lambda: datetime.now(zone).date())
        missing = catalogue.missing((*ENGINE_TEXTS, *bank_texts(bank)))
        if missing:
            listed = ", ".join(f"{lang}:{key}" for lang, key in missing[:10])
            raise ValueError(f"the catalogue lacks {len(missing)} text(s): {listed}")
        self.display = Display(bank, catalogue)
        self.rules = CrossFieldRules(self.display)
        self.reader = InputReader(self.display, self.rules, self._today)
        self.screens = Screens(self.display, self._today)
        self.readings = Readings(self.display, self.reader, self.screens)
        self.computed = ComputedAnswers(self.bank, lambda: self.ruleset)

    @classmethod
    def default(
        cls, *, today: Callable[[], date] | None = None, ruleset: Ruleset | None = None
    ) -> Engine:
        """The packaged question bank and catalogue."""
        return cls(QuestionBank.load(), Catalogue.load(), today=today, ruleset=ruleset)

    @property
    def ruleset(self) -> Ruleset:
        if self._ruleset is None:
            self._ruleset = load_ruleset(DEFAULT_RULESET_ID)
        return self._ruleset

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
            turn.replies.append(Reply(text=self.display.t(turn.state, "chat.welcome_back")))
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

    def file_read(
        self,
        state: InterviewState,
        digest: str,
        question_id: str,
        file_name: str | None,
        fields: dict[str, str] | None,
    ) -> StepResult:
        """What was read from an uploaded file (None: nothing could be read), arriving
        while the supplier goes on answering: kept, and each value that would change an
        answer is put to the supplier, now or at the review. The current screen is left
        as it is; nothing is said of a file that could not be read."""
        turn = self._turn(state)
        s = turn.state
        self.readings.record(s, digest, question_id, file_name, fields)
        if s.mode in ("interview", "review"):
            turn.replies.extend(self.readings.questions(s))
        return turn.result()

    def progress(self, state: InterviewState) -> tuple[int, int, str]:
        """(the current section's place, how many sections, its name)."""
        return self.screens.progress(state)

    def answers_document(self, state: InterviewState) -> dict[str, Any]:
        """The answers document criteria judges; fields not (yet) claimed take their
        defaults, so a draft's document is always complete and well-formed."""
        return answers_document(self.bank, state)

    def submit(self, state: InterviewState, ruleset: Ruleset) -> StepResult:
        """Judge the answers: the verdict, or the question to fix if criteria refuses them."""
        turn = self._turn(state)
        s = turn.state
        if s.mode == "submitted":
            self._show(turn)
            return turn.result()
        unanswered = self._first_unanswered(s)
        if unanswered is not None:
            turn.replies.append(Reply(text=self.display.t(s, "submit.incomplete")))
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
            turn.replies.append(Reply(text=self.display.t(s, "submit.invalid", message=message)))
            culprit = question_for_field(self.bank, s, exc.field)
            if culprit is None:
                s.mode = "review"
            else:
                s.return_to_review = True
                s.back_stack = []
                self._goto(s, culprit)
            self._show(turn)
            return turn.result()
        evaluation = evaluate(answers, ruleset, on=self._today())
        report = render_report(evaluation, s.lang)
        s.mode = "submitted"
        s.current = None
        s.return_to_review = False
        s.back_stack = []
        s.previous_mode = None
        heading = self.display.t(s, "chat.verdict_heading")
        turn.replies.append(Reply(text=f"{heading}\n\n{report}"))
        turn.replies.append(Reply(text=self.display.t(s, "submit.done")))
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
        return self.screens.summary(state)

    def category_label(self, category: str | None, lang: str) -> str:
        """The product category's name, for lists of sessions."""
        return self.display.category_label(category, lang)

    # -- state housekeeping -------------------------------------------------------------

    def _turn(self, state: InterviewState) -> Turn:
        """A private copy of the state, repaired against the current bank: answers to
        questions that no longer exist are dropped, and a current question that no longer
        applies gives way to the next one to answer."""
        s = private_copy(state)
        turn = Turn(s)
        if s.lang not in self.catalogue.languages:
            s.lang = self.catalogue.default
        known = self.bank.has_question
        s.answers = {k: v for k, v in s.answers.items() if known(k)}
        s.pending_files = {k: v for k, v in s.pending_files.items() if known(k)}
        s.back_stack = [q for q in s.back_stack if known(q)]
        self.computed.assume(s)
        self.rules.reconcile(turn, announce=False)
        if any(q.computed and q.id not in s.answers for q in self.bank.questions):
            self.computed.compute(s)
        applicable = self.bank.applicable_ids(s.answers)
        if s.current is not None and s.current not in applicable:
            s.current = None
            s.selection = []
        if s.mode == "confirm_cancel" and s.previous_mode in (None, "confirm_cancel"):
            s.previous_mode = "interview" if s.current is not None else "review"
        if s.mode == "choosing_edit" and not self.screens.section_questions(s, s.edit_section):
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

    def _first_unanswered(self, s: InterviewState) -> Question | None:
        return next((q for q in self.bank.applicable(s.answers) if q.id not in s.answers), None)

    def _is_complete(self, s: InterviewState) -> bool:
        return self._first_unanswered(s) is None

    def _goto(self, s: InterviewState, question: Question) -> None:
        s.mode = "interview"
        s.conversion = None
        s.current = question.id
        s.edit_section = None
        answer = s.answers.get(question.id)
        chosen = answer if question.kind == "multi_choice" and isinstance(answer, list) else []
        s.selection = [str(value) for value in chosen]

    def _current(self, s: InterviewState) -> Question:
        assert s.current is not None
        return self.bank.question(s.current)

    def _show(self, turn: Turn, *, replace: bool = False) -> None:
        """Append the screen for the current mode: question, review, edit menu, or notice;
        the factor asked for while an amount in the plant's own unit waits for it; at the
        review, the values read from files that still wait for a yes or no first."""
        s = turn.state
        conversion = s.conversion
        if conversion is not None and s.mode == "interview" and conversion["question"] == s.current:
            q = self._current(s)
            turn.replies.append(Reply(text=self._factor_prompt(s, q, conversion)))
            return
        if s.mode == "review":
            turn.replies.extend(self.readings.questions(s))
        turn.replies.append(self.screens.current(s, replace=replace))

    # -- navigation ---------------------------------------------------------------------

    def _go_back(self, turn: Turn) -> None:
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
        turn.replies.append(Reply(text=self.display.t(s, "notice.no_back")))
        self._show(turn)

    def _advance(self, turn: Turn, answered: Question) -> None:
        """Move on after an answer: the next question that applies, or the review."""
        s = turn.state
        applicable = self.bank.applicable(s.answers)
        following: Question | None
        if s.return_to_review:
            following = next((q for q in applicable if q.id not in s.answers), None)
        else:
            position = self.bank.index(answered.id)
            following = next(
                (
                    q
                    for q in applicable
                    if self.bank.index(q.id) > position and not (q.derived and q.id in s.answers)
                ),
                None,
            )
            if following is None:
                following = next((q for q in applicable if q.id not in s.answers), None)
        if following is None:
            self._to_review(turn)
            return
        s.back_stack.append(answered.id)
        del s.back_stack[: -len(self.bank.questions)]
        self._goto(s, following)
        self._show(turn)

    def _to_review(self, turn: Turn) -> None:
        s = turn.state
        s.mode = "review"
        s.selection = []
        s.edit_section = None
        # An edit ends at the review; only an interview left half-way keeps its place.
        if s.return_to_review or self._is_complete(s):
            s.current = None
            s.return_to_review = False
        self._show(turn)

    def _stale(self, turn: Turn) -> None:
        """An old or unknown button: one message, saying so above the current screen."""
        notice = self.display.t(turn.state, "chat.stale_button")
        screen = self.screens.current(turn.state)
        turn.replies.append(screen.model_copy(update={"text": f"{notice}\n\n{screen.text}"}))

    def _switch_language(self, turn: Turn, lang: str) -> None:
        s = turn.state
        s.lang = lang
        turn.effects.append(LanguageChanged(lang=lang))
        turn.replies.append(Reply(text=self.display.t(s, "chat.language_switched")))
        self._show(turn)

    # -- input handlers -----------------------------------------------------------------

    def _on_command(self, turn: Turn, command: Command) -> None:
        s = turn.state
        name = command.name
        if name == "language":
            if command.arg in self.catalogue.languages:
                self._switch_language(turn, command.arg)
            else:
                turn.replies.append(self.screens.language_menu(s))
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
                turn.replies.append(Reply(text=self.display.t(s, "chat.nothing_to_skip")))
                self._show(turn)
        elif name == "help":
            if s.mode == "interview":
                turn.replies.append(Reply(text=self.display.t(s, self._current(s).help)))
            else:
                turn.replies.append(Reply(text=self.display.t(s, "review.help")))
            self._show(turn)
        else:  # review
            self._to_review(turn)

    def _leave_review(self, turn: Turn, *, last_if_complete: bool) -> None:
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

    def _on_choice(self, turn: Turn, data: str) -> None:
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
        elif verb == cb.READ:
            replies = self.readings.answer(s, subject, argument)
            if replies is None:
                self._stale(turn)
                return
            turn.replies.extend(replies)
            if s.mode == "interview":
                turn.replies.extend(self.readings.questions(s))
            self._show(turn)
        elif verb == cb.EDIT:
            questions = self.screens.section_questions(s, s.edit_section)
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

    def _on_cancel_answer(self, turn: Turn, answer: str) -> None:
        s = turn.state
        back_to = s.previous_mode or "interview"
        if answer not in ("y", "n"):
            self._stale(turn)
            return
        s.mode = back_to
        s.previous_mode = None
        if answer == "y":
            turn.effects.append(CancelConfirmed())
            turn.replies.append(Reply(text=self.display.t(s, "chat.cancelled")))
        else:
            self._show(turn)

    def _on_review_button(self, turn: Turn, action: str, argument: str | None) -> None:
        s = turn.state
        if action == "show" and s.mode in ("review", "choosing_edit"):
            self._to_review(turn)
        elif action == "submit" and s.mode == "review" and self._is_complete(s):
            turn.effects.append(SubmitRequested())
        elif action == "continue" and s.mode == "review" and not self._is_complete(s):
            self._leave_review(turn, last_if_complete=False)
        elif action == "sec" and s.mode in ("review", "choosing_edit"):
            if not self.screens.section_questions(s, argument):
                self._stale(turn)
                return
            s.mode = "choosing_edit"
            s.edit_section = argument
            self._show(turn)
        else:
            self._stale(turn)

    def _on_question_button(self, turn: Turn, q: Question, verb: str, argument: str | None) -> None:
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
                turn.replies.append(Reply(text=self.display.t(s, "chat.nothing_to_skip")))
                self._show(turn)
        elif verb == cb.BACK:
            self._go_back(turn)
        elif verb == cb.HELP:
            turn.replies.append(Reply(text=self.display.t(s, q.help)))
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

    def _on_text(self, turn: Turn, text: str) -> None:
        s = turn.state
        if s.mode == "confirm_cancel":
            verdict = self.reader.yes_no(text)
            if verdict is None:
                self._show(turn)
            else:
                self._on_cancel_answer(turn, verdict)
            return
        if s.mode == "review" and self.reader.is_submit(text) and self._is_complete(s):
            turn.effects.append(SubmitRequested())
            return
        if s.mode != "interview":
            # The screen's buttons under one short line: the review is not reprinted whole.
            screen = self.screens.current(s)
            hint = Reply(text=self.display.t(s, "review.use_buttons"), buttons=screen.buttons)
            turn.replies.append(hint if s.mode in ("review", "choosing_edit") else screen)
            return
        q = self._current(s)
        if s.conversion is not None and s.conversion.get("question") == q.id:
            self._convert(turn, q, s.conversion, text)
            return
        if q.kind == "multi_choice":
            self._typed_selection(turn, q, text)
            return
        if (
            q.is_file
            and self.reader.is_done(text)
            and (s.pending_files.get(q.id) or q.kind == "file")
        ):
            self._files_done(turn, q)
            return
        if q.kind == "file":
            self._reprompt(turn, q, ParseError("file.expected"))
            return
        if q.optional and q.evidence is not None and self.reader.is_unknown(text):
            self._skip(turn, q)
            return
        try:
            value = self.reader.read(s, q, text)
        except ParseError as error:
            plant = self.reader.plant_amount(q, text) if q.plant_units else None
            if plant is None:
                self._reprompt(turn, q, error)
                return
            unit_id, amount = plant
            s.conversion = {"question": q.id, "unit": unit_id, "amount": amount}
            turn.replies.append(Reply(text=self._factor_prompt(s, q, s.conversion)))
            return
        if q.kind == "link_or_file" and (
            s.pending_files.get(q.id) or has_files(s.answers.get(q.id))
        ):
            s.pending_files.pop(q.id, None)
            turn.effects.append(FilesCleared(question_id=q.id))
        if q.expiry and isinstance(value, str) and value < self._today().isoformat():
            turn.replies.append(Reply(text=self._expired(s, q, value)))
        self._commit(turn, q, value)

    def _expired(self, s: InterviewState, q: Question, value: str) -> str:
        """An expiry already past is taken as said (it is what the certificate shows), but
        the supplier learns now that the clause will not pass on it, not at the verdict."""
        question = self.bank.question(q.id)
        return self.display.t(
            s,
            "notice.expired",
            date=self.display.answer(s, question, value),
            clause=q.clause,
        )

    def _factor_prompt(self, s: InterviewState, q: Question, conversion: dict[str, str]) -> str:
        unit_id = conversion["unit"]
        amount = self.display.amount(s, conversion["amount"], unit_id)
        return self.display.t(s, q.plant_units[unit_id].prompt, amount=amount)

    def _convert(self, turn: Turn, q: Question, conversion: dict[str, str], text: str) -> None:
        """The factor for an amount typed in the plant's own unit: the tonnes it makes are
        checked as a typed figure would be, stored, and shown with how they were reached."""
        s = turn.state
        unit_id = conversion["unit"]
        plant = q.plant_units[unit_id]
        try:
            factor = self.reader.factor(s, q, unit_id, text)
        except ParseError as error:
            params = {
                **error.params,
                "example": self.display.t(s, plant.example),
                "units": self.display.t(s, self.bank.units[plant.factor_unit].label),
            }
            refusal = self.display.t(s, f"error.{error.code}", **params)
            turn.replies.append(Reply(text=f"{refusal}\n\n{self._factor_prompt(s, q, conversion)}"))
            return
        s.conversion = None
        canonical = Decimal(conversion["amount"]) * factor * plant.to_canonical
        try:
            value = self.reader.read(s, q, decimal_to_str(canonical))
        except ParseError as error:  # the tonnes are out of bounds: the amount is asked again
            self._reprompt(turn, q, error)
            return
        shown = self.display.t(
            s,
            "notice.converted",
            amount=self.display.amount(s, conversion["amount"], unit_id),
            factor=self.display.amount(s, decimal_to_str(factor), plant.factor_unit),
            value=self.display.answer(s, q, value),
        )
        turn.replies.append(Reply(text=shown))
        self._commit(turn, q, value)

    def _reprompt(self, turn: Turn, q: Question, error: ParseError) -> None:
        """Say what is wrong (with an example of a good answer) and ask the same again, in
        one message: the explanation above the question and its buttons."""
        s = turn.state
        explanation = self.screens.error(s, q, _with_short_echo(error))
        screen = self.screens.current(s)
        turn.replies.append(
            screen.model_copy(update={"text": f"{explanation.text}\n\n{screen.text}"})
        )

    def _typed_selection(self, turn: Turn, q: Question, text: str) -> None:
        try:
            selection = self.reader.read_selection(turn.state, q, text)
        except ParseError as error:
            self._reprompt(turn, q, error)
            return
        self._commit_selection(turn, q, selection)

    def _commit_selection(self, turn: Turn, q: Question, selection: list[str]) -> None:
        if len(selection) < q.min_selected:
            self._reprompt(turn, q, ParseError("multi.empty", {"min": str(q.min_selected)}))
            return
        self._commit(turn, q, list(selection))

    def _on_file(self, turn: Turn, upload: FileInput) -> None:
        s = turn.state
        if s.mode != "interview" or not self._current(s).is_file:
            turn.replies.append(Reply(text=self.display.t(s, "notice.file_unexpected")))
            self._show(turn)
            return
        q = self._current(s)
        rules = self.bank.files
        name = upload.file_name or self.display.t(s, "value.photo")
        mime = upload.mime_type or ("image/jpeg" if upload.kind == "photo" else None)
        if not rules.allows(upload.file_name, mime):
            text = self.display.t(
                s, "chat.file_wrong_type", name=name, **self.display.file_params()
            )
            turn.replies.append(Reply(text=text))
            self._show(turn)
            return
        if upload.file_size is not None and upload.file_size > rules.max_bytes:
            text = self.display.t(s, "chat.file_too_large", name=name, **self.display.file_params())
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
            turn.replies.append(self.screens.file_received(s, q, "file.duplicate", name))
            return
        if len(pending) >= rules.max_files:
            self._reprompt(turn, q, ParseError("file.too_many"))
            return
        pending.append(upload)
        turn.effects.append(FileAccepted(question_id=q.id, file=upload))
        turn.replies.append(self.screens.file_received(s, q, "file.accepted", name))

    def _files_done(self, turn: Turn, q: Question) -> None:
        s = turn.state
        pending = s.pending_files.get(q.id)
        if pending:
            self._commit(turn, q, [f.model_dump(mode="json") for f in pending])
        elif q.id in s.answers:
            self._advance(turn, q)
        else:
            self._reprompt(turn, q, ParseError("file.none_yet"))

    def _skip(self, turn: Turn, q: Question) -> None:
        s = turn.state
        if q.is_file and (s.pending_files.get(q.id) or has_files(s.answers.get(q.id))):
            turn.effects.append(FilesCleared(question_id=q.id))
        s.pending_files.pop(q.id, None)
        self._commit(turn, q, None)

    def _commit(self, turn: Turn, q: Question, value: JsonValue) -> None:
        """Store an answer, re-apply the skip rules, and move on."""
        s = turn.state
        chosen = next((o for o in q.options if o.value == value), None)
        if chosen is not None and chosen.revisit:
            self._revisit(turn, q)
            return
        if s.answers.get(q.id, _UNSET) != value:
            self.computed.withdraw_asked_back(s, q)
        s.answers[q.id] = value
        s.pending_files.pop(q.id, None)
        s.selection = []
        turn.effects.append(AnswerAccepted(question_id=q.id))
        if isinstance(value, str):
            for derived_id, derived in derived_answers(self.bank, q.id, value).items():
                s.answers[derived_id] = derived
                turn.effects.append(AnswerAccepted(question_id=derived_id))
                shown = self.bank.question(derived_id)
                turn.replies.append(
                    Reply(
                        text=self.display.t(
                            s,
                            "notice.derived",
                            question=self.display.t(s, shown.label),
                            value=self.display.answer(s, shown, derived),
                        )
                    )
                )
        self.rules.reconcile(turn, announce=True)
        self.computed.after_answer(s, q)
        self._advance(turn, q)

    def _revisit(self, turn: Turn, q: Question) -> None:
        """The supplier chose to correct a figure asked back on: to that question, with
        its current value and a keep button; the check comes again after it."""
        s = turn.state
        flagged = next((s.answers.get(ref) for ref in q.when), None)
        target_id = q.revisit.get(str(flagged))
        s.answers.pop(q.id, None)
        s.selection = []
        if target_id is None or not self.bank.has_question(target_id):
            self._show(turn)
            return
        s.back_stack.append(q.id)
        self._goto(s, self.bank.question(target_id))
        self._show(turn)


_UNSET = object()


# The refused text is echoed so the supplier sees what was read; a few hundred characters
# show that, and a pasted page would push the re-prompt past a message's length.
ECHO_MAX_CHARS = 200


def _with_short_echo(error: ParseError) -> ParseError:
    """The same refusal with the echoed input cut, an ellipsis marking the cut."""
    text = error.params.get("text")
    if text is None or len(text) <= ECHO_MAX_CHARS:
        return error
    return ParseError(error.code, {**error.params, "text": text[: ECHO_MAX_CHARS - 1] + "…"})

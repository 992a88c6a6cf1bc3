"""What the supplier sees: a question with its buttons, the review, the edit menu, progress.

Screens only read the state; the engine decides which one to show after each input. Every
button carries callback data bound to the screen that showed it, so a press on an old
message is recognised as stale.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from datetime import date
from typing import Any

from conversations import callbacks as cb
from conversations.bank import Question
from conversations.display import Display, has_files
from conversations.models import Button, InterviewState, Reply
from conversations.parsing import ParseError

__all__ = ["Screens"]


class Screens:
    """Every screen of the interview, built from a state that it never changes."""

    def __init__(self, display: Display, today: Callable[[], date] | None = None) -> None:
        self.display = display
        self._today = today or date.today
        self.bank = display.bank
        self.catalogue = display.catalogue

    def current(self, s: InterviewState, *, replace: bool = False) -> Reply:
        """The screen for the current mode: question, review, edit menu, or notice."""
        t = self.display.t
        if s.mode == "submitted":
            return Reply(text=t(s, "chat.submitted_frozen"))
        if s.mode == "review":
            return self.review(s)
        if s.mode == "choosing_edit":
            return self.edit_menu(s)
        if s.mode == "confirm_cancel":
            buttons = [
                [
                    Button(label=t(s, "chat.cancel_yes"), data=cb.encode(cb.CANCEL, "y")),
                    Button(label=t(s, "chat.cancel_no"), data=cb.encode(cb.CANCEL, "n")),
                ]
            ]
            return Reply(text=t(s, "chat.cancel_confirm"), buttons=buttons)
        assert s.current is not None
        return self.question(s, self.bank.question(s.current), replace=replace)

    def progress(self, s: InterviewState) -> tuple[int, int, str]:
        """(the current section's place, how many sections, its name).

        Counted in sections, not questions: the number of questions grows as answers open
        follow-ups, so a question count would jump back (11/26 → 12/29); the sections are
        fixed, so the place shown only moves forward as the interview does.
        """
        sections = [section.id for section in self.bank.sections]
        lang = self.display.lang(s)
        applicable = self.bank.applicable_ids(s.answers)
        if s.mode in ("interview", "confirm_cancel") and s.current in applicable:
            question = self.bank.question(s.current)
            section = self.catalogue.text(self.bank.section(question.section).title, lang)
            return sections.index(question.section) + 1, len(sections), section
        return len(sections), len(sections), self.catalogue.text("review.title", lang)

    def question(self, s: InterviewState, q: Question, *, replace: bool = False) -> Reply:
        t = self.display.t
        lines = [self._prompt(s, q)]
        if self._opens_section(s, q):
            position, total, section = self.progress(s)
            heading = t(s, "progress.line", position=position, total=total, section=section)
            lines[:0] = [heading, ""]
        hints = []
        if q.kind == "multi_choice":
            hints.append(t(s, "question.multi_hint"))
        elif q.kind == "file":
            hints.append(t(s, "question.file_hint", **self.display.file_params()))
        elif q.kind == "link_or_file":
            hints.append(t(s, "question.link_or_file_hint", **self.display.file_params()))
        # An optional question says so by its skip button (and its prompt, where a 0 is
        # the usual answer): a hint line as well was read past.
        if hints:
            lines += ["", *hints]
        if q.id in s.answers and q.kind != "multi_choice":
            value = self.display.answer(s, q, s.answers[q.id])
            lines += ["", t(s, "question.current_value", value=value)]
        pending = s.pending_files.get(q.id)
        if pending:
            names = self.display.join(s, (self.display.file_name(s, f) for f in pending))
            lines += ["", t(s, "question.files_received", count=len(pending), names=names)]
        return Reply(
            text="\n".join(lines),
            buttons=self._question_buttons(s, q),
            expects_file=q.is_file,
            replace_previous=replace,
        )

    def _prompt(self, s: InterviewState, q: Question) -> str:
        """The question's own words; a question asking back on a computed answer says what
        was found instead, with the figures the supplier gave."""
        for ref in q.when:
            computed = self.bank.question(ref)
            if not computed.computed:
                continue
            option = next((o for o in computed.options if o.value == s.answers.get(ref)), None)
            if option is not None:
                figures = {
                    qid: self.display.answer(s, self.bank.question(qid), answer)
                    for qid, answer in s.answers.items()
                    if self.bank.question(qid).section == q.section
                    and not self.bank.question(qid).computed
                }
                return self.display.t(s, option.label, **figures)
        return self.display.t(s, q.prompt)

    def _opens_section(self, s: InterviewState, q: Question) -> bool:
        """Where the part heading is shown: at the first question of each part, and
        whenever the supplier jumps in from elsewhere (an edit from the review). Repeated
        above every question it would only be read past."""
        if s.return_to_review:
            return True
        first = next(x for x in self.bank.applicable(s.answers) if x.section == q.section)
        return first.id == q.id

    def _question_buttons(self, s: InterviewState, q: Question) -> list[list[Button]]:
        t = self.display.t
        rows: list[list[Button]] = []
        qid = q.id
        if q.kind == "yes_no":
            rows.append(
                [
                    Button(label=t(s, "button.yes"), data=cb.encode(cb.ANSWER, qid, "y")),
                    Button(label=t(s, "button.no"), data=cb.encode(cb.ANSWER, qid, "n")),
                ]
            )
        elif q.kind == "single_choice":
            for option in q.options:
                label = t(s, option.label)
                rows.append([Button(label=label, data=cb.encode(cb.ANSWER, qid, option.value))])
        elif q.kind == "multi_choice":
            for option in q.options:
                label = t(s, option.label)
                if option.value in s.selection:
                    label = t(s, "button.selected", label=label)
                rows.append([Button(label=label, data=cb.encode(cb.TOGGLE, qid, option.value))])
            rows.append([Button(label=t(s, "button.done"), data=cb.encode(cb.DONE, qid))])
        pending = s.pending_files.get(qid)
        clear = Button(label=t(s, "button.clear_files"), data=cb.encode(cb.CLEAR, qid))
        done = Button(label=t(s, "button.done"), data=cb.encode(cb.DONE, qid))
        if q.is_file and pending:
            rows.append([done, clear])
        elif q.is_file and has_files(s.answers.get(qid)):
            rows.append([clear])
        if qid in s.answers and not pending and q.kind != "multi_choice":
            rows.append([Button(label=t(s, "button.keep"), data=cb.encode(cb.KEEP, qid))])
        nav = []
        if self._can_go_back(s):
            nav.append(Button(label=t(s, "button.back"), data=cb.encode(cb.BACK, qid)))
        if q.optional:
            nav.append(Button(label=t(s, "button.skip"), data=cb.encode(cb.SKIP, qid)))
        nav.append(Button(label=t(s, "button.help"), data=cb.encode(cb.HELP, qid)))
        rows.append(nav)
        return rows

    def _can_go_back(self, s: InterviewState) -> bool:
        """Whether "back" leads anywhere: the review an edit started from, a question
        answered before this one, or simply an earlier question."""
        if s.return_to_review:
            return True
        applicable = [q.id for q in self.bank.applicable(s.answers)]
        if any(q in applicable and q != s.current for q in s.back_stack):
            return True
        return s.current in applicable and applicable.index(s.current) > 0

    def review(self, s: InterviewState) -> Reply:
        t = self.display.t
        blocks = self.summary(s)
        missing = sum(1 for q in self.bank.applicable(s.answers) if q.id not in s.answers)
        footer = (
            t(s, "review.footer_complete")
            if missing == 0
            else t(s, "review.footer_incomplete", count=missing)
        )
        text = "\n\n".join([t(s, "review.title"), *blocks, footer])
        rows: list[list[Button]] = []
        edit_buttons = [
            Button(
                label=t(s, "button.edit_section", section=t(s, section.title)),
                data=cb.encode(cb.REVIEW, "sec", section.id),
            )
            for section in self.bank.sections
            if self.section_questions(s, section.id)
        ]
        for start in range(0, len(edit_buttons), 2):
            rows.append(edit_buttons[start : start + 2])
        if missing == 0:
            rows.append([Button(label=t(s, "button.submit"), data=cb.encode(cb.REVIEW, "submit"))])
        else:
            rows.append(
                [Button(label=t(s, "button.continue"), data=cb.encode(cb.REVIEW, "continue"))]
            )
        return Reply(text=text, buttons=rows)

    def edit_menu(self, s: InterviewState) -> Reply:
        t = self.display.t
        section_id = s.edit_section or ""
        questions = self.section_questions(s, section_id)
        title = t(s, self.bank.section(section_id).title)
        block = self._section_block(s, section_id, questions)
        text = "\n\n".join([t(s, "review.edit_choose", section=title), block])
        rows = [[Button(label=t(s, q.label), data=cb.encode(cb.EDIT, q.id))] for q in questions]
        rows.append(
            [Button(label=t(s, "button.back_to_review"), data=cb.encode(cb.REVIEW, "show"))]
        )
        return Reply(text=text, buttons=rows)

    def summary(self, s: InterviewState) -> list[str]:
        """The answers as text, one block per section: a heading, then one line per answer."""
        applicable = self.bank.applicable(s.answers)
        blocks = []
        for section in self.bank.sections:
            questions = [q for q in applicable if q.section == section.id]
            if questions:
                blocks.append(self._section_block(s, section.id, questions))
        return blocks

    def section_questions(self, s: InterviewState, section_id: str | None) -> list[Question]:
        """The questions of a section that apply, the ones its edit menu offers (a derived
        answer changes with the one it follows from)."""
        return [
            q
            for q in self.bank.applicable(s.answers)
            if q.section == section_id and not (q.derived and q.id in s.answers)
        ]

    def _section_block(self, s: InterviewState, section_id: str, questions: list[Question]) -> str:
        t = self.display.t
        title = t(s, self.bank.section(section_id).title)
        lines = [t(s, "review.section_heading", section=title)]
        for q in questions:
            if q.id in s.answers:
                value = self.display.answer(s, q, s.answers[q.id])
            else:
                value = t(s, "value.unanswered")
            lines.append(t(s, "review.line", label=t(s, q.label), value=value))
        return "\n".join(lines)

    def language_menu(self, s: InterviewState) -> Reply:
        t = self.display.t
        row = [
            Button(label=t(s, f"language.name.{lang}"), data=cb.encode(cb.LANGUAGE, lang))
            for lang in self.catalogue.languages
        ]
        return Reply(text=t(s, "language.choose"), buttons=[row])

    def file_received(self, s: InterviewState, q: Question, key: str, name: str) -> Reply:
        """The answer to one upload: how many files the question holds, and done / clear."""
        t = self.display.t
        count = len(s.pending_files.get(q.id, []))
        rows = [
            [
                Button(label=t(s, "button.done"), data=cb.encode(cb.DONE, q.id)),
                Button(label=t(s, "button.clear_files"), data=cb.encode(cb.CLEAR, q.id)),
            ]
        ]
        return Reply(text=t(s, key, name=name, count=count), buttons=rows, expects_file=True)

    def error(self, s: InterviewState, q: Question, error: ParseError) -> Reply:
        """Why an answer was refused, with an example of a good one and the units."""
        params: dict[str, Any] = dict(error.params)
        params["example"] = (
            self.date_example(s, q) if q.kind == "date" else self.display.t(s, q.example)
        )
        # Units by their label in the supplier's language only: the typed aliases
        # (tonnes, t, 噸...) are still understood, but a list of them is noise.
        if q.kind == "number":
            labels = [
                self.display.t(s, self.bank.units[unit_id].label)
                for unit_id in (*q.units, *q.plant_units)
            ]
            params["units"] = self.display.join(s, labels)
        elif q.kind == "percentage":
            params["units"] = self.display.t(s, self.bank.units["percent"].label)
        else:
            params["units"] = ""
        params.update(self.display.file_params())
        params.setdefault("max_files", self.bank.files.max_files)
        return Reply(text=self.display.t(s, f"error.{error.code}", **params))

    def date_example(self, s: InterviewState, q: Question) -> str:
        """An example date that is a valid answer today, never one already past: a
        certificate's expiry a year ahead, a period that has ended (the start 12 months
        back, the end 11 months after that start)."""
        today = self._today()
        if q.granularity == "month":
            months_back = 12 if q.anchor == "start" else 1
            index = today.year * 12 + today.month - 1 - months_back
            year, month = divmod(index, 12)
            month += 1
            return self.display.t(
                s, "example.month", iso=f"{year}-{month:02d}", year=year, month=month
            )
        year = today.year + 1 if q.not_before_today or q.expiry else today.year - 1
        last = calendar.monthrange(year, today.month)[1]
        example = date(year, today.month, last)
        return self.display.t(
            s,
            "example.day",
            iso=example.isoformat(),
            year=example.year,
            month=example.month,
            day=example.day,
        )

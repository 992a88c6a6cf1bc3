"""Cross-field rules: an answer judged against the earlier answers it must agree with.

The bank declares them (`le`, `ge`, `sum_with` + `sum_max`, `span_from` + `span_months`);
a typed answer that breaks one is refused at once, with a `ParseError` whose text names the
other question and its value. When an earlier answer changes, `reconcile` re-applies these
rules and the skip rules together: answers that no longer apply or no longer agree go.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from datetime import date
from decimal import Decimal

from pydantic import JsonValue

from conversations.bank import Question, QuestionBank, Rule
from conversations.display import Display
from conversations.models import FilesCleared, InterviewState, Reply
from conversations.parsing import ParseError, decimal_to_str
from conversations.turn import Turn
from criteria.figures import figure

__all__ = ["CrossFieldRules", "derived_answers", "span_end"]


class CrossFieldRules:
    """The bank's cross-field rules, with reasons worded for the supplier reading them."""

    def __init__(self, display: Display) -> None:
        self.display = display
        self.bank = display.bank

    def reconcile(self, turn: Turn, *, announce: bool) -> None:
        """Re-apply skip rules and cross-field rules after an answer changed.

        Answers to questions that no longer apply are dropped (their uploads cleared), and a
        later answer that an earlier change made inconsistent is withdrawn to be asked again.
        """
        s = turn.state
        # Conditions read yes/no and choice answers, which no cross-field rule withdraws
        # (the bank refuses any other when it loads), so which questions apply is what the
        # bank judged of the answers as they stand, and remembers.
        met = self.bank.conditions_met(s.answers)
        kept: dict[str, JsonValue] = {}
        applicable: set[str] = set()
        dropped: list[Question] = []
        withdrawn: list[tuple[Question, JsonValue]] = []
        for question in self.bank.questions:
            qid = question.id
            if qid in met:
                applicable.add(qid)
                if qid not in s.answers:
                    continue
                answer = s.answers[qid]
                if answer is not None and self.violation(s, question, answer, kept):
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
            names = self.display.join(s, [self.display.t(s, q.label) for q in dropped])
            turn.replies.append(Reply(text=self.display.t(s, "notice.dropped", questions=names)))
        for question, answer in withdrawn:
            text = self.display.t(
                s,
                "notice.invalidated",
                question=self.display.t(s, question.label),
                value=self.display.answer(s, question, answer),
            )
            turn.replies.append(Reply(text=text))

    def violation(
        self,
        s: InterviewState,
        q: Question,
        answer: JsonValue,
        answers: Mapping[str, JsonValue],
    ) -> ParseError | None:
        """The first cross-field rule the answer breaks, judged against earlier answers."""
        for rule in q.rules:
            error = self._check(s, rule, answer, answers)
            if error is not None:
                return error
        return None

    def _check(
        self,
        s: InterviewState,
        rule: Rule,
        answer: JsonValue,
        answers: Mapping[str, JsonValue],
    ) -> ParseError | None:
        if rule.span_from is not None and rule.span_months is not None:
            return _span_violation(rule.span_from, rule.span_months, answer, answers)
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
                    "other": self.display.t(s, source.label),
                    "other_value": self.display.answer(s, source, decimal_to_str(limit)),
                },
            )
        total = value + sum(
            (Decimal(str(answers[r])) for r in rule.sum_with if answers.get(r) is not None),
            Decimal(0),
        )
        if rule.sum_max is not None and total > rule.sum_max:
            others = [self.display.t(s, self.bank.question(r).label) for r in rule.sum_with]
            return ParseError(
                "rule.sum_max",
                {
                    "max": figure(rule.sum_max, places=None),
                    "total": figure(total, places=None),
                    "others": self.display.join(s, others),
                },
            )
        return None


def _span_violation(
    span_from: str, span_months: int, answer: JsonValue, answers: Mapping[str, JsonValue]
) -> ParseError | None:
    """Whether the month answered closes a period of exactly `span_months` months that
    starts at the month answered to `span_from`; the error names the month that would."""
    start = answers.get(span_from)
    if not isinstance(start, str) or not isinstance(answer, str):
        return None
    first = date.fromisoformat(start)
    last = date.fromisoformat(answer)
    months = (last.year - first.year) * 12 + last.month - first.month + 1
    if months == span_months:
        return None
    end_index = first.year * 12 + first.month - 1 + span_months - 1
    expected = f"{end_index // 12:04d}-{end_index % 12 + 1:02d}"
    return ParseError(
        "rule.span_months",
        {"months": str(span_months), "start": start[:7], "expected": expected},
    )


def span_end(start: str, months: int) -> date:
    """The last day of a period of `months` months that starts in the month of `start`."""
    first = date.fromisoformat(start)
    year, month = divmod(first.year * 12 + first.month - 1 + months - 1, 12)
    return date(year, month + 1, calendar.monthrange(year, month + 1)[1])


def derived_answers(bank: QuestionBank, source: str, answer: str) -> dict[str, str]:
    """The answers that follow from answering `source` with `answer`: each derived
    question whose span starts there gets the last day of its span."""
    derived: dict[str, str] = {}
    for question in bank.questions:
        if not question.derived:
            continue
        for rule in question.rules:
            if rule.span_from == source and rule.span_months is not None:
                derived[question.id] = span_end(answer, rule.span_months).isoformat()
    return derived

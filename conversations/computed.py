"""Answers the interview works out itself rather than asks: a hidden finding on the energy
figures (what the ruleset's plausibility bands say of them), which decides whether they are
asked back, and the answers an older draft implies for a question added since.

A computed answer follows the figures of its own section: it is worked out again when an
answer there changes (the cross-field rules stay within a section too), and what was asked
back on an old finding is dropped when the finding changes.
"""

from __future__ import annotations

from collections.abc import Callable

from conversations.bank import Question, QuestionBank
from conversations.document import answers_document
from conversations.models import InterviewState
from criteria import InvalidAnswers, Ruleset, energy_review, parse_answers

__all__ = ["ComputedAnswers"]


class ComputedAnswers:
    def __init__(self, bank: QuestionBank, ruleset: Callable[[], Ruleset]) -> None:
        self.bank = bank
        self._ruleset = ruleset

    def assume(self, s: InterviewState) -> None:
        """A draft from before a question was added keeps the answers that now follow
        from it: the question takes the answer those imply instead of dropping them."""
        for q in self.bank.questions:
            assumed = q.assumed
            if assumed is None or q.id in s.answers:
                continue
            if any(s.answers.get(qid) is not None for qid in assumed.given):
                s.answers[q.id] = assumed.value

    def after_answer(self, s: InterviewState, answered: Question) -> None:
        """Work the computed answers out again when `answered` is in their section; an
        answer elsewhere leaves them as they are."""
        if any(c.computed and c.section == answered.section for c in self.bank.questions):
            self.compute(s)

    def compute(self, s: InterviewState) -> None:
        """The computed answers again, once every question before each is answered: the
        energy figures are judged whole, not while half of them are still to come."""
        applicable = self.bank.applicable(s.answers)
        for computed in (q for q in self.bank.questions if q.computed):
            position = self.bank.index(computed.id)
            earlier = [
                q
                for q in applicable
                if q.section == computed.section and self.bank.index(q.id) < position
            ]
            value = None
            if all(q.id in s.answers for q in earlier):
                value = self._plausibility(s, computed)
            if value != s.answers.get(computed.id):
                # What was asked back on the old finding does not answer the new one.
                self._drop_followers(s, computed)
            if value is None:
                s.answers.pop(computed.id, None)
            else:
                s.answers[computed.id] = value

    def withdraw_asked_back(self, s: InterviewState, changed: Question) -> None:
        """A figure changed after the supplier confirmed the figures: the confirmation was
        about the old ones, so it is asked again if the new ones trip a band too."""
        position = self.bank.index(changed.id)
        for computed in self.bank.questions:
            if not computed.computed or computed.section != changed.section:
                continue
            if position < self.bank.index(computed.id):
                self._drop_followers(s, computed)

    def _drop_followers(self, s: InterviewState, computed: Question) -> None:
        for follower in self.bank.questions:
            if computed.id in follower.when:
                s.answers.pop(follower.id, None)

    def _plausibility(self, s: InterviewState, computed: Question) -> str | None:
        """The option standing for what the ruleset's bands say of the figures so far
        (the first one it names), the plain one when they say nothing."""
        try:
            answers = parse_answers(answers_document(self.bank, s))
        except InvalidAnswers:
            return None
        codes = [note.code for note in energy_review(answers, self._ruleset())]
        for code in codes:
            for option in computed.options:
                if code in option.codes:
                    return option.value
        return next((o.value for o in computed.options if not o.codes), None)

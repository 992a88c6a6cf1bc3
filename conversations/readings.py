"""Values read from a supplier's certificates, offered to the supplier before they count.

Reading a file takes seconds and happens beside the interview, so its result arrives
between answers: it is recorded on the state, and for each value that answers an earlier
question (the certificate's number, its expiry) and says something other than what was
typed, the supplier is asked "证书上的有效期至 2027年3月1日，对吗？". Yes replaces the typed
answer with the read one (checked like a typed answer); no keeps the typed one. A value the
supplier typed already is agreed without a question. Nothing read is used unconfirmed.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from conversations import callbacks as cb
from conversations.bank import Question
from conversations.display import Display
from conversations.models import Button, InterviewState, Reading, Reply
from conversations.parsing import ParseError
from conversations.reading import InputReader
from conversations.screens import Screens
from criteria.figures import figure

__all__ = ["Readings"]

#: The digest prefix a button carries: 64 bits tell a session's files apart.
_DIGEST_PREFIX = 16


class Readings:
    def __init__(self, display: Display, reader: InputReader, screens: Screens) -> None:
        self.display = display
        self.bank = display.bank
        self.reader = reader
        self.screens = screens

    def record(
        self,
        s: InterviewState,
        digest: str,
        question_id: str,
        file_name: str | None,
        fields: dict[str, str] | None,
    ) -> None:
        """Keep what was read from one file (None: nothing could be read)."""
        s.readings[digest] = Reading(
            question_id=question_id,
            file_name=file_name,
            readable=fields is not None,
            fields={k: v for k, v in (fields or {}).items() if v not in (None, "")},
        )
        self._agree(s)

    def questions(self, s: InterviewState) -> list[Reply]:
        """One question per read value still to confirm, in the order of the files."""
        return [self._ask(s, digest, field, value, q) for digest, field, value, q in self._open(s)]

    def answer(self, s: InterviewState, subject: str, argument: str | None) -> list[Reply] | None:
        """The supplier's yes or no to one read value; None for a button no longer open."""
        prefix, _, field = subject.partition(".")
        found = next(
            (o for o in self._open(s) if o[0][:_DIGEST_PREFIX] == prefix and o[1] == field),
            None,
        )
        if found is None or argument not in ("y", "n"):
            return None
        digest, field, value, q = found
        reading = s.readings[digest]
        label = self.display.t(s, f"reading.field.{field}")
        shown = self._shown(s, q, value)
        if argument == "n":
            reading.replies[field] = "kept"
            typed = s.answers.get(q.id)
            kept = self.display.answer(s, q, typed) if typed is not None else "—"
            return [Reply(text=self.display.t(s, "reading.kept", value=kept))]
        try:
            stored = self.reader.read(s, q, value)
        except ParseError as error:
            reading.replies[field] = "kept"
            reason = self.screens.error(s, q, error).text
            text = self.display.t(s, "reading.refused", field=label, value=shown, reason=reason)
            return [Reply(text=text)]
        s.answers[q.id] = stored
        reading.replies[field] = "confirmed"
        self._agree(s)
        return [Reply(text=self.display.t(s, "reading.confirmed", field=label, value=shown))]

    # -- what is open ---------------------------------------------------------------------

    def _targets(self, reading: Reading) -> Iterator[tuple[str, str, Question]]:
        if not self.bank.has_question(reading.question_id):
            return
        for field, question_id in self.bank.question(reading.question_id).reads.items():
            value = reading.fields.get(field)
            if value is not None and self.bank.has_question(question_id):
                yield field, value, self.bank.question(question_id)

    def _agree(self, s: InterviewState) -> None:
        """Values the supplier typed already need no question."""
        for reading in s.readings.values():
            for field, value, q in self._targets(reading):
                if field not in reading.replies and _same(s.answers.get(q.id), value):
                    reading.replies[field] = "agreed"

    def _open(self, s: InterviewState) -> Iterator[tuple[str, str, str, Question]]:
        applicable = self.bank.applicable_ids(s.answers)
        for digest, reading in s.readings.items():
            if reading.question_id not in applicable:
                continue
            for field, value, q in self._targets(reading):
                if field not in reading.replies and q.id in applicable:
                    yield digest, field, value, q

    def _ask(self, s: InterviewState, digest: str, field: str, value: str, q: Question) -> Reply:
        label = self.display.t(s, f"reading.field.{field}")
        text = self.display.t(s, "reading.confirm", field=label, value=self._shown(s, q, value))
        subject = f"{digest[:_DIGEST_PREFIX]}.{field}"
        return Reply(
            text=text,
            buttons=[
                [
                    Button(
                        label=self.display.t(s, "button.yes"), data=cb.encode(cb.READ, subject, "y")
                    ),
                    Button(
                        label=self.display.t(s, "button.no"), data=cb.encode(cb.READ, subject, "n")
                    ),
                ]
            ],
        )

    def _shown(self, s: InterviewState, q: Question, value: str) -> str:
        if q.kind == "percentage":
            try:
                return self.display.t(s, "value.percent", amount=figure(value, places=None))
            except ValueError:
                return value
        if q.kind == "date":
            try:
                day = date.fromisoformat(value)
            except ValueError:
                return value
            return self.display.t(s, "reading.date", year=day.year, month=day.month, day=day.day)
        return value


def _same(typed: object, read: str) -> bool:
    if typed is None:
        return False
    return "".join(str(typed).split()).upper() == "".join(read.split()).upper()

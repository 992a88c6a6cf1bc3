"""One supplier input, end to end: load the session, step the engine, store, then reply.

Shared by every front end (Telegram, the terminal), so the guarantees hold everywhere:
the session row is the only place the interview lives, each accepted answer is committed
before any reply is returned, and a redelivered update changes nothing.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from datetime import timedelta

from bot.logging_setup import log_context
from bot.services.input_order import InputOrder
from bot.services.outcome import DatabaseUnavailable, Notice, Outcome, Who
from bot.services.person_locks import PersonLocks
from bot.services.rulesets import RulesetProvider
from conversations import (
    LANGUAGES,
    CancelConfirmed,
    Catalogue,
    Command,
    Engine,
    FileAccepted,
    FilesCleared,
    Input,
    InterviewState,
    LanguageChanged,
    Reply,
    StepResult,
    SubmitRequested,
    Submitted,
)
from conversations.localtime import local_minute
from criteria import review
from storage import (
    AssessmentSession,
    ConcurrentUpdate,
    Database,
    Decision,
    Role,
    UnitOfWork,
    is_transient,
    pauses,
)
from storage.models import utcnow
from storage.retry import DEFAULT_BUDGET_S

log = logging.getLogger(__name__)

#: What to do with an input, given the person's language and their open session (if any)
#: as the transaction found them.
Action = Callable[[UnitOfWork, "Who", str, "AssessmentSession | None"], Awaitable["Outcome"]]

#: A concurrent write to the same session (another process, a double click) is retried
#: from a fresh read this many times before giving up.
MAX_ATTEMPTS = 3
#: What arrives beside the person's inputs rather than from them (a file read in the
#: background) meets their answers' writes as often as they type, so it retries longer,
#: after a short random pause that lets the answer in flight land first.
BACKGROUND_ATTEMPTS = 12
BACKGROUND_PAUSE_S = (0.005, 0.05)

#: How long an input waits for an earlier one of the same person that another process
#: received but has not applied yet; past it (that process died) the input goes ahead.
ORDER_WAIT_S = 3.0
ORDER_POLL_S = 0.02
#: Inbox entries older than this are not waited for (their process is long gone).
ORDER_WINDOW = timedelta(minutes=2)


class InterviewService:
    def __init__(
        self,
        db: Database,
        engine: Engine,
        rulesets: RulesetProvider,
        catalogue: Catalogue,
        default_language: str = "zh",
        retry_budget_s: float = DEFAULT_BUDGET_S,
        order: InputOrder | None = None,
    ) -> None:
        self.db = db
        self.retry_budget_s = retry_budget_s
        #: Several processes can share PostgreSQL (never SQLite): there a person's inputs
        #: are ordered through the inbox when another process is running; within one
        #: process the update processor does it. Unstarted, it orders on PostgreSQL.
        self.order = order or InputOrder(db)
        self.person_locks = PersonLocks()
        self.engine = engine
        self.rulesets = rulesets
        self.catalogue = catalogue
        self.default_language = default_language

    def _language_hint(self, who: Who) -> str:
        """A new person's language, from what their client says, else the default."""
        hint = (who.language_hint or "").lower()
        for lang in LANGUAGES:
            if hint.startswith(lang):
                return lang
        return self.default_language

    async def start(self, who: Who, update_id: int | None = None) -> Outcome:
        """/start: greet, then begin a new interview or resume the open one."""
        return await self._run(who, update_id, self._start)

    async def handle(
        self, who: Who, inp: Input, update_id: int | None = None, *, staff_first: bool = False
    ) -> Outcome:
        """Any answer, button or navigation command for the open interview.

        With `staff_first`, an input from an assessor or admin is not handled but handed
        back (`Outcome.staff_first`) for the desk to look at first; suppliers, nearly every
        input, are answered in the same single transaction as ever.
        """
        return await self._run(
            who,
            update_id,
            lambda uow, w, lang, row: self._step(uow, w, lang, row, inp),
            staff_first=staff_first,
        )

    async def new_assessment(self, who: Who, update_id: int | None = None) -> Outcome:
        """/new: a fresh assessment (another category, next year); submitted ones stay."""
        return await self._run(who, update_id, self._new)

    async def status(self, who: Who) -> Outcome:
        return await self._run(who, None, self._status)

    async def switch_language(
        self, who: Who, lang: str | None, update_id: int | None = None
    ) -> Outcome:
        """/language [zh|en]: without an argument, the other language."""

        async def action(
            uow: UnitOfWork, w: Who, current: str, row: AssessmentSession | None
        ) -> Outcome:
            target = lang if lang in LANGUAGES else ("en" if current == "zh" else "zh")
            await uow.people.set_language(w.user_id, target)
            if row is None:
                text = self.catalogue.text("chat.language_switched", target)
                return Outcome([Reply(text=text)], None, target)
            result = self.engine.set_language(InterviewState.model_validate(row.state), target)
            await self._save(uow, row, result)
            return Outcome(result.replies, row.id, target)

        return await self._run(who, update_id, action)

    async def notice(self, who: Who, key: str, update_id: int | None = None) -> Outcome:
        """A short notice (unsupported message, unknown command), then the current screen."""

        async def action(
            uow: UnitOfWork, w: Who, lang: str, row: AssessmentSession | None
        ) -> Outcome:
            if row is None:
                text = self.catalogue.text(key, lang)
                hint = self.catalogue.text("chat.help_no_draft", lang)
                return Outcome([Reply(text=text), Reply(text=hint)], None, lang)
            state = InterviewState.model_validate(row.state)
            shown = self.engine.show(state)
            text = self.catalogue.text(key, state.lang)
            return Outcome([Reply(text=text), *shown.replies], row.id, state.lang)

        return await self._run(who, update_id, action)

    async def file_read(
        self, who: Who, digest: str, file_name: str | None, fields: dict[str, str] | None
    ) -> Outcome:
        """What was read from one of the supplier's stored uploads, arriving after it:
        recorded on the session the file belongs to, with any question it raises. A file
        no longer among the session's evidence (replaced meanwhile) is let go."""

        async def action(
            uow: UnitOfWork, _w: Who, lang: str, row: AssessmentSession | None
        ) -> Outcome:
            if row is None:
                return Outcome([], None, lang)
            files = await uow.evidence.list_for_session(row.id)
            question_id = next((f.question_id for f in files if f.sha256 == digest), None)
            if question_id is None:
                return Outcome([], row.id, lang)
            state = InterviewState.model_validate(row.state)
            result = self.engine.file_read(state, digest, question_id, file_name, fields)
            await self._save(uow, row, result)
            return Outcome(result.replies, row.id, result.state.lang)

        return await self._run(who, None, action, background=True)

    async def _run(
        self,
        who: Who,
        update_id: int | None,
        action: Action,
        *,
        staff_first: bool = False,
        background: bool = False,
    ) -> Outcome:
        """The action in the person's turn in this process (see PersonLocks)."""
        async with self.person_locks.of(who.user_id):
            return await self._attempts(who, update_id, action, staff_first, background)

    async def _attempts(
        self,
        who: Who,
        update_id: int | None,
        action: Action,
        staff_first: bool,
        background: bool,
    ) -> Outcome:
        """One transaction per input; a concurrent write to the session is retried afresh,
        and so is a transient database error, with a bounded back-off, before the person
        hears of it. A commit whose reply was lost is found out through the redelivery
        guard on the next attempt, and answered as the success it was.

        It reads and steps first and writes last, the redelivery guard with the writes, so
        on SQLite it waits for the write turn only for those (the session's version check
        and the guard's ON CONFLICT catch whatever changed since the read).
        """
        # The outcome of an attempt whose commit was sent but not confirmed: if the guard
        # later shows the update as handled, that commit landed and this is the answer.
        unconfirmed: Outcome | None = None
        backoff = pauses(self.retry_budget_s)
        conflicts = 0
        # Several processes may share the database: a person's inputs then go through the
        # inbox, so they apply in Telegram's order whichever process received them.
        ordered = update_id is not None and self.order.needed()
        received = False
        waited_since: float | None = None
        while True:
            committing: Outcome | None = None
            try:
                if ordered and not received:
                    assert update_id is not None
                    # Committed on its own at once: other processes must see it arrive.
                    async with self.db.unit_of_work(autocommit=True) as uow:
                        await uow.inbox.receive(update_id, who.user_id)
                    received = True
                async with self.db.unit_of_work(optimistic=True) as uow:
                    late = False
                    if ordered:
                        assert update_id is not None
                        await uow.inbox.lock_person(who.user_id)
                        now = asyncio.get_running_loop().time()
                        waited_since = now if waited_since is None else waited_since
                        place = await uow.inbox.place(
                            update_id, who.user_id, utcnow() - ORDER_WINDOW
                        )
                        if place.earlier_pending and now - waited_since < ORDER_WAIT_S:
                            await uow.rollback()
                            await asyncio.sleep(ORDER_POLL_S)
                            continue
                        late = place.later_applied
                    person, row = await uow.people.visit(
                        who.user_id,
                        who.name,
                        who.username,
                        initial_language=self._language_hint(who),
                    )
                    if staff_first and person.role != Role.SUPPLIER:
                        if ordered and update_id is not None:
                            # The desk looks at it first; it must not hold up what follows.
                            await uow.inbox.forget(update_id)
                            await uow.commit()
                        return Outcome([], staff_first=True)  # nothing of the step stored
                    if late:
                        log.info("update %s arrived after a later one; not applied", update_id)
                        action = self._too_late
                    outcome = await action(uow, who, person.language, row)
                    if update_id is not None and await uow.updates.seen(update_id):
                        if unconfirmed is not None:
                            log.info("update %s was stored before the connection failed", update_id)
                            return unconfirmed  # rolled back: the repeat above is undone
                        log.info("update %s already handled; ignoring the redelivery", update_id)
                        return Outcome([])  # rolled back: the step above is undone
                    committing = outcome
                    await uow.commit()
                    return outcome
            except ConcurrentUpdate:
                conflicts += 1
                if conflicts == (BACKGROUND_ATTEMPTS if background else MAX_ATTEMPTS):
                    raise
                log.info("session of user %s changed concurrently; retrying", who.user_id)
                if background:
                    await asyncio.sleep(random.uniform(*BACKGROUND_PAUSE_S))
            except Exception as exc:
                if not is_transient(exc):
                    raise
                if committing is not None and update_id is not None:
                    unconfirmed = committing
                pause = next(backoff, None)
                if pause is None:
                    saved = None if unconfirmed is not None else False
                    raise DatabaseUnavailable(saved) from exc
                log.warning(
                    "database unavailable for user %s (%s); retrying in %.2fs",
                    who.user_id,
                    type(exc).__name__,
                    pause,
                )
                await asyncio.sleep(pause)

    async def _too_late(
        self, _uow: UnitOfWork, _who: Who, lang: str, row: AssessmentSession | None
    ) -> Outcome:
        """An input that arrived after a later one was applied: its question has moved on,
        so it is not applied to the current one; the person sees where they are."""
        if row is None:
            return Outcome([Reply(text=self.catalogue.text("chat.answer_too_late", lang))])
        state = InterviewState.model_validate(row.state)
        shown = self.engine.show(state)
        text = self.catalogue.text("chat.answer_too_late", state.lang)
        return Outcome([Reply(text=text), *shown.replies], row.id, state.lang)

    async def _start(
        self, uow: UnitOfWork, who: Who, lang: str, row: AssessmentSession | None
    ) -> Outcome:
        if row is not None:
            state = InterviewState.model_validate(row.state)
            result = self.engine.resume(state)
            await self._save(uow, row, result)
            return Outcome(result.replies, row.id, state.lang)
        greeting = Reply(text=self.catalogue.text("chat.greeting", lang))
        earlier = await uow.sessions.list_for_owner(who.user_id)
        if earlier:
            intro = Reply(text=self.catalogue.text("chat.returning_with_history", lang))
            return Outcome([greeting, intro, *self._status_replies(earlier, lang)], None, lang)
        return await self._begin(uow, who, lang, [greeting])

    async def _new(
        self, uow: UnitOfWork, who: Who, lang: str, row: AssessmentSession | None
    ) -> Outcome:
        if row is not None:
            state = InterviewState.model_validate(row.state)
            notice = Reply(text=self.catalogue.text("chat.draft_exists", lang))
            result = self.engine.resume(state)
            await self._save(uow, row, result)
            return Outcome([notice, *result.replies], row.id, state.lang)
        return await self._begin(
            uow, who, lang, [Reply(text=self.catalogue.text("chat.new_started", lang))]
        )

    async def _begin(self, uow: UnitOfWork, who: Who, lang: str, before: list[Reply]) -> Outcome:
        state = self.engine.new_state(lang=lang)
        result = self.engine.start(state)
        row = await uow.sessions.create(
            who.user_id,
            state=result.state.model_dump(mode="json"),
            answers=self.engine.answers_document(result.state),
            current_question=result.state.current,
        )
        return Outcome([*before, *result.replies], row.id, lang)

    async def _step(
        self, uow: UnitOfWork, who: Who, lang: str, row: AssessmentSession | None, inp: Input
    ) -> Outcome:
        if row is None:
            return await self._without_draft(uow, who, lang, inp)
        log_context(session_id=row.id)
        result = self.engine.step(InterviewState.model_validate(row.state), inp)
        if any(isinstance(effect, SubmitRequested) for effect in result.effects):
            result = await self._submit(uow, result)
        outcome = Outcome(list(result.replies), row.id, result.state.lang)
        if any(isinstance(effect, CancelConfirmed) for effect in result.effects):
            await uow.sessions.delete(row)
            outcome.session_id = None
            return outcome
        await self._record_effects(uow, row, result)
        await self._save(uow, row, result)
        for effect in result.effects:
            if isinstance(effect, Submitted):
                moved = review.submission(row.status)
                await uow.sessions.mark_submitted(
                    row,
                    effect.evaluation,
                    str(effect.evaluation["ruleset_id"]),
                    int(str(effect.evaluation["ruleset_version"])),
                )
                if any(isinstance(event, review.TellAssessor) for event in moved.events):
                    outcome.notices += await self._tell_assessor(uow, row)
        return outcome

    async def _tell_assessor(self, uow: UnitOfWork, row: AssessmentSession) -> list[Notice]:
        """The assessor who asked for more information hears that it has arrived."""
        reviews = await uow.reviews.list_for_session(row.id)
        asked = [r for r in reviews if r.decision == Decision.NEEDS_INFO]
        if not asked:
            return []
        assessor = await uow.people.get(asked[-1].assessor_id)
        if assessor is None:
            return []
        lang = assessor.language
        verdict_key = "chat.verdict_qualified" if row.qualified else "chat.verdict_not_qualified"
        text = self.catalogue.text(
            "desk.resubmitted",
            lang,
            id=row.id,
            company=row.company_name or "—",
            verdict=self.catalogue.text(verdict_key, lang),
        )
        return [Notice(assessor.telegram_id, [Reply(text=text)])]

    async def _submit(self, uow: UnitOfWork, requested: StepResult) -> StepResult:
        """Judge under the ruleset in force now; the engine turns it into the verdict."""
        ruleset = await self.rulesets.active(uow)
        judged = self.engine.submit(requested.state, ruleset)
        kept = [e for e in requested.effects if not isinstance(e, SubmitRequested)]
        return StepResult(
            state=judged.state,
            replies=[*requested.replies, *judged.replies],
            effects=[*kept, *judged.effects],
        )

    async def _without_draft(self, uow: UnitOfWork, who: Who, lang: str, inp: Input) -> Outcome:
        """No open interview: explain what there is and how to start, never a dead end."""
        earlier = await uow.sessions.list_for_owner(who.user_id)
        if not earlier:
            return await self._begin(
                uow, who, lang, [Reply(text=self.catalogue.text("chat.greeting", lang))]
            )
        if isinstance(inp, Command) and inp.name == "help":
            return Outcome(
                [Reply(text=self.catalogue.text("chat.help_no_draft", lang))], None, lang
            )
        notice = Reply(text=self.catalogue.text("chat.submitted_frozen", lang))
        return Outcome([notice, *self._status_replies(earlier, lang)], None, lang)

    async def _record_effects(
        self, uow: UnitOfWork, row: AssessmentSession, result: StepResult
    ) -> None:
        """Evidence rows and the language choice follow the engine's effects."""
        for effect in result.effects:
            if isinstance(effect, FileAccepted):
                f = effect.file
                await uow.evidence.add(
                    row.id,
                    effect.question_id,
                    f.file_id,
                    f.file_unique_id,
                    f.file_name,
                    f.mime_type,
                    f.file_size,
                    sha256=f.sha256,
                    stored_size=f.stored_size,
                    content_type=f.content_type,
                    uploader_id=row.owner_id,
                )
            elif isinstance(effect, FilesCleared):
                await uow.evidence.remove_for_question(row.id, effect.question_id)
            elif isinstance(effect, LanguageChanged):
                await uow.people.set_language(row.owner_id, effect.lang)

    async def _save(self, uow: UnitOfWork, row: AssessmentSession, result: StepResult) -> None:
        await uow.sessions.save_progress(
            row,
            state=result.state.model_dump(mode="json"),
            answers=self.engine.answers_document(result.state),
            current_question=result.state.current,
        )

    async def _status(
        self, uow: UnitOfWork, who: Who, lang: str, _row: AssessmentSession | None
    ) -> Outcome:
        rows = await uow.sessions.list_for_owner(who.user_id)
        if not rows:
            return Outcome([Reply(text=self.catalogue.text("chat.status_empty", lang))], None, lang)
        return Outcome(self._status_replies(rows, lang), None, lang)

    def _status_replies(self, rows: list[AssessmentSession], lang: str) -> list[Reply]:
        lines = [self.catalogue.text("chat.status_heading", lang)]
        for row in rows:
            lines.append(self._status_line(row, lang))
        lines.append(self.catalogue.text("chat.status_footer", lang))
        return [Reply(text="\n".join(lines))]

    def _status_line(self, row: AssessmentSession, lang: str) -> str:
        if row.qualified is None:
            verdict = self.catalogue.text("chat.verdict_pending", lang)
        elif row.qualified:
            verdict = self.catalogue.text("chat.verdict_qualified", lang)
        else:
            verdict = self.catalogue.text("chat.verdict_not_qualified", lang)
        when = row.submitted_at or row.updated_at
        return self.catalogue.text(
            "chat.status_line",
            lang,
            id=row.id,
            company=row.company_name or "—",
            category=self.engine.category_label(row.product_category, lang),
            status=self.catalogue.text(f"chat.status_name.{row.status}", lang),
            verdict=verdict,
            date=local_minute(when),
        )

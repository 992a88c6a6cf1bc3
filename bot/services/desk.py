"""The assessor desk: find sessions, read one, fetch evidence, decide, export.

Transport-agnostic like the interview service: every action runs in one transaction,
checks the role first, and returns replies plus the notices other people must receive.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from fractions import Fraction

from bot.services import callback_data as cb
from bot.services.access import DESK_ROLES, Refused, require
from bot.services.desk_lists import PAGE_SIZE, ListQuery, SessionListScreens
from bot.services.evidence import EvidenceArchive
from bot.services.evidence_readings import card_reading
from bot.services.outcome import Notice, Who
from bot.services.session_card import CardDecision, CardEvidence, SessionCard
from conversations import Button, Catalogue, Engine, InterviewState, Reply
from conversations.localtime import to_local
from criteria import Evaluation, review
from criteria.figures import figure
from storage import (
    AssessmentSession,
    Database,
    Decision,
    EvidenceFile,
    ReviewDecision,
    Role,
    Status,
    UnitOfWork,
)

log = logging.getLogger(__name__)

PREFIX = cb.DESK
MAX_EVIDENCE_BUTTONS = 30

DECISION_CODES: dict[str, Decision] = {
    "a": Decision.APPROVED,
    "r": Decision.REJECTED,
    "i": Decision.NEEDS_INFO,
}
COMMENT_KIND = "desk.comment"


@dataclass(frozen=True)
class Document:
    file_name: str
    content: bytes
    caption: str


@dataclass(frozen=True)
class ExportRequest:
    """An export the desk has authorised; the front end writes it away from the chat's
    event loop (bot.reports.exporting) and hands the bytes back to `AssessorDesk.exported`."""

    status: str | None
    lang: str


@dataclass(frozen=True)
class ReportRequest:
    """One session's report, read by the desk and rendered to PDF by the front end
    (bot.reports.pdf) in a worker thread."""

    session: AssessmentSession
    evidence: list[EvidenceFile]
    decisions: list[ReviewDecision]
    lang: str
    people: dict[int, str]
    file_name: str
    caption: str


@dataclass
class DeskResult:
    replies: list[Reply] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    document: Document | None = None
    #: A stored evidence file to send again by its Telegram file id.
    file_id: str | None = None
    #: Replace the message whose button was pressed (paging and filters).
    replace: bool = False
    #: A session to show, rendered by the front end (`bot.reports.card`) after the
    #: desk's transaction has closed; it follows `replies`.
    card: SessionCard | None = None
    #: An export to produce and send as a file.
    export: ExportRequest | None = None
    #: A session report to render and send as a file.
    report: ReportRequest | None = None


class AssessorDesk:
    def __init__(
        self,
        db: Database,
        engine: Engine,
        catalogue: Catalogue,
        evidence: EvidenceArchive | None = None,
    ) -> None:
        self.db = db
        self.engine = engine
        self.catalogue = catalogue
        self.evidence_archive = evidence
        self.lists = SessionListScreens(engine, catalogue)

    # -- entry points ------------------------------------------------------------------

    async def list_sessions(
        self, who: Who, query: ListQuery, *, replace: bool = False
    ) -> DeskResult:
        async with self.db.unit_of_work() as uow:
            lang = await self._staff_language(uow, who, "desk.list")
            rows, total = await uow.sessions.search(
                **query.filters(),
                limit=PAGE_SIZE,
                offset=(query.page - 1) * PAGE_SIZE,
            )
        pages = max(1, -(-total // PAGE_SIZE))
        heading = self._t(
            lang,
            "desk.list_heading",
            filters=self.lists.filter_summary(query, lang),
            total=figure(total),
            page=min(query.page, pages),
            pages=figure(pages),
        )
        buttons = self.lists.row_buttons(rows, lang)
        buttons.append(self.lists.paging(query, query.page, pages, lang))
        buttons += self.lists.filter_buttons(query, lang)
        text = self.lists.listing(heading, rows, lang)
        return DeskResult([Reply(text=text, buttons=[r for r in buttons if r])], replace=replace)

    async def find(
        self, who: Who, text: str, page: int = 1, *, replace: bool = False
    ) -> DeskResult:
        async with self.db.unit_of_work() as uow:
            lang = await self._staff_language(uow, who, "desk.find")
            wanted = text.strip()
            if not wanted:
                return DeskResult([Reply(text=self._t(lang, "desk.find_usage"))])
            rows, total = await uow.sessions.search(
                text=wanted, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE
            )
        pages = max(1, -(-total // PAGE_SIZE))
        heading = self._t(
            lang,
            "desk.find_heading",
            text=wanted,
            total=figure(total),
            page=page,
            pages=figure(pages),
        )
        buttons = self.lists.row_buttons(rows, lang)
        buttons.append(self.lists.find_paging(wanted, page, pages, lang))
        text_out = self.lists.listing(heading, rows, lang)
        return DeskResult(
            [Reply(text=text_out, buttons=[r for r in buttons if r])], replace=replace
        )

    async def open_session(self, who: Who, session_id: int) -> DeskResult:
        async with self.db.unit_of_work() as uow:
            lang = await self._staff_language(uow, who, "desk.session")
            row = await uow.sessions.get(session_id)
            if row is None:
                return DeskResult([Reply(text=self._t(lang, "desk.not_found", id=session_id))])
            return DeskResult(card=await self._card(uow, row, lang))

    async def evidence(self, who: Who, evidence_id: int) -> DeskResult:
        async with self.db.unit_of_work() as uow:
            lang = await self._staff_language(uow, who, "desk.evidence")
            found = await uow.evidence.get(evidence_id)
            if found is None:
                return DeskResult([Reply(text=self._t(lang, "desk.evidence_missing"))])
        # The stored bytes work with any bot token; Telegram's file id only with the one
        # that received the file, so it is the fallback for files from before the store.
        if found.sha256 and self.evidence_archive is not None:
            content = await self.evidence_archive.content(found)
            if content is not None:
                name = found.file_name or f"{found.sha256[:12]}.{found.content_type or 'bin'}"
                caption = f"SHA-256 {found.sha256}"
                return DeskResult(document=Document(name, content, caption))
        return DeskResult(file_id=found.file_id)

    async def ask_comment(self, who: Who, session_id: int, decision: Decision) -> DeskResult:
        """A decision always carries a comment: ask for it and remember what it is for."""
        async with self.db.unit_of_work() as uow:
            lang = await self._staff_language(uow, who, f"desk.{decision.value}")
            row = await uow.sessions.get(session_id)
            if row is None:
                return DeskResult([Reply(text=self._t(lang, "desk.not_found", id=session_id))])
            refusal = self._transition_refusal(row, decision, lang)
            if refusal:
                return DeskResult([Reply(text=refusal)])
            pending = await uow.pending.put(
                who.user_id, COMMENT_KIND, {"session_id": row.id, "decision": decision.value}
            )
            await uow.commit()
        cancel = Button(
            label=self._t(lang, "desk.button.cancel"), data=cb.encode(cb.DeskCancel(pending.token))
        )
        text = self._t(
            lang,
            "desk.ask_comment",
            id=row.id,
            company=row.company_name or "—",
            decision=self._t(lang, f"desk.decision_name.{decision.value}"),
        )
        return DeskResult([Reply(text=text, buttons=[[cancel]])])

    async def cancel_comment(self, who: Who, token: str) -> DeskResult:
        async with self.db.unit_of_work() as uow:
            lang = await self._staff_language(uow, who, "desk.cancel")
            await uow.pending.take(who.user_id, kind=COMMENT_KIND, token=token)
            await uow.commit()
        return DeskResult([Reply(text=self._t(lang, "desk.comment_cancelled"))])

    async def take_comment(self, who: Who, text: str) -> DeskResult | None:
        """The comment an assessor was asked for, if they were asked; else None."""
        async with self.db.unit_of_work() as uow:
            pending = await uow.pending.get(who.user_id)
            if pending is None or pending.kind != COMMENT_KIND:
                return None
            lang = await self._staff_language(uow, who, "desk.comment")
            await uow.pending.take(who.user_id, kind=COMMENT_KIND)
            decision = Decision(pending.payload["decision"])
            result = await self._decide(
                uow, who, int(pending.payload["session_id"]), decision, text.strip(), lang
            )
            await uow.commit()
            return result

    async def export(self, who: Who, status: str | None) -> DeskResult:
        """Check the role and the status; what to export goes back to the front end."""
        async with self.db.unit_of_work() as uow:
            lang = await self._staff_language(uow, who, "desk.export")
        if status is not None and status not in {s.value for s in Status}:
            return DeskResult([Reply(text=self._t(lang, "desk.export_usage"))])
        return DeskResult(export=ExportRequest(status=status, lang=lang))

    def exported(
        self, request: ExportRequest, content: bytes, count: int, send_limit: int | None = None
    ) -> DeskResult:
        """The finished export as the file the assessor receives, or, when the file is over
        what the chat can send (`send_limit` bytes), where to get it instead."""
        if send_limit is not None and len(content) > send_limit:
            text = self._t(
                request.lang,
                "desk.export_too_large",
                count=figure(count),
                size=figure(Fraction(len(content), 1024 * 1024), places=1),
                limit=figure(Fraction(send_limit, 1024 * 1024), places=0),
            )
            return DeskResult([Reply(text=text)])
        stamp = datetime.now().strftime("%Y%m%d-%H%M")
        return DeskResult(
            document=Document(
                file_name=f"greenlist-sessions-{stamp}.xlsx",
                content=content,
                caption=self._t(request.lang, "desk.export_caption", count=figure(count)),
            )
        )

    async def report(self, who: Who, session_id: int) -> DeskResult:
        """Check the role and read what the report shows; the front end renders it."""
        async with self.db.unit_of_work() as uow:
            lang = await self._staff_language(uow, who, "desk.report")
            row = await uow.sessions.get(session_id)
            if row is None:
                return DeskResult([Reply(text=self._t(lang, "desk.not_found", id=session_id))])
            evidence = await uow.evidence.list_for_session(row.id)
            decisions = await uow.reviews.list_for_session(row.id)
            people = {d.assessor_id: await self._person_name(uow, d.assessor_id) for d in decisions}
        return DeskResult(
            report=ReportRequest(
                session=row,
                evidence=list(evidence),
                decisions=list(decisions),
                lang=lang,
                people=people,
                file_name=f"greenlist-report-{row.id}.pdf",
                caption=self._t(lang, "desk.report_caption", id=row.id),
            )
        )

    # -- decisions ---------------------------------------------------------------------

    def _transition_refusal(self, row: AssessmentSession, decision: Decision, lang: str) -> str:
        if review.allows(row.status, review.DECISION_ACTIONS[decision]):
            return ""
        if Status(row.status) in review.DECIDED_STATUSES:
            hint = "desk.hint_reopen"
        elif Status(row.status) == Status.NEEDS_INFO:
            hint = "desk.hint_waiting"
        else:
            hint = "desk.hint_not_submitted"
        return self._t(
            lang,
            "desk.cannot_decide",
            id=row.id,
            status=self._t(lang, f"chat.status_name.{row.status}"),
            decision=self._t(lang, f"desk.decision_name.{decision.value}"),
            hint=self._t(lang, hint),
        )

    async def _decide(
        self,
        uow: UnitOfWork,
        who: Who,
        session_id: int,
        decision: Decision,
        comment: str,
        lang: str,
    ) -> DeskResult:
        row = await uow.sessions.get_for_update(session_id)
        if row is None:
            return DeskResult([Reply(text=self._t(lang, "desk.not_found", id=session_id))])
        try:
            moved = review.record(row.status, decision, comment)
        except review.TransitionRefused:
            return DeskResult([Reply(text=self._transition_refusal(row, decision, lang))])
        await uow.reviews.add(row.id, who.user_id, decision.value, comment)
        await uow.sessions.set_status(row, moved.after)
        await uow.audit.add(
            who.user_id,
            f"decision.{decision.value}",
            f"session:{row.id}",
            old_value={"status": moved.before.value},
            new_value={"status": moved.after.value},
            note=comment,
        )
        notices = [
            await self._supplier_notice(uow, row, event)
            for event in moved.events
            if isinstance(event, review.TellSupplier)
        ]
        company = row.company_name or "—"
        done = self._t(
            lang,
            "desk.decided",
            id=row.id,
            company=company,
            decision=self._t(lang, f"desk.decision_name.{decision.value}"),
        )
        return DeskResult([Reply(text=done)], notices=notices)

    async def _supplier_notice(
        self, uow: UnitOfWork, row: AssessmentSession, event: review.TellSupplier
    ) -> Notice:
        """The supplier's message; asked for more, their interview opens again with it."""
        decision = event.decision
        owner = await uow.people.get(row.owner_id)
        lang = owner.language if owner is not None else self.catalogue.default
        params = {
            "id": row.id,
            "company": row.company_name or "—",
            "comment": event.comment or "—",
        }
        if decision == Decision.NEEDS_INFO:
            state = InterviewState.model_validate(row.state)
            reopened = self.engine.reopen(state)
            await uow.sessions.save_progress(
                row,
                state=reopened.state.model_dump(mode="json"),
                answers=self.engine.answers_document(reopened.state),
                current_question=reopened.state.current,
            )
            text = self.catalogue.text("desk.supplier_needs_info", reopened.state.lang, **params)
            return Notice(row.owner_id, [Reply(text=text), *reopened.replies])
        if decision == Decision.REOPENED:
            return Notice(
                row.owner_id,
                [Reply(text=self.catalogue.text("desk.supplier_reopened", lang, **params))],
            )
        name = self.catalogue.text(f"desk.decision_name.{decision.value}", lang)
        text = self.catalogue.text("desk.supplier_notice", lang, decision=name, **params)
        return Notice(row.owner_id, [Reply(text=text)])

    # -- the card ----------------------------------------------------------------------

    async def _card(self, uow: UnitOfWork, row: AssessmentSession, lang: str) -> SessionCard:
        """Everything the card shows, read while the transaction is open."""
        enterprise = (row.answers or {}).get("enterprise") or {}
        owner = await uow.people.get(row.owner_id)
        evidence = await uow.evidence.list_for_session(row.id)
        decisions = await uow.reviews.list_for_session(row.id)
        state = InterviewState.model_validate(row.state)
        on = _evaluation_date(row.evaluation, row.submitted_at)
        return SessionCard(
            lang=lang,
            session_id=row.id,
            status=Status(row.status),
            company_name=row.company_name,
            credit_code=row.credit_code,
            contact_person=_text(enterprise.get("contact_person")),
            contact_phone=_text(enterprise.get("contact_phone")),
            plant_location=_text(enterprise.get("plant_location")),
            period_start=_text(enterprise.get("period_start")),
            period_end=_text(enterprise.get("period_end")),
            product_category=row.product_category,
            created_at=row.created_at,
            submitted_at=row.submitted_at,
            owner_id=row.owner_id,
            owner_name=owner.name if owner is not None else None,
            evaluation=Evaluation.model_validate(row.evaluation) if row.evaluation else None,
            draft=None if row.evaluation else state,
            evidence=tuple(
                CardEvidence(
                    id=item.id,
                    name=item.file_name or item.file_unique_id,
                    question_id=item.question_id,
                    size=item.file_size,
                    reading=card_reading(
                        self.engine.bank,
                        state,
                        item.question_id,
                        item.sha256,
                        row.company_name or "",
                        on,
                    ),
                )
                for item in evidence
            ),
            history=tuple(
                [
                    CardDecision(
                        created_at=d.created_at,
                        assessor=await self._person_name(uow, d.assessor_id),
                        decision=Decision(d.decision),
                        comment=d.comment,
                    )
                    for d in decisions
                ]
            ),
        )

    async def _person_name(self, uow: UnitOfWork, user_id: int) -> str:
        person = await uow.people.get(user_id)
        return person.name if person is not None else str(user_id)

    async def _staff_language(self, uow: UnitOfWork, who: Who, action: str) -> str:
        await require(uow, who.user_id, DESK_ROLES, action)
        person = await uow.people.get(who.user_id)
        return person.language if person is not None else self.catalogue.default

    def _t(self, lang: str, key: str, **params: object) -> str:
        return self.catalogue.text(key, lang, **params)

    async def usage(self, who: Who, key: str) -> DeskResult:
        """A how-to line for a malformed command, for staff only."""
        async with self.db.unit_of_work() as uow:
            lang = await self._staff_language(uow, who, "desk.usage")
        return DeskResult([Reply(text=self._t(lang, key))])

    def refusal(self, who: Who) -> DeskResult:
        lang = "en" if (who.language_hint or "").startswith("en") else self.catalogue.default
        return DeskResult([Reply(text=self._t(lang, "desk.refused"))])


def _evaluation_date(evaluation: Mapping[str, object] | None, submitted: datetime | None) -> date:
    """The date the verdict judged validity on; for a draft, today in the local zone."""
    on = (evaluation or {}).get("evaluated_on")
    if isinstance(on, str):
        try:
            return date.fromisoformat(on)
        except ValueError:
            pass
    moment = submitted or datetime.now(UTC)
    return to_local(moment).date()


def _text(value: object) -> str | None:
    """An answer as the card shows it; an empty one counts as missing."""
    return str(value) if value else None


__all__ = ["PREFIX", "AssessorDesk", "DeskResult", "Document", "ListQuery", "Refused", "Role"]

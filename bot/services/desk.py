"""The assessor desk: find sessions, read one, fetch evidence, decide, export.

Transport-agnostic like the interview service: every action runs in one transaction,
checks the role first, and returns replies plus the notices other people must receive.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime

from bot.services import callback_data as cb
from bot.services.access import DESK_ROLES, Refused, require
from bot.services.evidence import EvidenceArchive
from bot.services.evidence_readings import card_reading
from bot.services.interview import Notice, Who
from bot.services.session_card import CardDecision, CardEvidence, SessionCard
from conversations import Button, Catalogue, Engine, InterviewState, Reply
from conversations.localtime import local_minute, to_local
from criteria import Evaluation, review
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
PAGE_SIZE = 8
MAX_EVIDENCE_BUTTONS = 30

STATUS_CODES: dict[str, Status | None] = {
    "s": Status.SUBMITTED,
    "i": Status.NEEDS_INFO,
    "a": Status.APPROVED,
    "r": Status.REJECTED,
    "p": Status.IN_PROGRESS,
    "*": None,
}
VERDICT_CODES: dict[str, bool | None] = {"*": None, "q": True, "n": False}
CATEGORY_CODES: dict[str, str | None] = {
    "*": None,
    "pb": "porous_brick",
    "hb": "hollow_brick",
    "ib": "insulation_brick",
    "sp": "solid_product",
}
REVIEW_CODES: dict[str, bool | None] = {"*": None, "y": True}
DECISION_CODES: dict[str, Decision] = {
    "a": Decision.APPROVED,
    "r": Decision.REJECTED,
    "i": Decision.NEEDS_INFO,
}
COMMENT_KIND = "desk.comment"


def _next(codes: Mapping[str, object], current: str) -> str:
    keys = list(codes)
    return keys[(keys.index(current) + 1) % len(keys)]


@dataclass(frozen=True)
class ListQuery:
    """The filters and page of the session list; lives entirely in the buttons' data."""

    status: str = "s"
    verdict: str = "*"
    category: str = "*"
    review: str = "*"
    page: int = 1

    def encode(self) -> str:
        return cb.encode(
            cb.DeskList(self.status, self.verdict, self.category, self.review, self.page)
        )

    @classmethod
    def decode(cls, button: cb.DeskList) -> ListQuery:
        if (
            button.status not in STATUS_CODES
            or button.verdict not in VERDICT_CODES
            or button.category not in CATEGORY_CODES
            or button.review not in REVIEW_CODES
        ):
            raise ValueError("malformed list query")
        return cls(
            button.status, button.verdict, button.category, button.review, max(1, button.page)
        )

    def with_page(self, page: int) -> ListQuery:
        return replace(self, page=page)


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

    # -- entry points ------------------------------------------------------------------

    async def list_sessions(
        self, who: Who, query: ListQuery, *, replace: bool = False
    ) -> DeskResult:
        async with self.db.unit_of_work() as uow:
            lang = await self._staff_language(uow, who, "desk.list")
            rows, total = await uow.sessions.search(
                status=_value(STATUS_CODES[query.status]),
                qualified=VERDICT_CODES[query.verdict],
                product_category=CATEGORY_CODES[query.category],
                needs_review=REVIEW_CODES[query.review],
                limit=PAGE_SIZE,
                offset=(query.page - 1) * PAGE_SIZE,
            )
        pages = max(1, -(-total // PAGE_SIZE))
        heading = self._t(
            lang,
            "desk.list_heading",
            filters=self._filter_summary(query, lang),
            total=total,
            page=min(query.page, pages),
            pages=pages,
        )
        buttons = self._row_buttons(rows, lang)
        buttons.append(self._paging(query, query.page, pages, lang))
        buttons += self._filter_buttons(query, lang)
        text = self._listing(heading, rows, lang)
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
            lang, "desk.find_heading", text=wanted, total=total, page=page, pages=pages
        )
        buttons = self._row_buttons(rows, lang)
        buttons.append(self._find_paging(wanted, page, pages, lang))
        text_out = self._listing(heading, rows, lang)
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

    def exported(self, request: ExportRequest, content: bytes, count: int) -> DeskResult:
        """The finished export as the file the assessor receives."""
        stamp = datetime.now().strftime("%Y%m%d-%H%M")
        return DeskResult(
            document=Document(
                file_name=f"greenlist-sessions-{stamp}.xlsx",
                content=content,
                caption=self._t(request.lang, "desk.export_caption", count=count),
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

    def _listing(self, heading: str, rows: list[AssessmentSession], lang: str) -> str:
        if not rows:
            return f"{heading}\n\n{self._t(lang, 'desk.list_empty')}"
        lines = [heading, ""]
        lines += [self._list_line(row, lang) for row in rows]
        return "\n".join(lines)

    def _list_line(self, row: AssessmentSession, lang: str) -> str:
        if row.qualified is None:
            verdict = self._t(lang, "chat.verdict_pending")
        else:
            key = "desk.filter.qualified" if row.qualified else "desk.filter.not_qualified"
            verdict = self._t(lang, key)
        if row.needs_review:
            verdict = f"{verdict} · {self._t(lang, 'desk.filter.needs_review')}"
        return self._t(
            lang,
            "desk.list_line",
            id=row.id,
            company=row.company_name or "—",
            category=self.engine.category_label(row.product_category, lang),
            verdict=verdict,
            submitted=local_minute(row.submitted_at),
            status=self._t(lang, f"chat.status_name.{row.status}"),
        )

    def _row_buttons(self, rows: list[AssessmentSession], lang: str) -> list[list[Button]]:
        return [
            [
                Button(
                    label=self._t(
                        lang, "desk.button.open", id=row.id, company=_short(row.company_name)
                    ),
                    data=cb.encode(cb.DeskOpen(row.id)),
                )
            ]
            for row in rows
        ]

    def _paging(self, query: ListQuery, page: int, pages: int, lang: str) -> list[Button]:
        row = []
        if page > 1:
            row.append(
                Button(
                    label=self._t(lang, "desk.button.previous"),
                    data=query.with_page(page - 1).encode(),
                )
            )
        if page < pages:
            row.append(
                Button(
                    label=self._t(lang, "desk.button.next"), data=query.with_page(page + 1).encode()
                )
            )
        return row

    def _find_paging(self, text: str, page: int, pages: int, lang: str) -> list[Button]:
        row = []
        carried = _fit(text, cb.MAX_BYTES - len(cb.encode(cb.DeskFind(pages, ""))))
        if page > 1:
            row.append(
                Button(
                    label=self._t(lang, "desk.button.previous"),
                    data=cb.encode(cb.DeskFind(page - 1, carried)),
                )
            )
        if page < pages:
            row.append(
                Button(
                    label=self._t(lang, "desk.button.next"),
                    data=cb.encode(cb.DeskFind(page + 1, carried)),
                )
            )
        return row

    def _filter_buttons(self, query: ListQuery, lang: str) -> list[list[Button]]:
        """Each filter button cycles its own filter and starts again at page 1."""
        labels = self._filter_labels(query, lang)
        q = query
        cycled = {
            "status": replace(q, status=_next(STATUS_CODES, q.status), page=1),
            "verdict": replace(q, verdict=_next(VERDICT_CODES, q.verdict), page=1),
            "category": replace(q, category=_next(CATEGORY_CODES, q.category), page=1),
            "review": replace(q, review=_next(REVIEW_CODES, q.review), page=1),
        }
        buttons = [
            Button(label=f"{labels[name]} ▸", data=target.encode())
            for name, target in cycled.items()
        ]
        return [buttons[:2], buttons[2:]]

    def _filter_labels(self, query: ListQuery, lang: str) -> dict[str, str]:
        t = self._t
        any_ = t(lang, "desk.filter.any")
        status = STATUS_CODES[query.status]
        verdict = VERDICT_CODES[query.verdict]
        category = CATEGORY_CODES[query.category]
        return {
            "status": t(
                lang,
                "desk.filter.status",
                value=t(lang, f"chat.status_name.{status.value}") if status else any_,
            ),
            "verdict": t(
                lang,
                "desk.filter.verdict",
                value=any_
                if verdict is None
                else t(lang, "desk.filter.qualified" if verdict else "desk.filter.not_qualified"),
            ),
            "category": t(
                lang,
                "desk.filter.category",
                value=self.engine.category_label(category, lang) if category else any_,
            ),
            "review": t(
                lang,
                "desk.filter.review",
                value=t(lang, "desk.filter.needs_review") if REVIEW_CODES[query.review] else any_,
            ),
        }

    def _filter_summary(self, query: ListQuery, lang: str) -> str:
        return " · ".join(self._filter_labels(query, lang).values())

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


def _value(status: Status | None) -> str | None:
    return status.value if status is not None else None


def _short(name: str | None, limit: int = 24) -> str:
    name = name or "—"
    return name if len(name) <= limit else name[: limit - 1] + "…"


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


def _fit(text: str, budget: int) -> str:
    """The longest prefix of `text` whose UTF-8 form fits Telegram's callback-data budget."""
    out = text
    while len(out.encode()) > budget:
        out = out[:-1]
    return out


__all__ = ["PREFIX", "AssessorDesk", "DeskResult", "Document", "ListQuery", "Refused", "Role"]

"""A supplier's own data: see what is stored (/mydata) and erase it (/delete_my_data).

Erasure removes what identifies a natural person (their name, the contact person and phone
answered in the interview, unsubmitted drafts with their uploaded files, and who uploaded
the files that stay) and keeps the company's submitted answers, verdicts and evidence
files, which assessors and the statistics still need. The act itself is audited without
repeating any of the erased values.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.services import callback_data as cb
from bot.services.evidence import EvidenceArchive
from bot.services.outcome import Who
from conversations import Button, Catalogue, Engine, InterviewState, Reply
from storage import Database, Status, UnitOfWork

PREFIX = cb.PRIVACY
DELETE_KIND = "privacy.delete"


@dataclass
class PrivacyService:
    db: Database
    engine: Engine
    catalogue: Catalogue
    evidence: EvidenceArchive | None = None

    async def my_data(self, who: Who) -> list[Reply]:
        async with self.db.unit_of_work() as uow:
            person = await uow.people.get(who.user_id)
            lang = person.language if person is not None else self.catalogue.default
            t = self._texts(lang)
            none = t("privacy.none_value")
            lines = [t("privacy.heading")]
            if person is not None:
                lines.append(
                    t(
                        "privacy.person",
                        user_id=person.telegram_id,
                        name=person.name or none,
                        username=f"@{person.username}" if person.username else none,
                        language=person.language,
                        role=person.role,
                    )
                )
            rows = await uow.sessions.list_for_owner(who.user_id)
            lines.append("")
            if rows:
                lines.append(t("privacy.sessions_heading", count=len(rows)))
                for row in rows:
                    enterprise = (row.answers or {}).get("enterprise") or {}
                    files = await uow.evidence.list_for_session(row.id)
                    lines.append(
                        t(
                            "privacy.session_line",
                            id=row.id,
                            company=row.company_name or none,
                            status=t(f"chat.status_name.{row.status}"),
                            contact=enterprise.get("contact_person") or none,
                            phone=enterprise.get("contact_phone") or none,
                            files=len(files),
                        )
                    )
            else:
                lines.append(t("privacy.sessions_none"))
            lines += ["", t("privacy.footer")]
        return [Reply(text="\n".join(lines))]

    async def ask_to_erase(self, who: Who) -> list[Reply]:
        async with self.db.unit_of_work() as uow:
            lang = await self._language(uow, who)
            pending = await uow.pending.put(who.user_id, DELETE_KIND, {})
            await uow.commit()
        t = self._texts(lang)
        buttons = [
            [
                Button(
                    label=t("privacy.confirm_yes"),
                    data=cb.encode(cb.PrivacyAnswer(erase=True, token=pending.token)),
                ),
                Button(
                    label=t("privacy.confirm_no"),
                    data=cb.encode(cb.PrivacyAnswer(erase=False, token=pending.token)),
                ),
            ]
        ]
        return [Reply(text=t("privacy.confirm"), buttons=buttons)]

    async def answer(self, who: Who, choice: str, token: str) -> list[Reply]:
        """The confirmation buttons; only the person's own, current token counts."""
        async with self.db.unit_of_work() as uow:
            lang = await self._language(uow, who)
            t = self._texts(lang)
            pending = await uow.pending.take(who.user_id, kind=DELETE_KIND, token=token)
            if pending is None:
                return [Reply(text=t("privacy.stale"))]
            if choice != "y":
                await uow.commit()
                return [Reply(text=t("privacy.cancelled"))]
            cleaned, drafts, digests = await self._erase(uow, who.user_id)
            await uow.commit()
        if self.evidence is not None and digests:
            # After the commit: the rows are gone first, so bytes are never left unnamed
            # by a row that still points at them; bytes a kept session shares stay.
            await self.evidence.forget(digests)
        return [Reply(text=t("privacy.done", sessions=cleaned, drafts=drafts))]

    async def _erase(self, uow: UnitOfWork, user_id: int) -> tuple[int, int, list[str]]:
        personal = {q.id for q in self.engine.bank.questions if q.personal}
        targets = {
            q.target.split(".", 1)[1] for q in self.engine.bank.questions if q.personal and q.target
        }
        cleaned = drafts = 0
        digests: list[str] = []
        for row in await uow.sessions.list_for_owner(user_id):
            if row.status == Status.IN_PROGRESS:
                files = await uow.evidence.list_for_session(row.id)
                digests += [f.sha256 for f in files if f.sha256]
                await uow.sessions.delete(row)
                drafts += 1
                continue
            state = InterviewState.model_validate(row.state)
            state = state.model_copy(
                update={"answers": {k: v for k, v in state.answers.items() if k not in personal}}
            )
            answers = dict(row.answers or {})
            enterprise = {
                k: v for k, v in (answers.get("enterprise") or {}).items() if k not in targets
            }
            answers["enterprise"] = enterprise
            await uow.sessions.save_progress(
                row,
                state=state.model_dump(mode="json"),
                answers=answers,
                current_question=row.current_question,
            )
            await uow.evidence.forget_uploader(row.id)
            cleaned += 1
        await uow.people.anonymise(user_id)
        await uow.audit.add(
            user_id,
            "privacy.erase",
            f"person:{user_id}",
            new_value={"sessions_cleaned": cleaned, "drafts_deleted": drafts},
        )
        return cleaned, drafts, digests

    async def _language(self, uow: UnitOfWork, who: Who) -> str:
        person = await uow.people.get(who.user_id)
        return person.language if person is not None else self.catalogue.default

    def _texts(self, lang: str) -> Callable[..., str]:
        return lambda key, **params: self.catalogue.text(key, lang, **params)

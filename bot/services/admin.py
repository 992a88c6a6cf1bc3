"""The admin desk in the chat: thresholds, re-evaluation, roles and the audit log.

Transport-agnostic like the assessor desk. Every chat action checks the admin role inside
its own transaction (a forged button fails there), returns replies plus the notices other
people must receive, and writes the audit log in the same transaction as the change.
The command line (`bot.cli.admin`) calls the same planning (`bot.services.ruleset_changes`),
re-evaluation (`bot.services.reevaluation`) and rendering (`bot.services.admin_screens`) code
without the role check, since whoever runs it already holds the database.
"""

from __future__ import annotations

import logging
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from bot.services import callback_data as cb
from bot.services import roles
from bot.services.access import ADMIN_ROLES, require
from bot.services.admin_screens import Screens, actor_names, version_history
from bot.services.outcome import Notice, Who
from bot.services.reevaluation import Reevaluator, pending_count
from bot.services.ruleset_changes import (
    AdminError,
    RulesetChange,
    apply_change,
    known_versions,
    load_version,
    parse_version,
    plan_rollback,
    plan_value,
)
from bot.services.rulesets import RulesetProvider
from conversations import Button, Catalogue, Reply
from storage import BASELINE_RULESET_VERSION as BASELINE_VERSION
from storage import ConcurrentUpdate, Database, Role, UnitOfWork

log = logging.getLogger(__name__)

PREFIX = cb.ADMIN
RULESET_KIND = "admin.ruleset"
AUDIT_DEFAULT = 20
AUDIT_MAX = 100


@dataclass
class AdminResult:
    replies: list[Reply] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    #: People whose command menu must follow a role change: (user id, new role).
    menus: list[tuple[int, Role]] = field(default_factory=list)


class AdminService:
    def __init__(
        self,
        db: Database,
        catalogue: Catalogue,
        rulesets: RulesetProvider,
        *,
        admin_ids: frozenset[int] = frozenset(),
        reevaluator: Reevaluator | None = None,
    ) -> None:
        self.db = db
        self.catalogue = catalogue
        self.rulesets = rulesets
        self.admin_ids = admin_ids
        self.screens = Screens(catalogue)
        self.reevaluator = reevaluator or Reevaluator(
            db, rulesets, default_language=catalogue.default
        )

    # -- thresholds and versions -----------------------------------------------------------

    def unit_of(self, key: str) -> str:
        """The unit of a setting (to drop one typed after a value), or "" for no such key."""
        for setting in self.rulesets.baseline.settable_keys():
            if setting.key == key:
                return setting.unit
        return ""

    async def thresholds(self, who: Who, argument: str) -> AdminResult:
        """/thresholds, /thresholds history, /thresholds VERSION."""
        async with self.db.unit_of_work() as uow:
            lang = await self._admin_language(uow, who, "admin.thresholds")
            wanted = argument.strip().lower()
            active = await self.rulesets.active(uow)
            if wanted in ("history", "历史", "h"):
                stored = await version_history(uow, self.rulesets)
                text = self.screens.history(lang, self.rulesets.baseline, active.version, stored)
                return self._say(text)
            if not wanted:
                version = active.version
            else:
                parsed = parse_version(wanted)
                if parsed is None:
                    return self._say(self.screens.t(lang, "admin.usage.thresholds"))
                version = parsed
            ruleset = await load_version(uow, self.rulesets, version)
            if ruleset is None:
                versions = ", ".join(f"v{v}" for v in await known_versions(uow, self.rulesets))
                error = AdminError(
                    "admin.error.unknown_version", version=version, versions=versions
                )
                return self._say(error.render(self.catalogue, lang))
            stored_row = (
                await uow.rulesets.get(self.rulesets.ruleset_id, version)
                if version != BASELINE_VERSION
                else None
            )
            author = None
            if stored_row is not None and stored_row.author_id is not None:
                person = await uow.people.get(stored_row.author_id)
                author = person.name if person is not None else str(stored_row.author_id)
            origin = self.screens.origin(lang, ruleset, stored_row, author)
        return self._say(self.screens.table(lang, ruleset, active.version, origin))

    async def propose_value(self, who: Who, key: str, value: str, note: str) -> AdminResult:
        """/set KEY VALUE [note]: validate, preview the effect, wait for confirmation."""
        async with self.db.unit_of_work() as uow:
            lang = await self._admin_language(uow, who, "admin.set")
            try:
                change = await plan_value(uow, self.rulesets, key, value)
            except AdminError as exc:
                return self._say(exc.render(self.catalogue, lang))
        return await self._propose(who, lang, change, note, {"key": key, "value": value})

    async def propose_rollback(self, who: Who, version_text: str, note: str) -> AdminResult:
        """/rollback VERSION [note]: a new version with an earlier version's values."""
        async with self.db.unit_of_work() as uow:
            lang = await self._admin_language(uow, who, "admin.rollback")
            version = parse_version(version_text)
            if version is None:
                return self._say(self.screens.t(lang, "admin.usage.rollback"))
            try:
                change = await plan_rollback(uow, self.rulesets, version)
            except AdminError as exc:
                return self._say(exc.render(self.catalogue, lang))
        return await self._propose(who, lang, change, note, {"restore": version})

    async def _propose(
        self, who: Who, lang: str, change: RulesetChange, note: str, request: dict[str, Any]
    ) -> AdminResult:
        impact = await self.reevaluator.preview(change.candidate)
        async with self.db.unit_of_work() as uow:
            await require(uow, who.user_id, ADMIN_ROLES, "admin.propose")
            payload = {
                "action": change.action,
                "ruleset_id": change.ruleset_id,
                "base_version": change.base.version,
                "note": note,
                **request,
            }
            pending = await uow.pending.put(who.user_id, RULESET_KIND, payload)
            await uow.commit()
        buttons = [
            [
                Button(
                    label=self.screens.t(lang, "admin.button.confirm"),
                    data=cb.encode(cb.AdminConfirm(pending.token)),
                ),
                Button(
                    label=self.screens.t(lang, "admin.button.cancel"),
                    data=cb.encode(cb.AdminCancel(pending.token)),
                ),
            ]
        ]
        text = self.screens.preview(lang, change, impact, note)
        return AdminResult([Reply(text=text, buttons=buttons)])

    async def confirm(self, who: Who, token: str) -> AdminResult:
        """The confirm button: re-checks role, token and that nothing changed meanwhile."""
        async with self.db.unit_of_work() as uow:
            lang = await self._admin_language(uow, who, "admin.confirm")
            pending = await uow.pending.take(who.user_id, kind=RULESET_KIND, token=token)
            if pending is None:
                return self._say(self.screens.t(lang, "admin.stale_token"))
            payload = pending.payload
            active = await self.rulesets.active(uow)
            if (
                payload.get("ruleset_id") != active.id
                or payload.get("base_version") != active.version
            ):
                await uow.commit()
                return self._say(
                    self.screens.t(lang, "admin.stale_version", version=active.version)
                )
            try:
                if payload.get("action") == "rollback":
                    change = await plan_rollback(uow, self.rulesets, int(payload["restore"]))
                else:
                    change = await plan_value(
                        uow, self.rulesets, str(payload["key"]), str(payload["value"])
                    )
            except AdminError as exc:
                await uow.commit()
                return self._say(exc.render(self.catalogue, lang))
            try:
                await apply_change(uow, change, who.user_id, str(payload.get("note") or ""))
                pending_sessions = await pending_count(uow)
                await uow.commit()
            except ConcurrentUpdate:
                log.info("ruleset change by %s lost a race; refused as stale", who.user_id)
                stale = True
            else:
                stale = False
        if stale:
            async with self.db.unit_of_work() as uow:
                now_active = await self.rulesets.active(uow)
            return self._say(
                self.screens.t(lang, "admin.stale_version", version=now_active.version)
            )
        return self._say(self.screens.saved(lang, change, pending_sessions))

    async def cancel(self, who: Who, token: str) -> AdminResult:
        async with self.db.unit_of_work() as uow:
            lang = await self._admin_language(uow, who, "admin.cancel")
            taken = await uow.pending.take(who.user_id, kind=RULESET_KIND, token=token)
            await uow.commit()
        key = "admin.cancelled" if taken is not None else "admin.stale_token"
        return self._say(self.screens.t(lang, key))

    # -- re-evaluation ---------------------------------------------------------------------

    async def reevaluate(self, who: Who) -> AdminResult:
        """/reevaluate: re-judge submitted sessions; tell suppliers whose verdict flipped."""
        async with self.db.unit_of_work() as uow:
            lang = await self._admin_language(uow, who, "admin.reevaluate")
        impact = await self.reevaluator.run(who.user_id)
        notices = [self.screens.supplier_notice(flip) for flip in impact.flips]
        text = self.screens.report(lang, impact, notified=bool(notices))
        return AdminResult([Reply(text=text)], notices=notices)

    # -- roles -----------------------------------------------------------------------------

    async def grant(self, who: Who, user_text: str, role_text: str) -> AdminResult:
        async with self.db.unit_of_work() as uow:
            lang = await self._admin_language(uow, who, "admin.grant")
            user_id = roles.parse_user_id(user_text)
            role = roles.parse_role(role_text)
            if user_id is None or role is None:
                return self._say(self.screens.t(lang, "admin.usage.grant"))
            try:
                change = await roles.grant(uow, user_id, role, actor_id=who.user_id)
            except roles.LastAdmin:
                return self._say(self.screens.t(lang, "admin.roles.last_admin", id=user_id))
            their_language = await self._language_of(uow, user_id)
            await uow.commit()
        return self._role_result(lang, change, their_language)

    async def revoke(self, who: Who, user_text: str) -> AdminResult:
        async with self.db.unit_of_work() as uow:
            lang = await self._admin_language(uow, who, "admin.revoke")
            user_id = roles.parse_user_id(user_text)
            if user_id is None:
                return self._say(self.screens.t(lang, "admin.usage.revoke"))
            try:
                change = await roles.revoke(uow, user_id, actor_id=who.user_id)
            except roles.UnknownPerson:
                return self._say(self.screens.t(lang, "admin.roles.unknown", id=user_id))
            except roles.LastAdmin:
                return self._say(self.screens.t(lang, "admin.roles.last_admin", id=user_id))
            their_language = await self._language_of(uow, user_id)
            await uow.commit()
        return self._role_result(lang, change, their_language)

    def _role_result(self, lang: str, change: roles.RoleChange, their_language: str) -> AdminResult:
        s = self.screens
        if not change.changed:
            text = s.t(
                lang,
                "admin.roles.unchanged",
                id=change.user_id,
                name=change.name,
                role=s.role(lang, change.new),
            )
            return self._say(text)
        if change.created:
            text = s.t(
                lang, "admin.roles.granted_new", id=change.user_id, new=s.role(lang, change.new)
            )
            return AdminResult([Reply(text=text)], menus=[(change.user_id, change.new)])
        old = change.old or Role.SUPPLIER
        key = "admin.roles.revoked" if change.new == Role.SUPPLIER else "admin.roles.granted"
        lines = [
            s.t(
                lang,
                key,
                id=change.user_id,
                name=change.name,
                old=s.role(lang, old),
                new=s.role(lang, change.new),
            )
        ]
        if old == Role.ADMIN and change.user_id in self.admin_ids:
            lines.append(s.t(lang, "admin.roles.env_admin", id=change.user_id))
        return AdminResult(
            [Reply(text="\n".join(lines))],
            notices=[self._role_notice(change, their_language)],
            menus=[(change.user_id, change.new)],
        )

    async def announcement(self, change: roles.RoleChange) -> Notice | None:
        """What the person hears of a role changed outside the chat (`greenlist roles`), in
        their own language; None when nothing changed or they have never used the bot."""
        if not change.changed or change.created:
            return None
        async with self.db.unit_of_work() as uow:
            lang = await self._language_of(uow, change.user_id)
        return self._role_notice(change, lang)

    def _role_notice(self, change: roles.RoleChange, lang: str) -> Notice:
        """The person hears of their new role, in their own language."""
        revoked = change.new == Role.SUPPLIER
        role = (change.old or change.new) if revoked else change.new
        key = "admin.roles.notice_revoked" if revoked else "admin.roles.notice_granted"
        text = self.screens.t(lang, key, role=self.screens.role(lang, role))
        return Notice(change.user_id, [Reply(text=text)])

    async def people(self, who: Who) -> AdminResult:
        async with self.db.unit_of_work() as uow:
            lang = await self._admin_language(uow, who, "admin.people")
            staff = await roles.staff(uow)
        return self._say(self.screens.people(lang, staff, self.admin_ids))

    # -- audit -----------------------------------------------------------------------------

    async def audit(self, who: Who, limit_text: str) -> AdminResult:
        async with self.db.unit_of_work() as uow:
            lang = await self._admin_language(uow, who, "admin.audit")
            wanted = unicodedata.normalize("NFKC", limit_text).strip()
            if wanted and not (wanted.isascii() and wanted.isdigit() and int(wanted) > 0):
                return self._say(self.screens.t(lang, "admin.usage.audit", max=AUDIT_MAX))
            limit = min(int(wanted), AUDIT_MAX) if wanted else AUDIT_DEFAULT
            entries = await uow.audit.latest(limit)
            names = await actor_names(uow, entries)
        return self._say(self.screens.audit(lang, entries, names))

    # -- shared ----------------------------------------------------------------------------

    async def usage(self, who: Who, key: str) -> AdminResult:
        """A how-to line for a malformed command, for admins only."""
        async with self.db.unit_of_work() as uow:
            lang = await self._admin_language(uow, who, "admin.usage")
        return self._say(self.screens.t(lang, key, max=AUDIT_MAX))

    def refusal(self, who: Who) -> AdminResult:
        lang = "en" if (who.language_hint or "").startswith("en") else self.catalogue.default
        return self._say(self.screens.t(lang, "admin.refused"))

    async def _admin_language(self, uow: UnitOfWork, who: Who, action: str) -> str:
        await require(uow, who.user_id, ADMIN_ROLES, action)
        return await self._language_of(uow, who.user_id)

    async def _language_of(self, uow: UnitOfWork, user_id: int) -> str:
        person = await uow.people.get(user_id)
        return person.language.value if person is not None else self.catalogue.default

    @staticmethod
    def _say(text: str) -> AdminResult:
        return AdminResult([Reply(text=text)])


__all__ = [
    "PREFIX",
    "AdminResult",
    "AdminService",
]

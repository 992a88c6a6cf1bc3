"""Admin screens as plain text in one language, shared by the chat and the command line.

Thresholds, version history, change previews, re-evaluation reports, the notice a
supplier gets when their verdict flips, staff and the audit log; plus the reads that
gather what those screens show. The front end escapes the text.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from bot.services.outcome import Notice
from bot.services.reevaluation import Flip, Impact
from bot.services.ruleset_changes import Difference, RulesetChange, differences
from bot.services.rulesets import RulesetProvider
from conversations import Catalogue, Reply
from conversations.localtime import local_minute
from criteria import Ruleset
from criteria.figures import figure
from criteria.ruleset import SettableKey
from storage import BASELINE_RULESET_VERSION as BASELINE_VERSION
from storage import AuditEntry, Person, Role, UnitOfWork

#: Changed sessions listed one by one in a re-evaluation report; the rest are counted.
REPORT_LINES = 30
_VALUE_PREVIEW = 160


class Screens:
    """Every admin screen as plain text in one language; the front end escapes it."""

    def __init__(self, catalogue: Catalogue) -> None:
        self.catalogue = catalogue

    def t(self, lang: str, text_key: str, /, **params: object) -> str:
        # Not Catalogue.text: a parameter may itself be called `key` (a setting's key).
        return self.catalogue.raw(text_key, lang).format(**params)

    def role(self, lang: str, role: Role | str) -> str:
        return self.t(lang, f"admin.role.{Role(role).value}")

    def verdict(self, lang: str, qualified: bool | None) -> str:
        if qualified is None:
            return self.t(lang, "chat.verdict_pending")
        return self.t(
            lang, "admin.verdict.qualified" if qualified else "admin.verdict.not_qualified"
        )

    def _bound(self, lang: str, setting: SettableKey) -> str:
        return self.t(lang, f"admin.bound.{setting.bound}") if setting.bound else ""

    def table(self, lang: str, ruleset: Ruleset, active: int, origin: str) -> str:
        """/thresholds: clause, what, value, unit and source of every setting."""
        en = lang == "en"
        lines = [
            self.t(
                lang,
                "admin.thresholds.heading",
                title=ruleset.title.get(lang),
                version=ruleset.version,
                state=self.t(
                    lang,
                    "admin.thresholds.in_force"
                    if ruleset.version == active
                    else "admin.thresholds.not_in_force",
                    version=active,
                ),
                origin=origin,
            ),
            "",
        ]
        for setting in ruleset.settable_keys():
            lines.append(
                self.t(
                    lang,
                    "admin.thresholds.line",
                    clause=setting.clause,
                    what=setting.description_en if en else setting.description,
                    bound=self._bound(lang, setting),
                    value=figure(setting.value, places=None),
                    unit=setting.unit,
                    source=setting.source_en if en else setting.source,
                    key=setting.key,
                )
            )
        lines += ["", self.t(lang, "admin.thresholds.footer")]
        return "\n".join(lines)

    def origin(self, lang: str, ruleset: Ruleset, stored: Any, author: str | None) -> str:
        if stored is None:
            return self.t(lang, "admin.thresholds.baseline", issued=ruleset.issued.isoformat())
        return self.t(
            lang,
            "admin.thresholds.stored",
            when=local_minute(stored.created_at),
            author=author or self.t(lang, "admin.audit.system"),
        )

    def difference(self, lang: str, diff: Difference) -> str:
        setting = diff.setting
        en = lang == "en"
        return self.t(
            lang,
            "admin.change.line",
            what=setting.description_en if en else setting.description,
            key=diff.key,
            clause=setting.clause,
            old=figure(diff.old, places=None),
            new=figure(diff.new, places=None),
            unit=setting.unit,
            source=setting.source_en if en else setting.source,
        )

    def short_differences(self, lang: str, found: Sequence[Difference]) -> str:
        if not found:
            return self.t(lang, "admin.change.none")
        return self.t(lang, "admin.change.separator").join(
            self.t(
                lang,
                "admin.change.short",
                key=diff.key,
                old=figure(diff.old, places=None),
                new=figure(diff.new, places=None),
                unit=diff.setting.unit,
            )
            for diff in found
        )

    def preview(
        self, lang: str, change: RulesetChange, impact: Impact, note: str, *, cli: bool = False
    ) -> str:
        if change.restored is None:
            lines = [self.t(lang, "admin.preview.heading_set")]
        else:
            lines = [self.t(lang, "admin.preview.heading_rollback", target=change.restored)]
        lines += [self.difference(lang, diff) for diff in change.differences]
        if not change.differences:
            lines.append(self.t(lang, "admin.change.none"))
        lines.append(
            self.t(lang, "admin.preview.note", note=note)
            if note
            else self.t(lang, "admin.preview.no_note")
        )
        lines += ["", self.impact(lang, impact, change.version, change.base.version, cli=cli)]
        return "\n".join(lines)

    def impact(
        self, lang: str, impact: Impact, version: int, base: int, *, cli: bool = False
    ) -> str:
        where = "admin.cli" if cli else "admin.preview"
        lines = [
            self.t(lang, f"{where}.version", version=version, base=base),
            self.t(
                lang,
                "admin.preview.impact",
                total=figure(impact.total),
                changed=figure(impact.changed),
                to_not=figure(impact.to_not_qualified),
                to_qualified=figure(impact.to_qualified),
            ),
        ]
        if impact.failed:
            lines.append(self.t(lang, "admin.preview.invalid", count=figure(len(impact.failed))))
        lines.append(self.t(lang, f"{where}.keep"))
        return "\n".join(lines)

    def saved(self, lang: str, change: RulesetChange, pending: int, *, cli: bool = False) -> str:
        return self.t(
            lang,
            "admin.cli.saved" if cli else "admin.saved",
            version=change.version,
            changes=self.short_differences(lang, change.differences),
            pending=pending,
        )

    def history(
        self,
        lang: str,
        baseline: Ruleset,
        active: int,
        stored: Sequence[tuple[Any, Ruleset, Ruleset, str | None]],
    ) -> str:
        """Versions newest first, each with what it changed against the one before."""
        lines = [
            self.t(lang, "admin.history.heading", title=baseline.title.get(lang), version=active)
        ]
        for row, ruleset, previous, author in stored:
            current = self.t(lang, "admin.history.current") if row.version == active else ""
            lines.append(
                self.t(
                    lang,
                    "admin.history.line",
                    version=row.version,
                    current=current,
                    when=local_minute(row.created_at),
                    author=author or self.t(lang, "admin.audit.system"),
                )
            )
            lines.append(
                self.t(
                    lang,
                    "admin.history.changes",
                    changes=self.short_differences(lang, differences(previous, ruleset)),
                )
            )
            if row.note:
                lines.append(self.t(lang, "admin.history.note", note=row.note))
        current = self.t(lang, "admin.history.current") if active == BASELINE_VERSION else ""
        lines.append(
            self.t(
                lang,
                "admin.history.baseline",
                version=BASELINE_VERSION,
                current=current,
                issued=baseline.issued.isoformat(),
            )
        )
        lines += ["", self.t(lang, "admin.history.footer")]
        return "\n".join(lines)

    def report(self, lang: str, impact: Impact, *, notified: bool) -> str:
        """What a re-evaluation changed, for the admin."""
        if impact.total == 0 and impact.superseded_by is None:
            return self.t(lang, "admin.reevaluate.none", ruleset=impact.ruleset)
        lines = [
            self.t(
                lang, "admin.reevaluate.heading", ruleset=impact.ruleset, total=figure(impact.total)
            ),
            self.t(lang, "admin.reevaluate.to_not", count=figure(impact.to_not_qualified)),
            self.t(lang, "admin.reevaluate.to_qualified", count=figure(impact.to_qualified)),
            self.t(
                lang,
                "admin.reevaluate.unchanged",
                count=figure(impact.unchanged),
                rejudged=figure(impact.rejudged_same),
                unaffected=figure(impact.unaffected),
            ),
        ]
        if impact.moved_on:
            lines.append(self.t(lang, "admin.reevaluate.moved_on", count=figure(impact.moved_on)))
        if impact.failed:
            ids = ", ".join(f"#{sid}" for sid in impact.failed[:REPORT_LINES])
            lines.append(
                self.t(lang, "admin.reevaluate.failed", count=figure(len(impact.failed)), ids=ids)
            )
        if impact.flips:
            lines += ["", self.t(lang, "admin.reevaluate.changed_heading")]
            for flip in impact.flips[:REPORT_LINES]:
                lines.append(
                    self.t(
                        lang,
                        "admin.reevaluate.changed_line",
                        id=flip.session_id,
                        company=flip.company,
                        old=self.verdict(lang, not flip.qualified),
                        new=self.verdict(lang, flip.qualified),
                    )
                )
            if len(impact.flips) > REPORT_LINES:
                more = len(impact.flips) - REPORT_LINES
                lines.append(self.t(lang, "admin.reevaluate.more", count=figure(more)))
            if notified:
                lines.append(self.t(lang, "admin.reevaluate.notified"))
        if impact.superseded_by is not None:
            lines += [
                "",
                self.t(lang, "admin.reevaluate.superseded", version=impact.superseded_by),
            ]
        return "\n".join(lines)

    def supplier_notice(self, flip: Flip) -> Notice:
        """The supplier's own message, in their language, when their verdict changed."""
        lang = flip.owner_language
        lines = [
            self.t(
                lang,
                "admin.notice.heading",
                id=flip.session_id,
                company=flip.company,
                verdict=self.verdict(lang, flip.qualified),
            )
        ]
        if flip.clauses:
            lines += ["", self.t(lang, "admin.notice.clauses")]
            for clause in flip.clauses:
                lines.append(
                    self.t(
                        lang,
                        "admin.notice.clause",
                        mark=self.t(
                            lang, "admin.mark.pass" if clause.passed else "admin.mark.fail"
                        ),
                        title=clause.title.get(lang),
                        reason=clause.reason.get(lang),
                    )
                )
        lines += ["", self.t(lang, "admin.notice.footer")]
        return Notice(flip.owner_id, [Reply(text="\n".join(lines))])

    def people(self, lang: str, staff: Sequence[Person], admin_ids: frozenset[int]) -> str:
        if not staff:
            return self.t(lang, "admin.people.none")
        lines = [self.t(lang, "admin.people.heading")]
        for role in (Role.ADMIN, Role.ASSESSOR):
            group = [p for p in staff if p.role == role]
            if not group:
                continue
            lines.append(
                self.t(lang, "admin.people.group", role=self.role(lang, role), count=len(group))
            )
            for person in group:
                lines.append(
                    self.t(
                        lang,
                        "admin.people.line",
                        name=person.name,
                        username=f" @{person.username}" if person.username else "",
                        id=person.telegram_id,
                        since=local_minute(person.updated_at),
                        env=self.t(lang, "admin.people.env")
                        if person.telegram_id in admin_ids
                        else "",
                    )
                )
        return "\n".join(lines)

    def audit_action(self, lang: str, action: str) -> str:
        key = f"admin.audit.action.{action}"
        return self.t(lang, key) if self.catalogue.has(key, lang) else action

    def audit(self, lang: str, entries: Sequence[AuditEntry], names: Mapping[int, str]) -> str:
        if not entries:
            return self.t(lang, "admin.audit.none")
        lines = [self.t(lang, "admin.audit.heading", count=len(entries))]
        for entry in entries:
            lines.append(
                self.t(
                    lang,
                    "admin.audit.line",
                    when=local_minute(entry.created_at),
                    actor=self.actor(lang, entry.actor_id, names),
                    action=self.audit_action(lang, entry.action),
                    target=entry.target,
                )
            )
            if entry.old_value is not None or entry.new_value is not None:
                lines.append(
                    self.t(
                        lang,
                        "admin.audit.change",
                        old=compact(entry.old_value),
                        new=compact(entry.new_value),
                    )
                )
            if entry.note:
                lines.append(self.t(lang, "admin.audit.note", note=entry.note))
        return "\n".join(lines)

    def actor(self, lang: str, actor_id: int | None, names: Mapping[int, str]) -> str:
        if actor_id is None:
            return self.t(lang, "admin.audit.system")
        name = names.get(actor_id)
        return f"{name} ({actor_id})" if name and name != str(actor_id) else str(actor_id)


def compact(value: Any, limit: int = _VALUE_PREVIEW) -> str:
    """An audit value on one short line."""
    if value is None:
        return "—"
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"


async def actor_names(uow: UnitOfWork, entries: Sequence[AuditEntry]) -> dict[int, str]:
    names: dict[int, str] = {}
    for actor_id in {e.actor_id for e in entries if e.actor_id is not None}:
        person = await uow.people.get(actor_id)
        if person is not None:
            names[actor_id] = person.name
    return names


async def version_history(
    uow: UnitOfWork, provider: RulesetProvider
) -> list[tuple[Any, Ruleset, Ruleset, str | None]]:
    """Stored versions newest first, each with the version before it and its author."""
    rows = await uow.rulesets.history(provider.ruleset_id)
    loaded = {row.version: Ruleset.model_validate(row.values) for row in rows}
    loaded[BASELINE_VERSION] = provider.baseline
    out = []
    for row in rows:
        earlier = [v for v in loaded if v < row.version]
        previous = loaded[max(earlier)] if earlier else provider.baseline
        author = None
        if row.author_id is not None:
            person = await uow.people.get(row.author_id)
            author = person.name if person is not None else str(row.author_id)
        out.append((row, loaded[row.version], previous, author))
    return out


__all__ = [
    "Screens",
    "actor_names",
    "compact",
    "version_history",
]

"""The assessor's session list: its filters and page (carried in the buttons), the list
text, and the buttons that open, page and filter it. The desk reads the sessions; this
module only says how a page of them looks."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from bot.services import callback_data as cb
from conversations import Button, Catalogue, Engine
from conversations.localtime import local_minute
from storage import AssessmentSession, Status

PAGE_SIZE = 8

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

    def filters(self) -> dict[str, Any]:
        """The session search's filters this query stands for."""
        status = STATUS_CODES[self.status]
        return {
            "status": status.value if status is not None else None,
            "qualified": VERDICT_CODES[self.verdict],
            "product_category": CATEGORY_CODES[self.category],
            "needs_review": REVIEW_CODES[self.review],
        }


class SessionListScreens:
    """A page of sessions as an assessor reads it, in their language."""

    def __init__(self, engine: Engine, catalogue: Catalogue) -> None:
        self.engine = engine
        self.catalogue = catalogue

    def _t(self, lang: str, key: str, **params: object) -> str:
        return self.catalogue.text(key, lang, **params)

    def listing(self, heading: str, rows: list[AssessmentSession], lang: str) -> str:
        if not rows:
            return f"{heading}\n\n{self._t(lang, 'desk.list_empty')}"
        lines = [heading, ""]
        lines += [self.list_line(row, lang) for row in rows]
        return "\n".join(lines)

    def list_line(self, row: AssessmentSession, lang: str) -> str:
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

    def row_buttons(self, rows: list[AssessmentSession], lang: str) -> list[list[Button]]:
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

    def paging(self, query: ListQuery, page: int, pages: int, lang: str) -> list[Button]:
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

    def find_paging(self, text: str, page: int, pages: int, lang: str) -> list[Button]:
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

    def filter_buttons(self, query: ListQuery, lang: str) -> list[list[Button]]:
        """Each filter button cycles its own filter and starts again at page 1."""
        labels = self.filter_labels(query, lang)
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

    def filter_labels(self, query: ListQuery, lang: str) -> dict[str, str]:
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

    def filter_summary(self, query: ListQuery, lang: str) -> str:
        return " · ".join(self.filter_labels(query, lang).values())


def _short(name: str | None, limit: int = 24) -> str:
    name = name or "—"
    return name if len(name) <= limit else name[: limit - 1] + "…"


def _fit(text: str, budget: int) -> str:
    """The longest prefix of `text` whose UTF-8 form fits Telegram's callback-data budget."""
    out = text
    while len(out.encode()) > budget:
        out = out[:-1]
    return out

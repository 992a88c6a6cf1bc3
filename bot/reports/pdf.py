"""The per-session evaluation report (评价报告) as a PDF an assessor can file or forward.

It restates everything the verdict rests on: the enterprise, the ruleset version, each
clause with its reason and the evidence behind it, the key figures, the gaps and nearest
path for a plant that did not qualify, and the assessors' decisions. A CJK font is
embedded (subset to the characters used) so the file reads the same on any machine.
Texts come from `bot/data/report_texts.yaml`; times are shown in the local time zone.
"""

from __future__ import annotations

import json
import logging
import string
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from fpdf import FPDF, FontFace
from fpdf.enums import Align, TableCellFillMode, WrapMode, XPos, YPos

from bot.reports.columns import export_catalogue
from bot.reports.display import (
    category_label,
    dig,
    local_time,
    ordered_clauses,
    status_names,
)
from bot.reports.fonts import FontChoice, embeddable_font, find_cjk_font, font_characters
from bot.reports.texts import AssessorTexts, assessor_texts, check_language, packaged_text
from conversations import Catalogue, QuestionBank
from conversations.localtime import local_zone
from criteria.figures import figure_or_none, unit_shown
from storage import AssessmentSession, EvidenceFile, ReviewDecision

TEXTS_FILE = "report_texts.yaml"
FONT_FAMILY = "cjk"

# Layout, in millimetres and points: A4 portrait with 15 mm margins (180 mm of text).
_MARGIN = 15.0
_BODY_PT = 9.0
_SMALL_PT = 7.5
_HEADING_PT = 12.0
_TITLE_PT = 17.0
_LINE = 4.6
_CLAUSE_WIDTHS = (15.0, 37.0, 13.0, 79.0, 36.0)
_FIELD_WIDTHS = (42.0, 138.0)
_FIGURE_WIDTHS = (72.0, 60.0, 48.0)
_EVIDENCE_WIDTHS = (62.0, 64.0, 18.0, 36.0)
_DECISION_WIDTHS = (32.0, 42.0, 26.0, 80.0)

_INK = (33, 37, 41)
_MUTED = (108, 117, 125)
_ACCENT = (25, 110, 60)
_PASS = (25, 135, 84)
_FAIL = (200, 35, 51)
_WARN = (176, 106, 0)
_HEAD_FILL = (233, 240, 235)
_BAND_FILL = (246, 248, 247)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Clause:
    clause_id: str
    kind: str
    title: str
    passed: bool
    reason: str
    needs_review: bool


class _ReportPDF(FPDF):
    """FPDF with the report's footer on every page."""

    footer_text: str = ""

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT_FAMILY, size=_SMALL_PT)
        self.set_text_color(*_MUTED)
        text = self.footer_text.replace("{page}", str(self.page_no()))
        self.cell(0, 5, text, align=Align.C)


def _evidence_clause(question_id: str, clause_ids: Sequence[str]) -> str | None:
    """The evaluation clause an upload supports, from the question it answered.

    Questions name sub-items of 5.4 (5.4a ... 5.4d); the evaluation judges 5.4 as one.
    """
    bank = QuestionBank.load()
    if not bank.has_question(question_id):
        return None
    clause = bank.question(question_id).clause
    if clause in clause_ids:
        return clause
    for candidate in clause_ids:
        if clause.startswith(candidate) and clause[len(candidate) :].isalpha():
            return candidate
    return None


def _question_label(question_id: str, lang: str) -> str:
    bank = QuestionBank.load()
    texts = Catalogue.load()
    if bank.has_question(question_id):
        key = bank.question(question_id).label
        if texts.has(key, lang):
            return texts.text(key, lang)
    return question_id


class _Builder:
    def __init__(
        self,
        session: AssessmentSession,
        evidence: Sequence[EvidenceFile],
        decisions: Sequence[ReviewDecision],
        lang: str,
        people: Mapping[int, str],
        font: FontChoice,
        generated_at: datetime,
    ) -> None:
        self.session = session
        self.evidence = list(evidence)
        self.decisions = list(decisions)
        self.lang = lang
        self.people = people
        self.texts: AssessorTexts = assessor_texts(TEXTS_FILE)
        self.zone = local_zone()
        self.answers: Mapping[str, Any] = (
            session.answers if isinstance(session.answers, Mapping) else {}
        )
        state = session.state if isinstance(session.state, Mapping) else {}
        details = state.get("answers")
        self.details: Mapping[str, Any] = details if isinstance(details, Mapping) else {}
        self.evaluation: Mapping[str, Any] = (
            session.evaluation if isinstance(session.evaluation, Mapping) else {}
        )
        self.generated_at = generated_at
        self.sections = 0
        self.pdf = _ReportPDF(orientation="P", unit="mm", format="A4")
        self.pdf.set_margins(_MARGIN, _MARGIN, _MARGIN)
        self.pdf.set_auto_page_break(True, margin=18)
        # One face serves every style: a CJK font rarely ships a bold file, and a table's
        # bold headings must not fail for want of one.
        for style in ("", "B", "I", "BI"):
            self.pdf.add_font(FONT_FAMILY, style, str(font.path), collection_font_number=font.index)
        self.pdf.set_font(FONT_FAMILY, size=_BODY_PT)
        self.wrap = WrapMode.CHAR if lang == "zh" else WrapMode.WORD
        self.pass_mark = self._mark("clauses.pass_mark", "clauses.pass_word")
        self.fail_mark = self._mark("clauses.fail_mark", "clauses.fail_word")
        self.pdf.set_title(self.t("title"))
        self.pdf.set_creator("greenlist-bot")
        self.pdf.set_creation_date(generated_at)

    # -- helpers ---------------------------------------------------------------------------

    def t(self, key: str, **params: Any) -> str:
        return self.texts.get(key, self.lang, **params)

    def _mark(self, mark_key: str, word_key: str) -> str:
        """The verdict sign if the embedded font has it, else the verdict word."""
        mark = self.t(mark_key)
        cmap = getattr(self.pdf.current_font, "cmap", {}) or {}
        if all(ord(ch) in cmap for ch in mark):
            return mark
        log.info("the report font has no glyph for %r; writing %r", mark, self.t(word_key))
        return self.t(word_key)

    def when(self, moment: datetime | None) -> str:
        local = local_time(moment, self.zone)
        return local.strftime("%Y-%m-%d %H:%M") if local else self.t("value.none")

    def none(self) -> str:
        return self.t("value.none")

    def heading(self, key: str) -> None:
        pdf = self.pdf
        if pdf.get_y() > pdf.h - 45:
            pdf.add_page()
        numerals = self.t("section.numerals").split()
        self.sections += 1
        number = numerals[self.sections - 1] if self.sections <= len(numerals) else self.sections
        title = self.t("section.heading", number=number, title=self.t(key))
        pdf.ln(3)
        pdf.set_font(FONT_FAMILY, size=_HEADING_PT)
        pdf.set_text_color(*_ACCENT)
        pdf.cell(0, 7, title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_draw_color(*_ACCENT)
        pdf.set_line_width(0.3)
        pdf.line(_MARGIN, pdf.get_y(), pdf.w - _MARGIN, pdf.get_y())
        pdf.ln(2)
        pdf.set_font(FONT_FAMILY, size=_BODY_PT)
        pdf.set_text_color(*_INK)
        pdf.set_draw_color(190, 196, 200)
        pdf.set_line_width(0.15)

    def paragraph(
        self, text: str, color: tuple[int, int, int] = _INK, size: float = _BODY_PT
    ) -> None:
        pdf = self.pdf
        pdf.set_font(FONT_FAMILY, size=size)
        pdf.set_text_color(*color)
        pdf.multi_cell(
            0,
            _LINE + (size - _BODY_PT) * 0.45,
            text,
            wrapmode=self.wrap,
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
        pdf.set_text_color(*_INK)
        pdf.set_font(FONT_FAMILY, size=_BODY_PT)

    def table(self, widths: Sequence[float], headings: Iterable[str] | None) -> Any:
        heading_style = FontFace(family=FONT_FAMILY, emphasis="", color=_INK, fill_color=_HEAD_FILL)
        return self.pdf.table(
            col_widths=tuple(widths),
            width=sum(widths),
            align=Align.L,
            text_align=Align.L,
            line_height=_LINE,
            padding=(1.2, 1.5),
            wrapmode=self.wrap,
            first_row_as_headings=headings is not None,
            headings_style=heading_style,
            cell_fill_color=_BAND_FILL,
            cell_fill_mode=TableCellFillMode.EVEN_ROWS,
            v_align="TOP",
        )

    # -- sections --------------------------------------------------------------------------

    def build(self) -> tuple[bytes, set[str]]:
        """The PDF, and the characters the font had no glyph for."""
        pdf = self.pdf
        status = status_names(self.lang).get(str(self.session.status), str(self.session.status))
        pdf.footer_text = self.t(
            "footer",
            id=self.session.id,
            generated=self.when(self.generated_at),
            page="{page}",
            pages="{nb}",
        )
        pdf.alias_nb_pages("{nb}")
        pdf.add_page()
        self.title(status)
        self.enterprise()
        self.verdict()
        if self.evaluation:
            self.clauses()
            self.figures()
            self.energy_and_carbon()
            if self.evaluation.get("qualified") is False:
                self.gaps()
        self.evidence_list()
        self.decision_history()
        data = bytes(pdf.output())
        missing = {
            chr(code) for font in pdf.fonts.values() for code in getattr(font, "missing_glyphs", ())
        }
        return data, missing

    def title(self, status: str) -> None:
        pdf = self.pdf
        pdf.set_font(FONT_FAMILY, size=_TITLE_PT)
        pdf.set_text_color(*_ACCENT)
        pdf.multi_cell(0, 9, self.t("title"), align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font(FONT_FAMILY, size=_SMALL_PT + 0.5)
        pdf.set_text_color(*_MUTED)
        pdf.cell(0, 5, self.t("subtitle"), align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(1)
        pdf.set_font(FONT_FAMILY, size=_BODY_PT)
        pdf.set_text_color(*_INK)
        line = self.t("header_line", id=self.session.id, status=status)
        pdf.cell(0, 6, line, align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font(FONT_FAMILY, size=_SMALL_PT)
        pdf.set_text_color(*_MUTED)
        note = self.t("timezone_note", zone=self.zone.key)
        pdf.cell(0, 4, note, align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_text_color(*_INK)

    def _enterprise_rows(self) -> list[tuple[str, str]]:
        enterprise = dig(self.answers, ("enterprise",)) or {}
        text = self.none()

        def value(key: str) -> str:
            raw = enterprise.get(key) if isinstance(enterprise, Mapping) else None
            return str(raw).strip() if raw not in (None, "") else text

        person, phone = value("contact_person"), value("contact_phone")
        contact = (
            text
            if person == text and phone == text
            else self.t("value.contact", person=person, phone=phone)
        )
        start, end = value("period_start"), value("period_end")
        period = (
            text if start == text and end == text else self.t("value.period", start=start, end=end)
        )
        category = category_label(dig(self.answers, ("product_category",)), self.lang) or text
        ruleset = (
            self.t(
                "value.ruleset", id=self.session.ruleset_id, version=self.session.ruleset_version
            )
            if self.session.ruleset_id
            else text
        )
        rows = [
            (self.t("field.company"), value("name")),
            (self.t("field.credit_code"), value("credit_code")),
            (self.t("field.contact"), contact),
            (self.t("field.location"), value("plant_location")),
            (self.t("field.period"), period),
            (self.t("field.category"), category),
            (self.t("field.ruleset"), ruleset),
            (self.t("field.submitted"), self.when(self.session.submitted_at)),
        ]
        if self.session.decided_at is not None:
            rows.append((self.t("field.decided"), self.when(self.session.decided_at)))
        for field_key, number_key, expiry_key in (
            ("field.qms_certificate", "qms_certificate_no", "qms_expiry"),
            ("field.ems_certificate", "ems_certificate_no", "ems_expiry"),
        ):
            number = self.details.get(number_key)
            if isinstance(number, str) and number.strip():
                expiry = self.details.get(expiry_key)
                certificate = (
                    self.t("value.certificate", number=number.strip(), expiry=expiry)
                    if isinstance(expiry, str) and expiry
                    else self.t("value.certificate_number", number=number.strip())
                )
                rows.append((self.t(field_key), certificate))
        other = self.details.get("cert_other_name")
        if isinstance(other, str) and other.strip():
            rows.append((self.t("field.other_certification"), other.strip()))
        return rows

    def enterprise(self) -> None:
        self.heading("section.enterprise")
        with self.table(_FIELD_WIDTHS, None) as table:
            for label, value in self._enterprise_rows():
                row = table.row()
                row.cell(label, style=FontFace(color=_MUTED))
                row.cell(value)

    def _clause_results(self) -> list[_Clause]:
        suffix = "_en" if self.lang == "en" else ""
        results = []
        for clause_id, result in ordered_clauses(self.evaluation):
            results.append(
                _Clause(
                    clause_id=str(clause_id),
                    kind=str(result.get("kind", "")),
                    title=str(result.get(f"title{suffix}") or result.get("title") or ""),
                    passed=result.get("passed") is True,
                    reason=str(result.get(f"reason{suffix}") or result.get("reason") or ""),
                    needs_review=result.get("needs_review") is True,
                )
            )
        return results

    def verdict(self) -> None:
        self.heading("section.verdict")
        qualified = self.evaluation.get("qualified") if self.evaluation else None
        if qualified is None:
            self.paragraph(self.t("verdict.pending"), _WARN, _HEADING_PT)
            return
        self.paragraph(self.standing(), _ACCENT)
        key, color = ("verdict.qualified", _PASS) if qualified else ("verdict.not_qualified", _FAIL)
        self.paragraph(self.t(key), color, _HEADING_PT + 1)
        self.pdf.ln(1)
        results = self._clause_results()
        separator = self.t("value.list_separator")
        failed_basic = [c.clause_id for c in results if c.kind == "basic" and not c.passed]
        passed = [str(c) for c in self.evaluation.get("passed_indicators") or []]
        self.paragraph(
            self.t("verdict.basic_failed", clauses=separator.join(failed_basic))
            if failed_basic
            else self.t("verdict.basic_passed")
        )
        self.paragraph(
            self.t("verdict.indicators_passed", clauses=separator.join(passed))
            if passed
            else self.t("verdict.indicators_none")
        )
        review = [c.clause_id for c in results if c.needs_review]
        if review:
            self.paragraph(self.t("verdict.needs_review", clauses=separator.join(review)), _WARN)
        elif self.session.needs_review or self.evaluation.get("needs_review"):
            self.paragraph(self.t("verdict.needs_review_general"), _WARN)
        else:
            self.paragraph(self.t("verdict.no_review"), _MUTED)
        self.paragraph(self.t("verdict.rule"), _MUTED, _SMALL_PT)

    def standing(self) -> str:
        """Whose word the verdict is: the assessor's decision (by whom, when) once one is
        made, else the supplier's self-assessment awaiting review, so a submitted session's
        report is never read as a decision."""
        status = str(self.session.status)
        final = [
            d
            for d in self.decisions
            if str(getattr(d.decision, "value", d.decision)) == status
            and status in ("approved", "rejected")
        ]
        if not final:
            return self.t("standing.self_assessment")
        decision = final[-1]
        name = self.people.get(decision.assessor_id)
        assessor = (
            self.t("decisions.assessor", name=name, id=decision.assessor_id)
            if name
            else str(decision.assessor_id)
        )
        return self.t(
            "standing.decided",
            decision=self.t(f"decisions.name.{status}"),
            assessor=assessor,
            time=self.when(decision.created_at),
        )

    def _files_by_clause(self, clause_ids: Sequence[str]) -> dict[str | None, list[str]]:
        grouped: dict[str | None, list[str]] = {}
        for item in self.evidence:
            clause = _evidence_clause(item.question_id, clause_ids)
            grouped.setdefault(clause, []).append(item.file_name or self.t("value.photo"))
        return grouped

    def clauses(self) -> None:
        self.heading("section.clauses")
        results = self._clause_results()
        files = self._files_by_clause([c.clause_id for c in results])
        headings = [
            self.t(f"clauses.column.{name}")
            for name in ("clause", "title", "passed", "reason", "evidence")
        ]
        for kind, group in (("basic", "clauses.basic"), ("indicator", "clauses.indicators")):
            rows = [c for c in results if c.kind == kind]
            if not rows:
                continue
            # Keep a group's title with at least its first rows.
            if self.pdf.get_y() > self.pdf.h - 60:
                self.pdf.add_page()
            self.paragraph(self.t(group), _ACCENT)
            self.pdf.ln(0.8)
            self._clause_table(headings, rows, files)
            self.pdf.ln(2)

    def _clause_table(
        self, headings: list[str], results: list[_Clause], files: Mapping[str | None, list[str]]
    ) -> None:
        with self.table(_CLAUSE_WIDTHS, headings) as table:
            row = table.row()
            for heading in headings:
                row.cell(heading)
            for clause in results:
                row = table.row()
                row.cell(clause.clause_id)
                row.cell(clause.title)
                mark = self.pass_mark if clause.passed else self.fail_mark
                if clause.needs_review:
                    mark += "\n" + self.t("clauses.review_mark")
                row.cell(
                    mark,
                    align=Align.C,
                    style=FontFace(color=_PASS if clause.passed else _FAIL),
                )
                row.cell(clause.reason)
                row.cell(
                    "\n".join(files.get(clause.clause_id, [])) or self.none(),
                    style=FontFace(size_pt=_SMALL_PT + 0.5),
                )

    def _figure_rows(self) -> list[tuple[str, str, str]]:
        metrics = self.evaluation.get("metrics")
        metrics = metrics if isinstance(metrics, Mapping) else {}
        clauses = self.evaluation.get("clauses")
        text = self.none()
        na = self.t("figures.not_applicable")

        def limit(clause: str, key: str) -> Any:
            return dig(clauses, (clause, "values", key))

        def threshold(clause: str, key: str, bound: str, unit: str) -> str:
            value = figure_or_none(limit(clause, key), places=None)
            return self.t(bound, value=self.t(unit, value=value)) if value else na

        # A figure beside its threshold shows the decimals that keep it on its side.
        unit_energy = figure_or_none(
            metrics.get("unit_energy_kgce_per_t"), limit("5.2a", "threshold_kgce_per_t")
        )
        energy = figure_or_none(metrics.get("energy_kgce"))
        output = figure_or_none(metrics.get("output_t"), places=4)
        ratio = figure_or_none(metrics.get("local_material_ratio"), limit("5.1b", "threshold_pct"))
        waste = figure_or_none(metrics.get("waste_content_pct"), limit("5.1a", "threshold_pct"))
        suffix = "_en" if self.lang == "en" else ""
        category = str(metrics.get(f"waste_category_label{suffix}") or "")
        return [
            (
                self.t("figures.unit_energy"),
                self.t("figures.kgce_per_t", value=unit_energy) if unit_energy else text,
                threshold("5.2a", "threshold_kgce_per_t", "figures.at_most", "figures.kgce_per_t"),
            ),
            (
                self.t("figures.energy"),
                self.t("figures.kgce", value=energy) if energy else text,
                "",
            ),
            (
                self.t("figures.output"),
                self.t("figures.tonnes", value=output) if output else text,
                "",
            ),
            (
                self.t("figures.local_ratio"),
                self.t("figures.percent", value=ratio) if ratio else text,
                threshold("5.1b", "threshold_pct", "figures.at_least", "figures.percent"),
            ),
            (
                self.t("figures.waste"),
                self.t("figures.waste_value", value=waste, category=category)
                if waste is not None
                else text,
                threshold("5.1a", "threshold_pct", "figures.at_least", "figures.percent"),
            ),
        ]

    def figures(self) -> None:
        self.heading("section.figures")
        headings = [self.t(f"figures.column.{n}") for n in ("item", "value", "requirement")]
        with self.table(_FIGURE_WIDTHS, headings) as table:
            row = table.row()
            for heading in headings:
                row.cell(heading)
            for item, value, requirement in self._figure_rows():
                row = table.row()
                row.cell(item)
                row.cell(value)
                row.cell(requirement)

    def energy_and_carbon(self) -> None:
        """The factors formula A.2 used per carrier with their sources, why an assessor
        should look, and the carbon estimate, labelled as one and kept out of the verdict."""
        self.heading("section.energy")
        suffix = "_en" if self.lang == "en" else ""
        metrics = self.evaluation.get("metrics") or {}
        factors = [f for f in metrics.get("factors") or [] if isinstance(f, Mapping)]
        self.paragraph(self.t("energy.factors"), _ACCENT)
        if not factors:
            self.paragraph(self.none(), _MUTED)
        for item in factors:
            unit = unit_shown(str(item.get("unit", "")))
            per = unit_shown(str(item.get("factor_unit", "")))
            key = "energy.factor_line" if item.get("counted") else "energy.factor_not_counted"
            note = item.get(f"note{suffix}") or item.get("note")
            self.paragraph(
                self.t(
                    key,
                    label=item.get(f"label{suffix}") or item.get("label"),
                    amount=figure_or_none(item.get("amount"), places=None) or "—",
                    unit=unit,
                    factor=figure_or_none(item.get("factor"), places=None) or "—",
                    factor_unit=per,
                    kgce=figure_or_none(item.get("kgce")) or "—",
                    source=item.get(f"source{suffix}") or item.get("source"),
                )
                + (self.t("energy.note", note=note) if note else "")
            )
        reasons = [r for r in self.evaluation.get("review_reasons") or [] if isinstance(r, Mapping)]
        if reasons:
            self.pdf.ln(1)
            self.paragraph(self.t("energy.reasons"), _WARN)
            for reason in reasons:
                text = reason.get(f"text{suffix}") or reason.get("text")
                self.paragraph(self.t("energy.bullet", text=text))
        carbon = self.evaluation.get("carbon")
        if isinstance(carbon, Mapping):
            self.pdf.ln(1)
            self.paragraph(self.t("energy.carbon"), _ACCENT)
            self.paragraph(
                self.t(
                    "energy.carbon_totals",
                    unit=figure_or_none(carbon.get("unit_co2_kg_per_t"), places=1) or "—",
                    year=figure_or_none(carbon.get("co2_t_per_year"), places=1) or "—",
                )
            )
            source = carbon.get(f"source{suffix}") or carbon.get("source")
            self.paragraph(self.t("energy.carbon_source", source=source), _MUTED, _SMALL_PT)

    def gaps(self) -> None:
        self.heading("section.gaps")
        suffix = "_en" if self.lang == "en" else ""
        nearest = self.evaluation.get("nearest_path")
        if isinstance(nearest, Mapping):
            advice = nearest.get(f"advice{suffix}") or nearest.get("advice")
            if advice:
                self.paragraph(self.t("gaps.nearest"), _ACCENT)
                self.paragraph(str(advice))
                self.pdf.ln(1.5)
        gaps = [g for g in self.evaluation.get("gaps") or [] if isinstance(g, Mapping)]
        if gaps:
            self.paragraph(self.t("gaps.list"), _ACCENT)
            for gap in gaps:
                text = str(gap.get(f"text{suffix}") or gap.get("text") or "")
                self.paragraph(self.t("gaps.item", text=text))

    def evidence_list(self) -> None:
        self.heading("section.evidence")
        if not self.evidence:
            self.paragraph(self.t("evidence.none"), _MUTED)
            return
        clause_ids = [c.clause_id for c in self._clause_results()]
        headings = [
            self.t(f"evidence.column.{n}") for n in ("file", "question", "clause", "uploaded")
        ]
        with self.table(_EVIDENCE_WIDTHS, headings) as table:
            row = table.row()
            for heading in headings:
                row.cell(heading)
            for item in self.evidence:
                bank = QuestionBank.load()
                clause = _evidence_clause(item.question_id, clause_ids) or (
                    bank.question(item.question_id).clause
                    if bank.has_question(item.question_id)
                    else self.none()
                )
                row = table.row()
                row.cell(item.file_name or self.t("value.photo"))
                row.cell(_question_label(item.question_id, self.lang))
                row.cell(clause)
                row.cell(self.when(item.uploaded_at))
        # The hashes tie the report to the archived bytes: an auditor re-hashes a file
        # from `greenlist export --evidence` and finds it here.
        self.paragraph(self.t("evidence.hashes"), _MUTED)
        for n, item in enumerate(self.evidence, start=1):
            name = item.file_name or self.t("value.photo")
            digest = item.sha256 or self.t("evidence.not_archived")
            self.paragraph(self.t("evidence.hash_line", n=n, name=name, sha256=digest))

    def decision_history(self) -> None:
        self.heading("section.decisions")
        if not self.decisions:
            self.paragraph(self.t("decisions.none"), _MUTED)
            return
        headings = [
            self.t(f"decisions.column.{n}") for n in ("time", "assessor", "decision", "comment")
        ]
        with self.table(_DECISION_WIDTHS, headings) as table:
            row = table.row()
            for heading in headings:
                row.cell(heading)
            for decision in self.decisions:
                value = str(getattr(decision.decision, "value", decision.decision))
                name_key = f"decisions.name.{value}"
                label = self.t(name_key) if name_key in self.texts else value
                name = self.people.get(decision.assessor_id)
                assessor = (
                    self.t("decisions.assessor", name=name, id=decision.assessor_id)
                    if name
                    else str(decision.assessor_id)
                )
                row = table.row()
                row.cell(self.when(decision.created_at))
                row.cell(assessor)
                row.cell(label)
                row.cell(decision.comment or self.none())


def render_session_report(
    session: AssessmentSession,
    evidence: list[EvidenceFile],
    decisions: list[ReviewDecision],
    lang: str = "zh",
    *,
    people: Mapping[int, str] | None = None,
    font_path: Path | None = None,
    generated_at: datetime | None = None,
) -> bytes:
    """The evaluation report of one session as PDF bytes.

    `people` maps assessor ids to names for the decision history; `font_path` overrides
    the CJK font search (bot.reports.fonts). Raises bot.reports.fonts.FontNotFound, whose
    message names what to install, when no font with Chinese glyphs is available.
    """
    check_language(lang)
    source = find_cjk_font(font_path) if font_path is not None else _default_font()
    names = dict(people or {})
    characters = _report_characters(session, evidence, decisions, names, lang)
    when = generated_at or datetime.now(UTC)
    with tempfile.TemporaryDirectory(prefix="greenlist-report-") as scratch:
        for _ in range(2):
            font = embeddable_font(source, characters, Path(scratch))
            data, missing = _Builder(session, evidence, decisions, lang, names, font, when).build()
            # A character nobody foresaw (the font has it, the subset did not): once more.
            extra = (missing & _font_characters(source)) - characters
            if not extra:
                break
            characters |= extra
    return data


def _report_characters(
    session: AssessmentSession,
    evidence: Sequence[EvidenceFile],
    decisions: Sequence[ReviewDecision],
    people: Mapping[int, str],
    lang: str,
) -> set[str]:
    """Every character the report can print: its texts and everything stored it shows."""
    sources: list[str] = [
        string.printable,
        _texts_source(),
        export_catalogue().model_dump_json(),
        json.dumps([session.answers, session.state, session.evaluation], ensure_ascii=False),
        category_label(dig(session.answers, ("product_category",)), lang) or "",
        str(session.status),
        str(session.ruleset_id or ""),
    ]
    for item in evidence:
        sources.append(item.file_name or "")
        sources.append(_question_label(item.question_id, lang))
    for decision in decisions:
        sources.append(decision.comment or "")
    sources.extend(people.values())
    return set("".join(sources))


@cache
def _texts_source() -> str:
    return packaged_text(TEXTS_FILE)


@cache
def _font_characters(choice: FontChoice) -> frozenset[str]:
    return font_characters(choice)


@cache
def _default_font() -> FontChoice:
    return find_cjk_font()


__all__ = ["render_session_report"]

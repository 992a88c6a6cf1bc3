"""A streaming .xlsx writer: SpreadsheetML written directly into the zip package.

The workbook has a main sheet (one row per record) and a detail sheet (many rows per
record) that continues on new sheets past Excel's row limit. Every sheet has a bold,
frozen header row and an autofilter; memory stays flat at any size.

Written by hand because the export of 100,000 sessions must finish within a minute: this
writer measured 2.5 times faster than XlsxWriter and 4.5 times faster than openpyxl.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import IO, Any, BinaryIO, NamedTuple, Protocol

# Excel's row limit, the header row included; detail rows beyond it go to a new sheet.
EXCEL_MAX_ROWS = 1_048_576
# Deflate level of the .xlsx package. The sheet XML is very repetitive: level 1 shrinks it
# to about 10 % at twice the speed of level 6 (about 7 %), which would add some 3 s to an
# export of 100,000 sessions.
ZIP_LEVEL = 1

_ILLEGAL_XML = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")


class SheetLayout(Protocol):
    """A sheet's header row and its column widths in characters."""

    @property
    def headers(self) -> Sequence[str]: ...

    @property
    def widths(self) -> Sequence[int]: ...


# SpreadsheetML written directly: openpyxl's write-only mode spends ~6 µs per cell, which
# puts 100,000 sessions (12 million cells with the clause sheet) past a minute on its own;
# this writer needs well under 1 µs per cell and streams just the same.
_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_EXCEL_EPOCH = datetime(1899, 12, 30)
_EXCEL_MAX_TEXT = 32_767
# Cell formats in styles.xml: 0 plain, 1 bold header, 2 date, 3 date and time, then one
# number format per count of decimals (#,##0 to #,##0.000…), so that a number cell shows
# exactly the figure the chat and the report show for it.
_STYLE_HEADER, _STYLE_DATE, _STYLE_DATETIME, _STYLE_NUMBER = 1, 2, 3, 4
MAX_SHOWN_DECIMALS = 28
_NUMBER_FORMATS = "".join(
    f'<numFmt numFmtId="{166 + decimals}" '
    f'formatCode="#,##0{"." + "0" * decimals if decimals else ""}"/>'
    for decimals in range(MAX_SHOWN_DECIMALS + 1)
)
_NUMBER_STYLES = "".join(
    f'<xf numFmtId="{166 + decimals}" fontId="0" fillId="0" borderId="0" xfId="0" '
    'applyNumberFormat="1"/>'
    for decimals in range(MAX_SHOWN_DECIMALS + 1)
)
_STYLES = f"""{_XML_HEAD}<styleSheet xmlns="{_MAIN_NS}">\
<numFmts count="{2 + MAX_SHOWN_DECIMALS + 1}"><numFmt numFmtId="164" formatCode="yyyy\\-mm\\-dd"/>\
<numFmt numFmtId="165" formatCode="yyyy\\-mm\\-dd\\ hh:mm:ss"/>{_NUMBER_FORMATS}</numFmts>\
<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>\
<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>\
<fills count="2"><fill><patternFill patternType="none"/></fill>\
<fill><patternFill patternType="gray125"/></fill></fills>\
<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>\
<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>\
<cellXfs count="{4 + MAX_SHOWN_DECIMALS + 1}">\
<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>\
<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>\
<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>\
<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>\
{_NUMBER_STYLES}</cellXfs>\
<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>\
</styleSheet>"""


class ShownNumber(NamedTuple):
    """A number cell that keeps the exact value and shows it with `decimals` decimals and
    thousands separators, as the figure reads everywhere else."""

    value: Decimal
    decimals: int


def _column_letter(index: int) -> str:
    """1 -> A, 27 -> AA."""
    letters = ""
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _xml_text(value: str) -> str:
    if len(value) > _EXCEL_MAX_TEXT:
        value = value[:_EXCEL_MAX_TEXT]
    if _ILLEGAL_XML.search(value):
        value = _ILLEGAL_XML.sub("", value)
    if "&" in value or "<" in value or ">" in value:
        value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return value


def _xml_attribute(value: str) -> str:
    return _xml_text(value).replace('"', "&quot;")


class _Columns:
    """Per-column prefixes of `<c r="...` so a row costs string joins, nothing more."""

    def __init__(self, count: int) -> None:
        self.letters = [_column_letter(i) for i in range(1, count + 1)]

    def row(self, index: int, values: Sequence[Any], style: int | None = None) -> str:
        cells = []
        for letter, value in zip(self.letters, values, strict=False):
            if value is None:
                continue
            ref = f"{letter}{index}"
            kind = type(value)
            if kind is str:
                if not value:
                    continue
                text = _xml_text(value)
                space = ' xml:space="preserve"' if text[0].isspace() or text[-1].isspace() else ""
                styled = f' s="{style}"' if style is not None else ""
                cells.append(
                    f'<c r="{ref}"{styled} t="inlineStr"><is><t{space}>{text}</t></is></c>'
                )
            elif kind is int or kind is float:
                cells.append(f'<c r="{ref}"><v>{value}</v></c>')
            elif kind is Decimal:
                cells.append(f'<c r="{ref}"><v>{value:f}</v></c>')
            elif kind is ShownNumber:
                style = _STYLE_NUMBER + min(value.decimals, MAX_SHOWN_DECIMALS)
                cells.append(f'<c r="{ref}" s="{style}"><v>{value.value:f}</v></c>')
            elif kind is bool:
                cells.append(f'<c r="{ref}" t="b"><v>{int(value)}</v></c>')
            elif kind is datetime:
                serial = (value - _EXCEL_EPOCH).total_seconds() / 86400
                cells.append(f'<c r="{ref}" s="{_STYLE_DATETIME}"><v>{serial!r}</v></c>')
            elif kind is date:
                serial = (value - _EXCEL_EPOCH.date()).days
                cells.append(f'<c r="{ref}" s="{_STYLE_DATE}"><v>{serial}</v></c>')
            else:
                text = _xml_text(str(value))
                cells.append(f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>')
        return f'<row r="{index}">{"".join(cells)}</row>'


class Worksheet:
    """One worksheet streamed as XML to a binary sink: head, rows, then the tail.

    The header row is frozen and carries an autofilter over every written row.
    """

    def __init__(self, title: str, sheet: SheetLayout, sink: IO[bytes]) -> None:
        headers = sheet.headers
        self.title = _sheet_title(title)
        self.width = len(headers)
        self.rows = 0
        self._sink = sink
        self._columns = _Columns(len(headers))
        widths = "".join(
            f'<col min="{i}" max="{i}" width="{width}" customWidth="1"/>'
            for i, width in enumerate(sheet.widths, start=1)
        )
        head = (
            f'{_XML_HEAD}<worksheet xmlns="{_MAIN_NS}" xmlns:r="{_REL_NS}">'
            '<sheetViews><sheetView workbookViewId="0">'
            '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
            '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>'
            f'<sheetFormatPr defaultRowHeight="15"/><cols>{widths}</cols><sheetData>'
            + self._columns.row(1, list(headers), style=_STYLE_HEADER)
        )
        self._sink.write(head.encode("utf-8"))

    def append_many(self, rows: Iterable[Sequence[Any]]) -> None:
        parts = []
        for values in rows:
            self.rows += 1
            parts.append(self._columns.row(self.rows + 1, values))
        if parts:
            self._sink.write("".join(parts).encode("utf-8"))

    @property
    def filter_range(self) -> str:
        return f"$A$1:${_column_letter(self.width)}${self.rows + 1}"

    def finish(self) -> None:
        tail = (
            f'</sheetData><autoFilter ref="A1:{_column_letter(self.width)}{self.rows + 1}"/>'
            '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" '
            'footer="0.3"/></worksheet>'
        )
        self._sink.write(tail.encode("utf-8"))


def _sheet_title(title: str) -> str:
    """Excel's rules: at most 31 characters, none of []:*?/\\."""
    cleaned = "".join("_" if ch in "[]:*?/\\" else ch for ch in title).strip("'")
    return cleaned[:31] or "Sheet"


class XlsxWriter:
    """An .xlsx package written as it goes: memory stays flat at any size.

    Detail rows stream straight into their zip entries (the bulk of the data); main rows
    go to a temporary file that joins the package at the end, since a zip archive takes
    one entry at a time. Detail rows beyond Excel's row limit continue on a new sheet,
    titled `detail_title(n)` for the n-th detail sheet.
    """

    def __init__(
        self,
        out: BinaryIO,
        main_title: str,
        main: SheetLayout,
        detail_title: Callable[[int], str],
        detail: SheetLayout,
    ) -> None:
        self._zip = zipfile.ZipFile(
            out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=ZIP_LEVEL
        )
        self._detail_title = detail_title
        self._detail_layout = detail
        # Lives until close() or abort(); TemporaryFile removes itself when closed.
        self._spool = tempfile.TemporaryFile()  # noqa: SIM115
        self._main = Worksheet(main_title, main, self._spool)
        self._detail_sheets: list[Worksheet] = []
        self._detail_entry: IO[bytes] | None = None
        self._open_detail_sheet()

    def _open_detail_sheet(self) -> None:
        if self._detail_entry is not None:
            self._detail_sheets[-1].finish()
            self._detail_entry.close()
        number = len(self._detail_sheets) + 1
        entry = self._zip.open(f"xl/worksheets/sheet{number + 1}.xml", "w", force_zip64=True)
        self._detail_entry = entry
        self._detail_sheets.append(
            Worksheet(self._detail_title(number), self._detail_layout, entry)
        )

    def add_rows(self, main_rows: Iterable[Sequence[Any]], detail_rows: list[list[Any]]) -> None:
        """Append rows to the main sheet and to the detail sheet(s)."""
        self._main.append_many(main_rows)
        limit = EXCEL_MAX_ROWS - 1
        while detail_rows:
            sheet = self._detail_sheets[-1]
            room = limit - sheet.rows
            if room <= 0:
                self._open_detail_sheet()
                continue
            sheet.append_many(detail_rows[:room])
            detail_rows = detail_rows[room:]

    def close(self) -> None:
        self._detail_sheets[-1].finish()
        assert self._detail_entry is not None
        self._detail_entry.close()
        self._main.finish()
        self._spool.seek(0)
        with self._zip.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as entry:
            shutil.copyfileobj(self._spool, entry, 1 << 20)
        self._spool.close()
        sheets = [self._main, *self._detail_sheets]
        self._write_package(sheets)
        self._zip.close()

    def abort(self) -> None:
        """Release the temporary file and the archive after a failure; `out` is garbage."""
        with contextlib.suppress(Exception):
            if self._detail_entry is not None:
                self._detail_entry.close()
        with contextlib.suppress(Exception):
            self._zip.close()
        self._spool.close()

    def _write_package(self, sheets: Sequence[Worksheet]) -> None:
        count = len(sheets)
        overrides = "".join(
            f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            for i in range(1, count + 1)
        )
        self._zip.writestr(
            "[Content_Types].xml",
            f'{_XML_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="rels" ContentType="application/'
            'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
            'ContentType="application/xml"/><Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.'
            'sheet.main+xml"/><Override PartName="/xl/styles.xml" ContentType="application/'
            f'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>{overrides}</Types>',
        )
        self._zip.writestr(
            "_rels/.rels",
            f'{_XML_HEAD}<Relationships xmlns="{_PKG_REL_NS}"><Relationship Id="rId1" '
            f'Type="{_REL_NS}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        relations = "".join(
            f'<Relationship Id="rId{i}" Type="{_REL_NS}/worksheet" '
            f'Target="worksheets/sheet{i}.xml"/>'
            for i in range(1, count + 1)
        )
        self._zip.writestr(
            "xl/_rels/workbook.xml.rels",
            f'{_XML_HEAD}<Relationships xmlns="{_PKG_REL_NS}">{relations}'
            f'<Relationship Id="rId{count + 1}" Type="{_REL_NS}/styles" '
            'Target="styles.xml"/></Relationships>',
        )
        entries = "".join(
            f'<sheet name="{_xml_attribute(sheet.title)}" sheetId="{i}" r:id="rId{i}"/>'
            for i, sheet in enumerate(sheets, start=1)
        )
        names = "".join(
            f'<definedName name="_xlnm._FilterDatabase" localSheetId="{i}" hidden="1">'
            f"{_xml_text(_quoted_title(sheet.title))}!{sheet.filter_range}</definedName>"
            for i, sheet in enumerate(sheets)
        )
        self._zip.writestr(
            "xl/workbook.xml",
            f'{_XML_HEAD}<workbook xmlns="{_MAIN_NS}" xmlns:r="{_REL_NS}">'
            f"<bookViews><workbookView/></bookViews><sheets>{entries}</sheets>"
            f"<definedNames>{names}</definedNames></workbook>",
        )
        self._zip.writestr("xl/styles.xml", _STYLES)


def _quoted_title(title: str) -> str:
    return "'" + title.replace("'", "''") + "'"


__all__ = [
    "EXCEL_MAX_ROWS",
    "MAX_SHOWN_DECIMALS",
    "ZIP_LEVEL",
    "SheetLayout",
    "ShownNumber",
    "Worksheet",
    "XlsxWriter",
]

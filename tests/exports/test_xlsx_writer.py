"""The streaming .xlsx writer on its own, read back with openpyxl: types, header row,
text that must stay text, and detail rows that overflow onto continuation sheets."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
from openpyxl import load_workbook

from bot.reports import xlsx
from bot.reports.xlsx import XlsxWriter


@dataclass(frozen=True)
class Layout:
    headers: list[str]
    widths: list[int]


MAIN = Layout(["编号", "企业名称", "数值"], [10, 30, 12])
DETAIL = Layout(["编号", "条款"], [10, 14])


def detail_title(number: int) -> str:
    return "条款结果" if number == 1 else f"条款结果 ({number})"


def write(main_rows: list[list[Any]], *detail_batches: list[list[Any]]) -> Any:
    out = io.BytesIO()
    writer = XlsxWriter(out, "评价汇总", MAIN, detail_title, DETAIL)
    writer.add_rows(main_rows, list(detail_batches[0]) if detail_batches else [])
    for batch in detail_batches[1:]:
        writer.add_rows([], list(batch))
    writer.close()
    out.seek(0)
    return load_workbook(out)


def test_cells_keep_their_types() -> None:
    workbook = write(
        [
            [1, "河南豫中新型墙材有限公司", Decimal("0.1229")],
            [2, "砖厂", 42.5],
            [3, None, True],
            [4, datetime(2024, 3, 2, 0, 30), date(2024, 6, 30)],
        ]
    )
    rows = list(workbook["评价汇总"].iter_rows(values_only=True))
    assert rows[0] == ("编号", "企业名称", "数值")
    assert rows[1] == (1, "河南豫中新型墙材有限公司", pytest.approx(0.1229))
    assert rows[2] == (2, "砖厂", 42.5)
    assert rows[3] == (3, None, True)
    assert rows[4] == (4, datetime(2024, 3, 2, 0, 30), datetime(2024, 6, 30))
    sheet = workbook["评价汇总"]
    assert sheet["B5"].number_format == "yyyy\\-mm\\-dd\\ hh:mm:ss"
    assert sheet["C5"].number_format == "yyyy\\-mm\\-dd"


def test_header_row_is_bold_frozen_and_filtered_with_the_given_widths() -> None:
    workbook = write([[1, "a", 1], [2, "b", 2]])
    sheet = workbook["评价汇总"]
    assert [cell.font.b for cell in sheet[1]] == [True, True, True]
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:C3"
    assert sheet.column_dimensions["B"].width == 30
    assert workbook["条款结果"].auto_filter.ref == "A1:B1"


def test_text_stays_text_whatever_it_holds() -> None:
    formula = '=HYPERLINK("http://example.invalid")砖厂'
    workbook = write(
        [
            [1, formula, "<b>&amp;</b>"],
            [2, "  缩进的文字 ", "控制\x01字符\x1f"],
            [3, "长" * 40_000, None],
        ]
    )
    sheet = workbook["评价汇总"]
    assert sheet["B2"].value == formula
    assert sheet["B2"].data_type == "s"
    assert sheet["C2"].value == "<b>&amp;</b>"
    assert sheet["B3"].value == "  缩进的文字 "
    assert sheet["C3"].value == "控制字符"
    assert sheet["B4"].value == "长" * 32_767


def test_detail_rows_past_the_row_limit_continue_on_new_sheets(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(xlsx, "EXCEL_MAX_ROWS", 4)  # a header and 3 rows per sheet
    workbook = write(
        [[1, "a", 1]],
        [[1, "4.1a"], [1, "4.1b"]],
        [[1, "4.2.1"], [1, "4.2.2"], [1, "4.3"]],
        [[1, "4.4"], [1, "5.1a"]],
    )
    assert workbook.sheetnames == ["评价汇总", "条款结果", "条款结果 (2)", "条款结果 (3)"]
    clauses = [
        [row[1] for row in workbook[name].iter_rows(min_row=2, values_only=True)]
        for name in workbook.sheetnames[1:]
    ]
    assert clauses == [["4.1a", "4.1b", "4.2.1"], ["4.2.2", "4.3", "4.4"], ["5.1a"]]
    assert next(workbook["条款结果 (3)"].iter_rows(values_only=True)) == ("编号", "条款")


def test_sheet_titles_follow_excels_rules() -> None:
    out = io.BytesIO()
    writer = XlsxWriter(out, "sessions: [2024/03]?", MAIN, lambda n: "x" * 40, DETAIL)
    writer.close()
    out.seek(0)
    assert load_workbook(out).sheetnames == ["sessions_ _2024_03__", "x" * 31]


def test_an_aborted_workbook_is_no_workbook() -> None:
    out = io.BytesIO()
    writer = XlsxWriter(out, "评价汇总", MAIN, detail_title, DETAIL)
    writer.add_rows([[1, "a", 1]], [[1, "4.1a"]])
    writer.abort()
    assert "xl/workbook.xml" not in zipfile.ZipFile(out).namelist()

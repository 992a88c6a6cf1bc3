"""The assessors' Excel and CSV exports, read back cell by cell."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from bot.reports import xlsx as xlsx_writer
from bot.reports.exporting import ExportCatalogue, export_catalogue, export_sessions
from bot.reports.rows import CellFormats
from bot.reports.xlsx import ShownNumber
from storage import Database
from tests.guideline import CLAUSES

from .conftest import DRAFT_NAME, Seeded


def headers(lang: str = "zh") -> list[str]:
    return [column.header(lang) for column in export_catalogue().columns]


def by_header(header_row: list[str], row: tuple[Any, ...] | list[Any]) -> dict[str, Any]:
    return dict(zip(header_row, row, strict=True))


async def xlsx(db: Database, tmp_path: Path, **options: Any) -> tuple[Any, int]:
    path = tmp_path / "sessions.xlsx"
    count = await export_sessions(db, path, fmt="xlsx", **options)
    return load_workbook(path), count


async def test_xlsx_sessions_sheet_cell_by_cell(
    db: Database, seeded: Seeded, tmp_path: Path
) -> None:
    workbook, count = await xlsx(db, tmp_path)

    assert count == 3
    assert workbook.sheetnames == ["评价汇总", "条款结果"]
    sheet = workbook["评价汇总"]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == headers()
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["C"].width == 30  # the company name, from the catalogue
    assert sheet.auto_filter.ref == f"A1:BO{len(rows)}"
    table = {row[0]: by_header(headers(), row) for row in rows[1:]}
    assert sorted(table) == sorted([seeded.qualified, seeded.not_qualified, seeded.draft])

    qualified = table[seeded.qualified]
    assert qualified["状态"] == "已提交待审核"
    assert qualified["企业名称"] == "河南豫中新型墙材有限公司"
    assert qualified["统一社会信用代码"] == "91410183MA45YQ7K2Y"
    assert qualified["联系人"] == "王建国"
    assert qualified["联系电话"] == "0371-62851234"
    assert qualified["生产厂址"] == "河南省郑州市新郑市龙湖镇"
    assert qualified["评价期开始"] == datetime(2023, 7, 1)
    assert qualified["评价期结束"] == datetime(2024, 6, 30)
    assert qualified["产品类别"] == "烧结多孔砖和多孔砌块"
    assert qualified["4.1 a) 依法设立、合规生产，近三年无较大事故"] == "是"
    assert qualified["4.3 计量器具"] == "是"
    assert qualified["质量管理体系证书编号"] == "00123Q45678R0M"
    assert qualified["质量管理体系证书有效期至"] == datetime(2026, 5, 31)
    assert qualified["煤矸石掺加量（%）"] == 62
    assert qualified["粉煤灰掺加量（%）"] == 0
    assert qualified["其他固体废弃物掺加量（%）"] == 12
    assert qualified["第三方掺加量检测报告"] == "是"
    assert qualified["运输半径内主要原材料用量 m1（t）"] == 48200
    assert qualified["主要原材料总用量 m（t）"] == 51600
    assert qualified["产品产量 P（t）"] == 185000
    assert qualified["外购电力（kWh）"] == 5860000
    assert qualified["天然气（m³）"] == 5900000
    assert qualified["柴油（kg）"] == 36500
    assert qualified["申报综合能耗总量（kgce）"] is None
    assert qualified["5.2 b) 能源管理体系认证"] == "否"
    assert qualified["公布链接或文件"] == "https://example.com/ghg-2023"
    assert qualified["工信部绿色制造名单"] == "否"
    # The exact figure, shown with the decimals the verdict shows (see the number formats).
    assert qualified["单位产品综合能耗 E（kgce/t）"] == pytest.approx(42.9067467568)
    assert qualified["E 限值（kgce/t，表2）"] == 46
    assert qualified["原材料本地化程度 R（%）"] == pytest.approx(93.4108527132)
    assert qualified["R 要求（%）"] == 95
    assert qualified["固体废弃物分类（表1）"] == "煤矸石和其他固体废弃物（不含粉煤灰）合计"
    assert qualified["固体废弃物掺加量（%）"] == 74
    assert qualified["掺加量要求（%，表1）"] == 80
    assert qualified["评价结论"] == "合格"
    assert qualified["满足的评价指标"] == "5.2a"
    # The natural-gas factor decides this plant's verdict within GB/T 2589-2020's range.
    assert qualified["需评审复核"] == "是"
    factors = qualified["能源折算系数及来源（式 A.2）"]
    assert factors.startswith("电力 5,860,000 kWh × 0.1229 kgce/kWh（GB/T 2589-2020 附录A")
    assert "\n天然气 5,900,000 m³ × 1.2143 kgce/m³（" in factors
    assert qualified["单位产品二氧化碳排放（估算，kg CO2/t）"] > 0
    assert qualified["年二氧化碳排放（估算，t CO2）"] > 0
    assert "天然气" in qualified["需复核的原因"]
    assert qualified["评价规则版本"] == "sintered-wall-2020@1"
    # Stored 2024-03-01 16:30 UTC, shown in Asia/Shanghai.
    assert qualified["提交时间"] == datetime(2024, 3, 2, 0, 30)
    assert qualified["评审决定时间"] is None
    assert qualified["证明材料文件数"] == 3

    rejected = table[seeded.not_qualified]
    assert rejected["状态"] == "未通过"
    assert rejected["企业名称"] == "邢台冀南烧结砖瓦有限公司"
    assert rejected["产品类别"] == "烧结空心砖和空心砌块"
    assert rejected["4.3 计量器具"] == "否"
    assert rejected["其他认证名称"] == "绿色建材产品认证（二星）"
    assert rejected["单位产品综合能耗 E（kgce/t）"] == pytest.approx(49.32, abs=0.005)
    assert rejected["E 限值（kgce/t，表2）"] == 47
    assert rejected["固体废弃物分类（表1）"] == "粉煤灰与其他固体废弃物混掺（表1 未覆盖）"
    assert rejected["掺加量要求（%，表1）"] is None
    assert rejected["评价结论"] == "不合格"
    assert rejected["满足的评价指标"] is None
    assert rejected["需评审复核"] == "是"
    assert rejected["提交时间"] == datetime(2024, 2, 20, 10, 0)
    assert rejected["评审决定时间"] == datetime(2024, 3, 4, 9, 15)
    assert rejected["证明材料文件数"] == 0

    draft = table[seeded.draft]
    assert draft["状态"] == "填报中"
    assert draft["企业名称"] == DRAFT_NAME
    assert draft["评价结论"] is None
    assert draft["单位产品综合能耗 E（kgce/t）"] is None
    assert draft["评价规则版本"] is None
    assert draft["提交时间"] is None


async def test_xlsx_text_that_looks_like_a_formula_stays_text(
    db: Database, seeded: Seeded, tmp_path: Path
) -> None:
    workbook, _ = await xlsx(db, tmp_path)
    sheet = workbook["评价汇总"]
    name_column = headers().index("企业名称") + 1
    cells = {row[0].value: row[name_column - 1] for row in sheet.iter_rows(min_row=2)}
    assert cells[seeded.draft].value == DRAFT_NAME
    assert cells[seeded.draft].data_type == "s"


async def test_xlsx_clause_sheet_has_a_row_per_session_and_clause(
    db: Database, seeded: Seeded, tmp_path: Path
) -> None:
    workbook, _ = await xlsx(db, tmp_path)
    rows = list(workbook["条款结果"].iter_rows(values_only=True))

    assert list(rows[0]) == ["评价编号", "企业名称", "条款", "条款名称", "是否满足", "说明"]
    body = rows[1:]
    assert [row[2] for row in body if row[0] == seeded.qualified] == CLAUSES
    assert [row[2] for row in body if row[0] == seeded.not_qualified] == CLAUSES
    assert not [row for row in body if row[0] == seeded.draft]
    metering = next(row for row in body if row[0] == seeded.not_qualified and row[2] == "4.3")
    assert metering[1] == "邢台冀南烧结砖瓦有限公司"
    assert metering[3] == "4.3 计量设备（GB 17167 / GB 24789）"
    assert metering[4] == "否"
    assert metering[5].startswith("4.3 未满足：")
    energy = next(row for row in body if row[0] == seeded.qualified and row[2] == "5.2a")
    assert energy[4] == "是"
    assert "E = 42.91 kgce/t" in energy[5]


async def test_clause_rows_past_the_excel_row_limit_continue_on_a_new_sheet(
    db: Database, seeded: Seeded, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(xlsx_writer, "EXCEL_MAX_ROWS", 11)  # a header and 10 rows per sheet
    workbook, _ = await xlsx(db, tmp_path)

    assert workbook.sheetnames == ["评价汇总", "条款结果", "条款结果 (2)", "条款结果 (3)"]
    sizes = [workbook[name].max_row - 1 for name in workbook.sheetnames[1:]]
    assert sizes == [10, 10, 4]
    continued = list(workbook["条款结果 (2)"].iter_rows(values_only=True))
    assert continued[0][0] == "评价编号"


async def test_xlsx_in_english(db: Database, seeded: Seeded, tmp_path: Path) -> None:
    workbook, _ = await xlsx(db, tmp_path, lang="en")
    assert workbook.sheetnames == ["Sessions", "Clause results"]
    rows = list(workbook["Sessions"].iter_rows(values_only=True))
    assert list(rows[0]) == headers("en")
    table = {row[0]: by_header(headers("en"), row) for row in rows[1:]}
    assert table[seeded.qualified]["Status"] == "submitted"
    assert table[seeded.qualified]["Verdict"] == "qualified"
    assert table[seeded.qualified]["Product category"] == "Sintered perforated bricks and blocks"
    assert table[seeded.not_qualified]["Verdict"] == "not qualified"
    clause = list(workbook["Clause results"].iter_rows(values_only=True))[1]
    assert clause[3].startswith("4.1 a) Lawfully established")


async def read_csv(db: Database, **options: Any) -> tuple[bytes, list[list[str]], int]:
    out = io.BytesIO()
    count = await export_sessions(db, out, fmt="csv", **options)
    raw = out.getvalue()
    return raw, list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline=""))), count


async def test_csv_is_utf8_with_bom_and_shows_the_same_values(db: Database, seeded: Seeded) -> None:
    raw, rows, count = await read_csv(db)

    assert raw.startswith(b"\xef\xbb\xbf")
    assert count == 3
    assert rows[0] == headers()
    table = {int(row[0]): by_header(headers(), row) for row in rows[1:]}
    qualified = table[seeded.qualified]
    assert qualified["状态"] == "已提交待审核"
    assert qualified["统一社会信用代码"] == "91410183MA45YQ7K2Y"
    assert qualified["评价期开始"] == "2023-07-01"
    assert qualified["煤矸石掺加量（%）"] == "62"
    assert qualified["单位产品综合能耗 E（kgce/t）"] == "42.91"
    assert qualified["原材料本地化程度 R（%）"] == "93.41"
    assert qualified["综合能耗 e（kgce）"] == "7937748.15"
    assert qualified["评价结论"] == "合格"
    assert qualified["提交时间"] == "2024-03-02 00:30:00"
    assert qualified["证明材料文件数"] == "3"
    assert table[seeded.not_qualified]["评审决定时间"] == "2024-03-04 09:15:00"
    # A leading = + - @ would make a spreadsheet run the text as a formula.
    assert table[seeded.draft]["企业名称"] == "'" + DRAFT_NAME
    assert table[seeded.draft]["评价结论"] == ""


async def test_csv_clause_rows(db: Database, seeded: Seeded) -> None:
    _, rows, count = await read_csv(db, clauses=True, lang="en")
    assert count == 3
    assert rows[0] == ["Session ID", "Enterprise name", "Clause", "Title", "Met", "Reason"]
    assert len(rows) == 1 + 2 * len(CLAUSES)
    metering = next(r for r in rows[1:] if r[0] == str(seeded.not_qualified) and r[2] == "4.3")
    assert metering[4] == "no"
    assert metering[5].startswith("4.3 not met:")


async def test_filters_by_status_and_submission_day(db: Database, seeded: Seeded) -> None:
    async def ids(**options: Any) -> list[int]:
        _, rows, _ = await read_csv(db, **options)
        return sorted(int(row[0]) for row in rows[1:])

    assert await ids(status="submitted") == [seeded.qualified]
    assert await ids(status="rejected") == [seeded.not_qualified]
    assert await ids(status="in_progress") == [seeded.draft]
    assert await ids(status="approved") == []
    # Submitted 2024-03-01 16:30 UTC = 2024-03-02 00:30 in Shanghai: on or after the 2nd.
    assert await ids(since=date(2024, 3, 2)) == [seeded.qualified]
    assert await ids(since=date(2024, 3, 3)) == []
    assert await ids(since=date(2024, 2, 20)) == sorted([seeded.qualified, seeded.not_qualified])
    assert await ids(since=date(2024, 2, 21), status="rejected") == []


async def test_unknown_status_or_format_is_refused(db: Database) -> None:
    with pytest.raises(ValueError, match="unknown status 'closed'"):
        await export_sessions(db, io.BytesIO(), fmt="csv", status="closed")
    with pytest.raises(ValueError, match="unknown export format 'ods'"):
        await export_sessions(db, io.BytesIO(), fmt="ods")  # type: ignore[arg-type]


async def test_a_failed_export_leaves_no_file(
    db: Database, seeded: Seeded, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_: Any) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(xlsx_writer.Worksheet, "append_many", broken)
    folder = tmp_path / "exports"
    folder.mkdir()
    with pytest.raises(RuntimeError, match="disk full"):
        await export_sessions(db, folder / "out.xlsx", fmt="xlsx")
    assert list(folder.iterdir()) == []


def test_the_column_catalogue_is_checked_when_loaded() -> None:
    data = export_catalogue().model_dump()
    data["columns"][0]["source"] = ["somewhere", "id"]
    with pytest.raises(ValueError, match="source must start with one of"):
        ExportCatalogue.model_validate(data)
    data = export_catalogue().model_dump()
    del data["statuses"]["needs_info"]
    with pytest.raises(ValueError, match="statuses lack a name for: needs_info"):
        ExportCatalogue.model_validate(data)
    data = export_catalogue().model_dump()
    data["columns"] = [*data["columns"], data["columns"][0]]
    with pytest.raises(ValueError, match="duplicate keys session_id"):
        ExportCatalogue.model_validate(data)


def test_decimal_values_are_exact_in_both_formats() -> None:
    catalogue = export_catalogue()
    assert CellFormats(catalogue, "zh", "xlsx").formatter("number")("0.1229") == ShownNumber(
        Decimal("0.1229"), 4
    )
    assert CellFormats(catalogue, "zh", "csv").formatter("number2")("2.345") == "2.35"
    assert CellFormats(catalogue, "zh", "csv").formatter("number")("2600000.00") == "2600000"

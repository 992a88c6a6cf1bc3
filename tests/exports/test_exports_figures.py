"""A figure a hair over its threshold reads over it on every assessor's surface: the card,
the PDF report, the Excel cell's number format and the CSV."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path

from openpyxl import load_workbook

from bot.reports.card import render_card
from bot.reports.exporting import export_sessions
from bot.reports.pdf import render_session_report
from bot.services.desk import AssessorDesk
from bot.services.outcome import Who
from bot.services.texts import load_catalogue
from conversations import Engine
from storage import Database, Role
from tests.admin.admin_sessions import person, plant, submitted

from .test_exports_report_pdf import text_of

ASSESSOR = 9301
OWNER = 9302
# E = 4,600,000.3 kgce ÷ 100,000 t = 46.000003 kgce/t beside Table 2's 46 for porous bricks.
HAIR_OVER = "46.000003"


async def seeded(db: Database) -> int:
    await person(db, ASSESSOR, "审核员老周", Role.ASSESSOR)
    found = await submitted(db, OWNER, plant("毫厘砖厂", "porous_brick", HAIR_OVER))
    assert not found.qualified
    return found.session_id


async def test_the_card_reads_the_figure_over_the_limit(db: Database) -> None:
    sid = await seeded(db)
    engine, catalogue = Engine.default(), load_catalogue()
    result = await AssessorDesk(db, engine, catalogue).open_session(Who(ASSESSOR, "老周"), sid)
    assert result.card is not None
    text = render_card(result.card, engine, catalogue).text
    assert "单位产品综合能耗 E：46.000003 kgce/t" in text
    assert (
        "5.2 a)：E = 46.000003 kgce/t，比 46 kgce/t（表2 烧结多孔砖和多孔砌块）高 0.000003 kgce/t"
        in (text)
    )
    assert "按本期产量 100,000 t 计，约需少用 0.3 kgce。" in text


async def test_the_pdf_reads_the_figure_over_the_limit(db: Database) -> None:
    sid = await seeded(db)
    async with db.unit_of_work() as uow:
        session = await uow.sessions.get(sid)
        assert session is not None
    pdf = render_session_report(
        session, [], [], "zh", people={}, generated_at=datetime(2024, 3, 5, tzinfo=UTC)
    )
    text = text_of(pdf)
    # The key figures' table: the value, then the requirement beside it.
    assert "单位产品综合能耗E（式A.2）46.000003kgce/t≤46kgce/t" in text
    assert "综合能耗e4,600,000.3kgce" in text
    assert "产品产量P100,000t" in text
    assert "E=46.000003kgce/t，比46kgce/t（表2烧结多孔砖和多孔砌块）高0.000003kgce/t" in text
    assert "未满足：E=46.000003kgce/t>46kgce/t（表2烧结多孔砖和多孔砌块）" in text  # clause 5.2 a)
    assert "46.00kgce/t" not in text


async def test_the_excel_cell_shows_the_decimals_the_verdict_needs(
    db: Database, tmp_path: Path
) -> None:
    await seeded(db)
    path = tmp_path / "sessions.xlsx"
    await export_sessions(db, path, fmt="xlsx")
    sheet = load_workbook(path)["评价汇总"]
    header = [cell.value for cell in sheet[1]]
    row = sheet[2]

    def cell(name: str) -> tuple[object, str]:
        found = row[header.index(name)]
        return found.value, found.number_format

    assert cell("单位产品综合能耗 E（kgce/t）") == (46.000003, "#,##0.000000")
    assert cell("E 限值（kgce/t，表2）") == (46, "#,##0")
    assert cell("综合能耗 e（kgce）") == (4600000.3, "#,##0.0")
    assert cell("产品产量 P（t）") == (100000, "#,##0")


async def test_the_csv_writes_the_same_figure(db: Database, tmp_path: Path) -> None:
    await seeded(db)
    buffer = io.BytesIO()
    await export_sessions(db, buffer, fmt="csv")
    rows = list(csv.reader(io.StringIO(buffer.getvalue().decode("utf-8-sig"))))
    table = dict(zip(rows[0], rows[1], strict=True))
    assert table["单位产品综合能耗 E（kgce/t）"] == "46.000003"
    assert table["综合能耗 e（kgce）"] == "4600000.3"
    assert table["产品产量 P（t）"] == "100000"

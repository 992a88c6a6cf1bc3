"""The per-session PDF evaluation report: generated, Chinese embedded and extractable."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from bot.reports import fonts
from bot.reports.fonts import FontNotFound, find_cjk_font
from bot.reports.pdf import render_session_report
from storage import Database
from tests.guideline import CLAUSES

from .conftest import ASSESSOR, QMS_SHA256, REVIEW_COMMENT, Seeded

GENERATED = datetime(2024, 3, 5, 2, 0, tzinfo=UTC)


async def report(db: Database, session_id: int, lang: str = "zh") -> bytes:
    async with db.unit_of_work() as uow:
        session = await uow.sessions.get(session_id)
        assert session is not None
        evidence = await uow.evidence.list_for_session(session_id)
        decisions = await uow.reviews.list_for_session(session_id)
    return render_session_report(
        session, evidence, decisions, lang, people={ASSESSOR: "张评审"}, generated_at=GENERATED
    )


def text_of(pdf: bytes) -> str:
    """The extracted text without whitespace: table cells wrap long texts over lines."""
    reader = PdfReader(io.BytesIO(pdf))
    return "".join("".join(page.extract_text() for page in reader.pages).split())


def embedded_fonts(pdf: bytes) -> list[dict[str, Any]]:
    reader = PdfReader(io.BytesIO(pdf))
    found = []
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            for descendant in font.get("/DescendantFonts", []):
                descriptor = descendant.get_object()["/FontDescriptor"].get_object()
                found.append(
                    {
                        "name": str(font["/BaseFont"]),
                        "embedded": any(key in descriptor for key in ("/FontFile2", "/FontFile3")),
                    }
                )
    return found


async def test_report_of_a_non_qualified_session(db: Database, seeded: Seeded) -> None:
    pdf = await report(db, seeded.not_qualified)
    assert pdf.startswith(b"%PDF-")
    text = text_of(pdf)

    for expected in (
        "烧结墙体材料绿名单评价报告",
        "时间均为北京时间（Asia/Shanghai）",
        "邢台冀南烧结砖瓦有限公司",
        "91130529MA0DKW3P85",
        "李红梅",
        "河北省邢台市隆尧县",
        "2023-01-01至2023-12-31",
        "烧结空心砖和空心砌块",
        "sintered-wall-2020，第1版",
        "评审决定：不通过（评审人张评审（ID",
        "不合格：暂不符合绿名单要求",
        "基本要求：未满足4.3",
        "需评审人员复核：4.2.1、4.2.2、5.1a",
        "E=49.32kgce/t>47kgce/t",
        "≤47kgce/t",
        "最接近的达标路径",
        "须满足基本要求4.3",
        # Decisions, in Asia/Shanghai time, with the assessor's name and comment.
        "张评审（ID20000000201）",
        "需补充材料",
        "不通过",
        "".join(REVIEW_COMMENT.split()),
        "评审决定时间2024-03-0409:15",
        "提交时间2024-02-2010:00",
    ):
        assert expected in text, expected
    for clause in CLAUSES:
        assert clause in text, clause
    assert all(font["embedded"] for font in embedded_fonts(pdf))
    assert embedded_fonts(pdf), "no font in the PDF"


async def test_report_of_a_qualified_session_lists_its_evidence(
    db: Database, seeded: Seeded
) -> None:
    text = text_of(await report(db, seeded.qualified))

    assert "河南豫中新型墙材有限公司" in text
    assert "合格：符合绿名单要求" in text
    assert "企业自评结果（系统按企业填报数据评价），待评审人员审核，不是评审决定。" in text
    assert "评审决定：" not in text
    assert "五、能源折算、复核原因与碳排放估算" in text
    assert "电力5,860,000kWh×0.1229kgce/kWh=720,194kgce（GB/T2589-2020附录A电力" in text
    assert "天然气5,900,000m³×1.2143kgce/m³=7,164,370kgce（GB/T2589-2020附录A天然气" in text
    assert "•天然气折标准煤系数在GB/T2589-2020范围1.1～1.33kgce/m³内取值不同，判定会改变" in text
    assert "碳排放估算（估算值，不属于评价结论）" in text
    assert "单位产品二氧化碳排放（估算）：" in text
    assert "不合格" not in text
    assert "满足的评价指标：5.2a" in text
    assert "编号00123Q45678R0M，有效期至2026-05-31" in text
    assert "质量管理体系认证证书.pdf" in text
    assert "固废掺加量检测报告.pdf" in text
    assert "暂无评审记录" in text
    assert "差距与最接近的达标路径" not in text  # no gaps section for a qualified plant
    assert "六、证明材料" in text and "七、评审记录" in text
    for clause in CLAUSES:
        assert clause in text, clause


async def test_report_lists_each_file_with_its_hash(db: Database, seeded: Seeded) -> None:
    text = text_of(await report(db, seeded.qualified))

    assert "文件校验值（SHA-256，与存档中的文件逐字节对应）" in text
    assert f"1.质量管理体系认证证书.pdf：{QMS_SHA256}" in text
    assert "2.固废掺加量检测报告.pdf：未存档（仅有Telegram文件编号）" in text


async def test_report_in_english(db: Database, seeded: Seeded) -> None:
    text = text_of(await report(db, seeded.not_qualified, "en"))
    assert "GreenListEvaluationReport" in text
    assert "Notqualified" in text
    assert "4.3notmet" in text
    assert "邢台冀南烧结砖瓦有限公司" in text


async def test_report_of_a_draft_says_there_is_no_evaluation(db: Database, seeded: Seeded) -> None:
    text = text_of(await report(db, seeded.draft))
    assert "尚未提交，暂无评价结果" in text
    assert "逐条评价" not in text
    assert "三、证明材料" in text


def test_a_missing_font_names_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fonts, "_packaged", lambda: iter(()))
    with pytest.raises(FontNotFound) as missing:
        find_cjk_font(system_fonts=[(str(tmp_path / "absent.ttc"), 0)])
    message = str(missing.value)
    assert "pip install pylopdf-fonts-zh-cn" in message
    assert "fonts-noto-cjk" in message

    not_a_font = tmp_path / "notes.ttf"
    not_a_font.write_text("not a font", encoding="utf-8")
    with pytest.raises(FontNotFound, match="is not a TrueType/OpenType font"):
        find_cjk_font(not_a_font)
    with pytest.raises(FontNotFound, match="does not exist"):
        find_cjk_font(tmp_path / "nowhere.otf")


def test_the_packaged_font_has_the_verdict_marks() -> None:
    from fontTools.ttLib import TTFont

    choice = find_cjk_font()
    cmap = TTFont(str(choice.path), lazy=True, fontNumber=choice.index).getBestCmap()
    for character in "✓×绿合格":
        assert ord(character) in cmap, character

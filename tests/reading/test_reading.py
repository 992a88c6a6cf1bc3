"""Certificates read: the fields an assessor checks, from a PDF's text layer or by OCR,
and `greenlist evidence read FILE --format json`."""

from __future__ import annotations

import asyncio
import io
import json
import os
from pathlib import Path

import pytest
from fpdf import FPDF
from PIL import Image, ImageDraw, ImageFont

from bot.cli import main as cli
from bot.reports.fonts import find_cjk_font
from bot.services.reading import TextUnavailable, extract_fields, read_text

CERTIFICATE = [
    "质量管理体系认证证书",
    "证书编号：00123Q45678R0M",
    "获证组织：河南豫中新型墙材有限公司",
    "质量管理体系符合 GB/T 19001-2016 / ISO 9001:2015 标准",
    "发证日期：2024年3月2日",
    "有效期至：2027年3月1日",
    "中国质量认证中心",
]


def test_a_certificates_fields_with_the_lines_they_came_from() -> None:
    found = extract_fields("\n".join(CERTIFICATE))
    assert (found.holder, found.standard, found.number) == (
        "河南豫中新型墙材有限公司",
        "GB/T 19001",
        "00123Q45678R0M",
    )
    assert (found.issuer, found.issued, found.expires) == (
        "中国质量认证中心",
        "2024-03-02",
        "2027-03-01",
    )
    assert found.content_pct is None
    assert found.sources["expires"] == "有效期至：2027年3月1日"


def test_a_waste_content_report() -> None:
    found = extract_fields(
        "检测报告\n报告编号: WT-2024-0815\n委托单位 豫中砖厂\n固废掺加量：62.5%\n"
        "检测机构：河南省建材质量检验站\n报告日期 2024.08.15"
    )
    assert found.as_json() == {
        "holder": "豫中砖厂",
        "standard": None,
        "number": "WT-2024-0815",
        "issuer": "河南省建材质量检验站",
        "issued": "2024-08-15",
        "expires": None,
        "content_pct": 62.5,
        "sources": {
            "holder": "委托单位 豫中砖厂",
            "number": "报告编号: WT-2024-0815",
            "issuer": "检测机构：河南省建材质量检验站",
            "issued": "报告日期 2024.08.15",
            "content_pct": "固废掺加量：62.5%",
        },
    }


def test_a_validity_range_gives_both_dates_and_an_english_certificate() -> None:
    found = extract_fields("Certificate No.: 04424E10095R1M\n有效期：2024-05-10 至 2027-05-09")
    assert (found.number, found.issued, found.expires) == (
        "04424E10095R1M",
        "2024-05-10",
        "2027-05-09",
    )
    english = extract_fields(
        "Organization: Henan Yuzhong Wall Materials Co., Ltd.\n"
        "conforms to ISO 14001:2015\nValid until: 2026/11/30"
    )
    assert english.standard == "ISO 14001" and english.expires == "2026-11-30"


def test_nothing_found_is_null_not_a_guess() -> None:
    found = extract_fields("有效期至：长期\n编号：\n掺加量：约一半")
    assert found.as_json() == {
        "holder": None,
        "standard": None,
        "number": None,
        "issuer": None,
        "issued": None,
        "expires": None,
        "content_pct": None,
        "sources": {},
    }


# Lines as the recogniser gave them for generated certificates (bench/bench_reading.py).
def test_ocr_spellings_of_labels_and_standards() -> None:
    found = extract_fields("CertificateNo.:49507Q26433R2M\nconformstoIS09001:2015")
    assert (found.number, found.standard) == ("49507Q26433R2M", "ISO 9001")
    for line, standard in [
        ("conforms to 1SO 50001:2018", "ISO 50001"),
        ("conformsto1SO50001:2018", "ISO 50001"),
        ("认证依据GB/T24001-2016/ISO14001:2015", "GB/T 24001"),
        ("符合 GB／T 23331-2020", "GB/T 23331"),
    ]:
        assert extract_fields(line).standard == standard, line


def test_digits_are_not_a_standard() -> None:
    assert extract_fields("注册资本 150 9001 万元").standard is None


def test_an_unlabelled_issuer_that_is_a_limited_company() -> None:
    assert (
        extract_fields("质量管理体系认证证书\n华夏认证中心有限公司").issuer
        == "华夏认证中心有限公司"
    )


def test_a_date_cut_by_a_seal_is_not_read_as_another_date() -> None:
    found = extract_fields("证书有效期2023-02-01至2026-01-3以证专用章")
    assert (found.issued, found.expires) == ("2023-02-01", None)
    # Unpadded dates are written that way, and are read.
    assert extract_fields("有效期至：2026-1-3").expires == "2026-01-03"
    assert extract_fields("有效期至：2026年01月3日").expires == "2026-01-03"


def test_a_name_with_a_seals_legend_glued_on_is_not_read() -> None:
    found = extract_fields(
        "检测机构：国家建筑材料质量检验检测中专用章\n委托单位：河南华瑞建材有限公专用章"
    )
    assert (found.issuer, found.holder) == (None, None)
    # The legend's middle character misread; a place named 章丘 is no seal.
    assert extract_fields("检测机构：河南省建筑材料质量检验测专翊章").issuer is None
    assert extract_fields("委托单位：济南章丘新型墙材有限公司").holder == "济南章丘新型墙材有限公司"


def certificate_pdf() -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.add_font("cjk", fname=str(find_cjk_font().path))
    pdf.set_font("cjk", size=12)
    for line in CERTIFICATE:
        pdf.cell(0, 10, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def certificate_png() -> bytes:
    font = ImageFont.truetype(str(find_cjk_font().path), 28)
    lines = CERTIFICATE[1:2] + CERTIFICATE[5:6]
    image = Image.new("RGB", (720, 60 + 50 * len(lines)), "white")
    draw = ImageDraw.Draw(image)
    for n, line in enumerate(lines):
        draw.text((30, 30 + 50 * n), line, fill="black", font=font)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


async def test_a_pdfs_text_layer_is_read_in_the_pool() -> None:
    text, method = await read_text(certificate_pdf())
    assert method == "pdf_text"
    assert extract_fields(text).expires == "2027-03-01"


async def test_a_photo_is_read_by_offline_ocr() -> None:
    text, method = await read_text(certificate_png())
    assert method == "ocr"
    found = extract_fields(text)
    assert (found.number, found.expires) == ("00123Q45678R0M", "2027-03-01")


def scanned_pdf() -> bytes:
    """A PDF with the certificate as a picture only, as a scanner writes it."""
    pdf = FPDF(unit="pt", format=(720, 160))
    pdf.add_page()
    pdf.image(io.BytesIO(certificate_png()), x=0, y=0, w=720)
    return bytes(pdf.output())


async def test_a_scanned_pdf_is_rendered_and_read_by_ocr() -> None:
    text, method = await read_text(scanned_pdf())
    assert method == "pdf_ocr"
    found = extract_fields(text)
    assert (found.number, found.expires) == ("00123Q45678R0M", "2027-03-01")


async def test_a_file_without_text_is_unreadable() -> None:
    with pytest.raises(TextUnavailable):
        await read_text(b"%PDF-1.4\n%%EOF\n")
    blank = FPDF()
    blank.add_page()
    with pytest.raises(TextUnavailable):
        await read_text(bytes(blank.output()))


def test_the_command_prints_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "证书.pdf"
    path.write_bytes(certificate_pdf())
    assert cli.main(["evidence", "read", str(path), "--format", "json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert {k: printed[k] for k in ("holder", "standard", "issued", "expires", "content_pct")} == {
        "holder": "河南豫中新型墙材有限公司",
        "standard": "GB/T 19001",
        "issued": "2024-03-02",
        "expires": "2027-03-01",
        "content_pct": None,
    }
    assert printed["method"] == "pdf_text"
    assert printed["sources"]["number"] == "证书编号：00123Q45678R0M"


async def test_a_reading_worker_yields_the_cpu_to_the_bot() -> None:
    from bot.services.background import WORKER_NICENESS
    from bot.services.reading.text import TextReader

    reader = TextReader(1)
    try:
        niceness = await asyncio.wrap_future(reader._pool.submit(os.nice, 0))
    finally:
        reader.close()
    assert niceness == min(os.nice(0) + WORKER_NICENESS, 19)


def test_a_date_the_recogniser_read_together_with_a_seal_is_not_read() -> None:
    assert extract_fields("有效期至：2026年4月19日专用章").expires is None
    assert extract_fields("有效期至：认证专用章2026年4月19日").expires is None
    # A seal beside the date, read apart from it, leaves the date as it is.
    assert extract_fields("有效期截止：2026年7月29日 认证专用章").expires == "2026-07-29"
    both = extract_fields("证书有效期2023-02-01至2026-01-30以证专用章")
    assert (both.issued, both.expires) == ("2023-02-01", None)


def test_a_paced_session_pauses_as_long_as_it_ran(monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    from bot.services.reading import text

    class Busy:
        name = "busy"

        def run(self, *_args: object) -> str:
            end = time.perf_counter() + 0.02
            while time.perf_counter() < end:
                pass
            return "out"

    pauses: list[float] = []
    monkeypatch.setattr(text.time, "sleep", pauses.append)
    paced = text._Paced(Busy())
    monkeypatch.setattr(text, "_pause_ratio", 1.0)
    assert paced.run(None, {}) == "out"
    assert len(pauses) == 1 and pauses[0] >= 0.02
    assert paced.name == "busy"
    monkeypatch.setattr(text, "_pause_ratio", 0.0)  # reading in the foreground
    paced.run(None, {})
    assert len(pauses) == 1


def _worker_pacing() -> tuple[float, list[str]]:
    from bot.services.reading import text

    engine = text._engine()
    sessions = [engine.text_det.infer, engine.text_cls.infer, engine.text_rec.session]
    return text._pause_ratio, [type(s.session).__name__ for s in sessions]


async def test_a_reading_worker_paces_the_recogniser() -> None:
    from bot.services.reading.text import WORKER_PAUSE_RATIO, TextReader

    reader = TextReader(1)
    try:
        ratio, kinds = await asyncio.wrap_future(reader._pool.submit(_worker_pacing))
    finally:
        reader.close()
    assert (ratio, kinds) == (WORKER_PAUSE_RATIO, ["_Paced"] * 3)

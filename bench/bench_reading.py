"""Certificates read: field-level precision and recall on a generated corpus, time per page
and peak memory of the reader.

The corpus is generated, with the truth for every field: quality, environmental and energy
management certificates (GB/T and ISO wordings) and waste-content test reports, in three
layouts, rendered with a real Chinese font (the one the PDF report embeds) as PNG photos,
JPEG scans, PDFs with a text layer and scanned PDFs. Half of it is clean; the other half
carries what real files carry: a red seal stamped over the text, a rotation of a few
degrees, blur, JPEG quality 50, a phone photo's perspective, 150 dpi instead of 300.

Each file is read as the bot reads it (`read_text_sync`: PDF text layer, else OCR, in this
process so its time and memory are measured), its fields extracted, and compared with what
a supplier typed: the truth for half the documents, a wrong value for the other half. A
"matches" verdict on a field whose typed value is wrong is a false match: precision on
"matches" must be 1.0. Recall of the expiry and the holder must be >= 0.9 on the clean half.

The holder counts as right when `same_company` says so, which forgives the recogniser's
known misreads (`ocr_misreads`); "holder_exact" is the same recall character for character.

    .venv/bin/python bench/bench_reading.py                 # 64 documents
    .venv/bin/python bench/bench_reading.py --documents 8   # a smoke run
    .venv/bin/python bench/bench_reading.py --seed 22       # another corpus of the same kind
    .venv/bin/python bench/bench_reading.py --misses        # every field not read right
    .venv/bin/python bench/bench_reading.py --json out.json

Exit code 0 when both targets are met, 1 otherwise.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import resource
import sys
import time
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fpdf import FPDF
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from bot.reports.fonts import find_cjk_font
from bot.services.reading import TextUnavailable, extract_fields
from bot.services.reading.text import read_text_sync
from criteria.answers import EvidenceItem
from criteria.reading_match import Read, compare

FIELDS = ("holder", "standard", "number", "issuer", "issued", "expires", "content_pct")
COMPARED = ("holder", "standard", "number", "issued", "expires", "content_pct")

COMPANIES = [
    "河南（新郑）华瑞建材有限责任公司",
    "石家庄鑫源新型墙材有限公司",
    "山西晋城煤矸石砖业有限公司",
    "江苏宿迁绿砌建材股份有限公司",
    "四川眉山（东坡）页岩砖厂",
    "内蒙古鄂尔多斯节能砖有限责任公司",
    "安徽淮南皖北新型建材有限公司",
    "湖南株洲湘砌烧结制品有限公司",
]
ISSUERS = [
    "中国质量认证中心",
    "方圆标志认证集团有限公司",
    "中国建材检验认证集团股份有限公司",
    "北京新世纪检验认证有限公司",
    "华夏认证中心有限公司",
]
LABS = [
    "河南省建筑材料质量检验检测中心",
    "国家建筑材料质量检验检测中心",
    "山西省建材产品质量监督检验站",
]
STANDARDS = {
    "quality": ("GB/T 19001-2016 / ISO 9001:2015", "GB/T 19001", "质量管理体系认证证书", "Q"),
    "environmental": (
        "GB/T 24001-2016 / ISO 14001:2015",
        "GB/T 24001",
        "环境管理体系认证证书",
        "E",
    ),
    "energy": ("GB/T 23331-2020 / ISO 50001:2018", "GB/T 23331", "能源管理体系认证证书", "N"),
}
ISO_ONLY = {
    "quality": "ISO 9001:2015",
    "environmental": "ISO 14001:2015",
    "energy": "ISO 50001:2018",
}
CLAIMS = {
    "quality": "quality_management",
    "environmental": "environmental_management",
    "energy": "energy_management_certified",
    "report": "third_party_report",
}


@dataclass
class Document:
    kind: str  # quality | environmental | energy | report
    layout: int
    truth: dict[str, Any]
    lines: list[str]
    form: str  # png | jpeg | pdf_text | pdf_scan
    dpi: int
    damage: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not self.damage and self.dpi == 300


def _cn(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def make_document(rng: random.Random, index: int, clean: bool) -> Document:
    kind = ["quality", "environmental", "energy", "report"][index % 4]
    layout = (index // 8) % 3
    holder = rng.choice(COMPANIES)
    issued = date(2023, 1, 1) + timedelta(days=rng.randrange(0, 900))
    truth: dict[str, Any] = {"holder": holder, "issued": issued.isoformat()}
    if kind == "report":
        number = f"WT{issued.year}-{rng.randrange(1000, 9999)}"
        pct = rng.choice(["32.5", "48.0", "55.6", "62.5", "81.2", "90.0"])
        issuer = rng.choice(LABS)
        truth |= {
            "number": number,
            "issuer": issuer,
            "content_pct": float(pct),
            "standard": None,
            "expires": None,
        }
        lines = [
            "检 测 报 告",
            f"报告编号：{number}",
            f"委托单位：{holder}",
            "样品名称：烧结多孔砖",
            "检测项目：固体废弃物掺加量",
            f"固体废弃物掺加量：{pct}%",
            f"检测机构：{issuer}",
            f"报告日期：{_cn(issued) if layout != 1 else issued.isoformat()}",
        ]
    else:
        full, short, title, letter = STANDARDS[kind]
        expires = issued + timedelta(days=3 * 365 - 1)
        serial = f"{rng.randrange(10000, 99999)}{letter}{rng.randrange(10000, 99999)}"
        number = f"{serial}R{rng.randrange(0, 3)}M"
        issuer = rng.choice(ISSUERS)
        standard_text = full if layout != 2 else ISO_ONLY[kind]
        standard = short if layout != 2 else ISO_ONLY[kind].split(":")[0]
        truth |= {
            "number": number,
            "issuer": issuer,
            "expires": expires.isoformat(),
            "standard": standard,
            "content_pct": None,
        }
        if layout == 0:
            lines = [
                title,
                f"证书编号：{number}",
                f"获证组织名称：{holder}",
                f"管理体系符合 {standard_text} 标准要求",
                f"发证日期：{_cn(issued)}",
                f"有效期至：{_cn(expires)}",
                issuer,
            ]
        elif layout == 1:
            lines = [
                title,
                f"注册号 {number}",
                f"组织名称 {holder}",
                f"认证依据 {standard_text}",
                f"证书有效期 {issued.isoformat()} 至 {expires.isoformat()}",
                f"认证机构 {issuer}",
            ]
        else:
            lines = [
                title,
                f"Certificate No.: {number}",
                f"证书持有人：{holder}",
                f"conforms to {standard_text}",
                f"颁证日期：{_cn(issued)}",
                f"有效期截止：{_cn(expires)}",
                f"发证机构：{issuer}",
            ]
    forms = ["png", "jpeg", "pdf_text", "pdf_scan"]
    form = forms[(index + index // 4) % 4]
    damage: list[str] = []
    dpi = 300
    if not clean:
        options = ["seal", "rotate", "blur", "jpeg50", "perspective", "dpi150"]
        damage = rng.sample(options, k=rng.choice([1, 2]))
        if "dpi150" in damage:
            damage.remove("dpi150")
            dpi = 150
        if form == "pdf_text":
            form = "pdf_scan"  # damage lives on pixels
    return Document(kind, layout, truth, lines, form, dpi, damage)


def _page(doc: Document, font_path: str) -> Image.Image:
    scale = doc.dpi / 300
    width, height = int(2480 * scale * 0.5), int(3508 * scale * 0.35)
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    size = int(44 * scale)
    font = ImageFont.truetype(font_path, size)
    title_font = ImageFont.truetype(font_path, int(size * 1.4))
    y = int(60 * scale)
    for n, line in enumerate(doc.lines):
        f = title_font if n == 0 else font
        x = (
            (width - draw.textlength(line, font=f)) / 2
            if (n == 0 or doc.layout == 0)
            else 60 * scale
        )
        draw.text((x, y), line, fill="black", font=f)
        y += int(size * (2.1 if n == 0 else 1.7))
    if "seal" in doc.damage:
        seal = Image.new("RGBA", image.size, (0, 0, 0, 0))
        sd = ImageDraw.Draw(seal)
        r = int(150 * scale)
        cx, cy = int(width * 0.7), int(y - 2.5 * size)
        sd.ellipse(
            (cx - r, cy - r, cx + r, cy + r), outline=(220, 30, 30, 170), width=int(8 * scale)
        )
        sd.text((cx - r * 0.6, cy - size / 2), "认证专用章", fill=(220, 30, 30, 170), font=font)
        image = Image.alpha_composite(image.convert("RGBA"), seal).convert("RGB")
    if "rotate" in doc.damage:
        image = image.rotate(
            random.Random(doc.truth["number"]).uniform(-4, 4), expand=True, fillcolor="white"
        )
    if "perspective" in doc.damage:
        w, h = image.size
        d = 0.06
        coeffs = _perspective(
            [(0, 0), (w, 0), (w, h), (0, h)],
            [(w * d, h * d / 2), (w * (1 - d / 2), 0), (w, h), (0, h * (1 - d / 3))],
        )
        image = image.transform(
            image.size,
            Image.Transform.PERSPECTIVE,
            coeffs,
            Image.Resampling.BICUBIC,
            fillcolor="white",
        )
    if "blur" in doc.damage:
        image = image.filter(ImageFilter.GaussianBlur(1.2 * scale))
    return image


def _perspective(src: list[tuple[float, float]], dst: list[tuple[float, float]]) -> list[float]:
    import numpy as np

    rows = []
    for (x, y), (u, v) in zip(dst, src, strict=True):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
    a = np.array(rows, dtype=float)
    b = np.array([c for point in src for c in point], dtype=float)
    return list(np.linalg.solve(a, b))


def render(doc: Document, font_path: str) -> bytes:
    if doc.form == "pdf_text":
        pdf = FPDF()
        pdf.add_page()
        pdf.add_font("cjk", fname=font_path)
        pdf.set_font("cjk", size=12)
        for line in doc.lines:
            pdf.cell(0, 10, line, new_x="LMARGIN", new_y="NEXT")
        return bytes(pdf.output())
    image = _page(doc, font_path)
    out = io.BytesIO()
    quality = 50 if "jpeg50" in doc.damage else 85
    if doc.form == "png" and "jpeg50" not in doc.damage:
        image.save(out, format="PNG")
        return out.getvalue()
    image.save(out, format="JPEG", quality=quality, dpi=(doc.dpi, doc.dpi))
    if doc.form != "pdf_scan":
        return out.getvalue()
    pdf = FPDF(unit="pt", format=(image.width * 72 / doc.dpi, image.height * 72 / doc.dpi))
    pdf.add_page()
    pdf.image(io.BytesIO(out.getvalue()), x=0, y=0, w=image.width * 72 / doc.dpi)
    return bytes(pdf.output())


def _exact(got: Any, want: Any) -> bool:
    """The holder as written, character for character (widths and spaces aside): what the
    holder's recall would be without the recogniser's known misreads forgiven."""

    def flat(text: Any) -> str:
        return "".join(unicodedata.normalize("NFKC", str(text)).split())

    return bool(got) and flat(got) == flat(want)


def _same(field_name: str, got: Any, want: Any) -> bool:
    if field_name == "holder":
        from criteria.reading_match import same_company

        return bool(got) and same_company(str(got), str(want))
    return got == want


def typed_for(doc: Document, rng: random.Random, wrong: bool) -> tuple[str, EvidenceItem]:
    """What a supplier typed: the truth, or (for `wrong`) a different value in every field."""
    t = doc.truth
    if not wrong:
        values = {
            k: t[k] for k in ("number", "issued", "expires", "content_pct") if t[k] is not None
        }
        return t["holder"], EvidenceItem.model_validate(values)
    values = {"number": t["number"][:-2] + "9X", "issued": "2022-02-02"}
    if t["expires"]:
        values["expires"] = (date.fromisoformat(t["expires"]) + timedelta(days=31)).isoformat()
        # Another standard than the certificate's.
        values["standard"] = "ISO 45001"
    if t["content_pct"] is not None:
        values["content_pct"] = str(t["content_pct"] + 10)
    return "河北某某砖业有限公司", EvidenceItem.model_validate(values)


def run(documents: int, seed: int, misses: bool = False) -> dict[str, Any]:
    rng = random.Random(seed)
    font_path = str(find_cjk_font().path)
    # Every kind of document in both halves: four in a row clean, the next four damaged.
    docs = [make_document(rng, i, clean=(i // 4) % 2 == 0) for i in range(documents)]
    found: dict[str, Counter[str]] = {"clean": Counter(), "damaged": Counter(), "all": Counter()}
    matches = Counter()
    times: list[float] = []
    per_form: dict[str, list[float]] = {}
    unreadable = 0
    for index, doc in enumerate(docs):
        data = render(doc, font_path)
        started = time.perf_counter()
        try:
            text, _method = read_text_sync(data)
        except TextUnavailable:
            text = ""
            unreadable += 1
        elapsed = time.perf_counter() - started
        times.append(elapsed)
        per_form.setdefault(doc.form, []).append(elapsed)
        got = extract_fields(text).as_json()
        group = "clean" if doc.clean else "damaged"
        for name in FIELDS:
            want = doc.truth.get(name)
            value = got.get(name)
            for g in (group, "all"):
                if want is not None:
                    found[g][f"{name}.total"] += 1
                if value is not None:
                    found[g][f"{name}.found"] += 1
                    if want is not None and _same(name, value, want):
                        found[g][f"{name}.right"] += 1
                    if name == "holder" and _exact(value, want):
                        found[g]["holder_exact.right"] += 1
            if misses and want is not None and (value is None or not _same(name, value, want)):
                print(
                    f"miss #{index} {group} {doc.kind} layout {doc.layout} {doc.form} "
                    f"{doc.dpi} dpi {doc.damage}: {name} read {value!r}, truth {want!r}"
                )
        wrong = index % 4 in (1, 2)
        company, item = typed_for(doc, rng, wrong)
        result = compare(Read.from_mapping(got), CLAIMS[doc.kind], item, company, date(2025, 6, 1))
        for fm in result.fields:
            if fm.state == "matches":
                matches["said"] += 1
                if wrong:
                    matches["false"] += 1
                    print(
                        f"false match: {doc.kind} {fm.field} read {fm.read!r} typed {fm.claimed!r}"
                    )
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    def table(group: str) -> dict[str, dict[str, float | None]]:
        c = found[group]
        out: dict[str, dict[str, float | None]] = {}
        for name in FIELDS:
            total, hit, right = c[f"{name}.total"], c[f"{name}.found"], c[f"{name}.right"]
            out[name] = {
                "precision": round(right / hit, 3) if hit else None,
                "recall": round(right / total, 3) if total else None,
                "truth": total,
            }
        hit, total = c["holder.found"], c["holder.total"]
        out["holder_exact"] = {
            "precision": round(c["holder_exact.right"] / hit, 3) if hit else None,
            "recall": round(c["holder_exact.right"] / total, 3) if total else None,
            "truth": total,
        }
        return out

    clean = table("clean")
    precision_matches = 1.0 if not matches["said"] else 1 - matches["false"] / matches["said"]
    summary = {
        "documents": documents,
        "clean_documents": sum(d.clean for d in docs),
        "unreadable": unreadable,
        "fields": {"clean": clean, "damaged": table("damaged"), "all": table("all")},
        "matches": {
            "said": matches["said"],
            "false": matches["false"],
            "precision": round(precision_matches, 3),
        },
        "seconds_per_page": {
            "mean": round(sum(times) / len(times), 3),
            "max": round(max(times), 3),
            **{form: round(sum(v) / len(v), 3) for form, v in sorted(per_form.items())},
        },
        "peak_rss_mb": round(peak_mb, 1),
    }
    recall_ok = all((clean[f]["recall"] or 0) >= 0.9 for f in ("expires", "holder"))
    summary["targets_met"] = precision_matches == 1.0 and recall_ok
    return summary


def _print(summary: dict[str, Any]) -> None:
    print(
        f"documents: {summary['documents']} ({summary['clean_documents']} clean), "
        f"unreadable: {summary['unreadable']}"
    )
    for group in ("clean", "damaged"):
        print(f"\n{group}: field precision / recall (of n)")
        for name, row in summary["fields"][group].items():
            print(f"  {name:12} {row['precision']!s:>6} / {row['recall']!s:>6} (n={row['truth']})")
    m = summary["matches"]
    print(
        f'\n"matches": {m["said"]} said, {m["false"]} false -> precision {m["precision"]}'
        " (target 1.0)"
    )
    print(f"seconds per page: {summary['seconds_per_page']}")
    print(f"peak RSS: {summary['peak_rss_mb']} MB")
    print("targets met" if summary["targets_met"] else "TARGETS NOT MET")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--documents", type=int, default=64, help="corpus size (>= 60 for the note)"
    )
    parser.add_argument("--seed", type=int, default=20)
    parser.add_argument("--json", type=Path, help="also write the summary here")
    parser.add_argument("--misses", action="store_true", help="print every field not read right")
    args = parser.parse_args()
    summary = run(args.documents, args.seed, args.misses)
    _print(summary)
    if args.json:
        args.json.write_text(json.dumps(summary, ensure_ascii=False, indent=2), "utf-8")
    return 0 if summary["targets_met"] else 1


if __name__ == "__main__":
    raise SystemExit(main())

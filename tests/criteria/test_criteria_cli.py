"""The command line: `evaluate`, `schema`, `criteria show`, on valid and invalid input."""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli.criteria import _width, register

REPO = Path(__file__).resolve().parents[2]
QUALIFIED = str(REPO / "examples" / "qualified.json")
NOT_QUALIFIED = str(REPO / "examples" / "not-qualified.json")


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="greenlist")
    commands = top.add_subparsers(dest="command", required=True)
    register(commands)
    return top


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    args = parser().parse_args(argv)
    code = args.func(args)
    out, err = capsys.readouterr()
    return code, out, err


def feed_stdin(monkeypatch: pytest.MonkeyPatch, content: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(content), encoding="utf-8"))


def test_register_returns_the_criteria_subcommands() -> None:
    top = argparse.ArgumentParser(prog="greenlist")
    commands = top.add_subparsers(dest="command")
    criteria_commands = register(commands)
    assert set(commands.choices) == {"evaluate", "schema", "criteria"}
    assert isinstance(criteria_commands, argparse._SubParsersAction)
    assert set(criteria_commands.choices) == {"show"}
    criteria_commands.add_parser("history")  # later commands plug in here
    assert top.parse_args(["criteria", "history"]).criteria_command == "history"


def test_evaluate_prints_a_chinese_report(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "evaluate", QUALIFIED)
    assert (code, err) == (0, "")
    assert out.startswith("烧结墙体材料绿名单评价报告\n")
    assert "结论：✅ 符合绿名单要求（基本要求全部满足，评价指标满足 5.2 a)）" in out
    assert "E = 42.91 kgce/t ≤ 46 kgce/t（表2 烧结多孔砖和多孔砌块）" in out


def test_evaluate_json_for_a_qualified_plant(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "evaluate", QUALIFIED, "--format", "json")
    assert (code, err) == (0, "")
    evaluation = json.loads(out)
    assert evaluation["qualified"] is True
    assert evaluation["passed_indicators"] == ["5.2a"]
    assert evaluation["metrics"]["unit_energy_kgce_per_t"] == "42.9067467568"
    assert "烧结多孔砖和多孔砌块" in out  # not \u-escaped
    assert out.startswith("{\n  ")


def test_evaluate_json_for_a_plant_that_fails(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "evaluate", NOT_QUALIFIED, "--format", "json")
    assert (code, err) == (0, "")
    evaluation = json.loads(out)
    assert evaluation["qualified"] is False
    assert evaluation["needs_review"] is True
    assert evaluation["nearest_path"]["blocking_basic"] == ["4.3"]
    assert {gap["clause"] for gap in evaluation["gaps"]} == {"5.1a", "5.1b", "5.2a"}


def test_evaluate_in_english_with_an_explicit_ruleset(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(
        capsys, "evaluate", NOT_QUALIFIED, "--lang", "en", "--ruleset", "sintered-wall-2020@1"
    )
    assert code == 0
    assert "Verdict: ❌ does not qualify for the green list yet" in out
    assert (
        "Ruleset: Real-estate green supply chain green list guideline for sintered wall "
        "materials (2020), version 1" in out
    )


def test_evaluate_reads_stdin(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    feed_stdin(monkeypatch, Path(QUALIFIED).read_bytes())
    code, out, err = run(capsys, "evaluate", "-", "--format", "json")
    assert (code, err) == (0, "")
    assert json.loads(out)["qualified"] is True


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (
            b'{"energy": {"output_t": -5}}',
            "错误：标准输入：energy.output_t：合格产品产量（t）不能为负数。",
        ),
        (b'{"energy": {"electricity_kwh": 10}}', "energy.output_t：已填报能源消耗量"),
        (b'{"product_category": "tiles"}', "product_category：产品类别 tiles 不在表2 中"),
        (b'{"energy": {"gas_m3": 1}}', "energy.gas_m3：不认识的字段 energy.gas_m3"),
        (b"[1, 2]", "错误：标准输入：答案文件应为一个 JSON 对象。"),
        (b'{"energy": ', "错误：标准输入 不是有效的 JSON（第 1 行第 12 列："),
        (b"\xff\xfe{}", "错误：标准输入 不是 UTF-8 编码的文本"),
        (b"[" * 100000 + b"]" * 100000, "嵌套层级过深"),
    ],
)
def test_evaluate_refuses_bad_input_in_one_line(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    content: bytes,
    says: str,
) -> None:
    feed_stdin(monkeypatch, content)
    code, out, err = run(capsys, "evaluate", "-")
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1
    assert says in err


def test_evaluate_error_in_english(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    feed_stdin(monkeypatch, b'{"raw_materials": {"local_t": 2, "total_t": 1}}')
    code, _, err = run(capsys, "evaluate", "-", "--lang", "en")
    assert code == 2
    assert err == (
        "error: standard input: raw_materials.local_t: Main raw material from "
        "within the radius (2 t) cannot exceed the total (1 t).\n"
    )


def test_evaluate_missing_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.json"
    code, out, err = run(capsys, "evaluate", str(missing))
    assert (code, out) == (2, "")
    assert err == f"错误：找不到文件 {missing}\n"


def test_evaluate_a_directory(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capsys, "evaluate", str(tmp_path))
    assert code == 2
    assert err.startswith(f"错误：无法读取 {tmp_path}：")
    assert err.count("\n") == 1


@pytest.mark.parametrize(
    ("spec", "says"),
    [
        ("nope", "没有规则集 nope"),
        ("sintered-wall-2020@9", "没有版本 9"),
        ("sintered-wall-2020@x", "ID@版本"),
    ],
)
def test_evaluate_unknown_ruleset(capsys: pytest.CaptureFixture[str], spec: str, says: str) -> None:
    code, out, err = run(capsys, "evaluate", QUALIFIED, "--ruleset", spec)
    assert (code, out) == (2, "")
    assert err.count("\n") == 1
    assert says in err


def test_schema(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "schema")
    assert (code, err) == (0, "")
    schema = json.loads(out)
    assert "energy" in schema["properties"]
    assert "合格产品产量（t）" in out


def test_criteria_show(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "criteria", "show")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == (
        "房地产行业绿色供应链 烧结墙体材料绿名单评价导则（2020）（sintered-wall-2020@1）"
    )
    assert lines[2].split() == ["条款", "项目", "数值", "单位", "来源", "键"]
    porous = next(line for line in lines if line.endswith("energy.porous_brick"))
    assert "≤ 46" in porous and "kgce/t" in porous and "表2 烧结多孔砖和多孔砌块" in porous
    gangue = next(line for line in lines if line.endswith("waste.coal_gangue_only"))
    assert "≥ 80" in gangue
    electricity = next(line for line in lines if line.endswith("factors.electricity_kwh"))
    assert "0.1229" in electricity and "kgce/kWh" in electricity
    assert len(lines) == 3 + 17
    # Columns line up even with Chinese text: every key starts in the same column.
    starts = {_width(line[: line.rindex(" ") + 1]) for line in lines[2:]}
    assert len(starts) == 1


def test_criteria_show_in_english(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "criteria", "show", "--lang", "en", "--ruleset", "sintered-wall-2020@1"
    )
    assert code == 0
    assert "Table 2, sintered perforated bricks and blocks" in out


def test_criteria_show_unknown_ruleset(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "criteria", "show", "--ruleset", "nope")
    assert (code, out) == (2, "")
    assert "没有规则集 nope" in err


def test_criteria_needs_a_subcommand(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        parser().parse_args(["criteria"])
    assert caught.value.code == 2


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["evaluate", "--help"], "读取答案文件（JSON，格式见 greenlist schema）"),
        (["schema", "--help"], "输出答案文件（greenlist evaluate 读取的 JSON）的 JSON Schema"),
        (["criteria", "--help"], "查看评价所用的规则集"),
        (["criteria", "show", "--help"], "以表格显示规则集的每个数值"),
        (["--help"], "按绿名单导则评价一份答案文件（JSON）"),
    ],
)
def test_every_command_has_help(
    capsys: pytest.CaptureFixture[str], argv: list[str], says: str
) -> None:
    with pytest.raises(SystemExit) as caught:
        parser().parse_args(argv)
    assert caught.value.code == 0
    assert says in capsys.readouterr().out


def test_module_entry_point_exit_codes(tmp_path: Path) -> None:
    ok = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot.cli",
            "evaluate",
            "examples/qualified.json",
            "--format",
            "json",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
        check=False,
    )
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["qualified"] is True
    assert ok.stderr == ""

    bad = tmp_path / "bad.json"
    bad.write_text('{"solid_waste": {"coal_gangue_pct": 120}}', encoding="utf-8")
    refused = subprocess.run(
        [sys.executable, "-m", "bot.cli", "evaluate", str(bad)],
        cwd=REPO,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
        check=False,
    )
    assert refused.returncode == 2
    assert refused.stdout == ""
    assert refused.stderr == (
        f"错误：{bad}：solid_waste.coal_gangue_pct：煤矸石掺加量（%）应在 0 到 100 之间。\n"
    )


def _document(tmp_path: Path, name: str, **changes: object) -> str:
    """The qualified example with some sections replaced, written where evaluate reads it."""
    document = json.loads(Path(QUALIFIED).read_text(encoding="utf-8"))
    document.update(changes)
    path = tmp_path / name
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return str(path)


PER_TONNE = {"output_t": 120000, "total_kgce": 46}


def test_evaluate_flags_a_per_tonne_total_the_plant_confirmed(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    confirmed = _document(
        tmp_path, "confirmed.json", energy={**PER_TONNE, "plausibility_confirmed": True}
    )
    code, out, _ = run(capsys, "evaluate", confirmed, "--format", "json", "--on", "2024-12-01")
    evaluation = json.loads(out)
    assert code == 0 and evaluation["needs_review"] is True
    (reason,) = [r for r in evaluation["review_reasons"] if r["code"].endswith("_confirmed")]
    assert reason["text"].startswith(
        "供应商确认数字无误，请对照能源台账核实。"
        "原提示：填报的综合能耗总量 46 kgce 对产量 120,000 t"
    )
    plain = _document(tmp_path, "plain.json", energy=PER_TONNE)
    _, out, _ = run(capsys, "evaluate", plain, "--format", "json", "--on", "2024-12-01")
    codes = [r["code"] for r in json.loads(out)["review_reasons"]]
    assert "total_looks_per_tonne" in codes
    assert not [code for code in codes if code.endswith("_confirmed")]
    corrected = _document(
        tmp_path, "corrected.json", energy={"output_t": 120000, "total_kgce": 5520000}
    )
    _, out, _ = run(capsys, "evaluate", corrected, "--format", "json", "--on", "2024-12-01")
    codes = [r["code"] for r in json.loads(out)["review_reasons"]]
    assert not [code for code in codes if "tonne" in code or "confirmed" in code]


def test_evaluate_fails_an_expired_certificate_and_flags_incomplete_details(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = _document(
        tmp_path,
        "evidence.json",
        evidence={
            "quality_management": {
                "kind": "certificate",
                "number": "00124Q31234R2M",
                "issuer": "中国质量认证中心",
                "issued": "2021-03-01",
                "expires": "2024-02-29",
            },
            "environmental_management": {"kind": "certificate", "number": "00124E31234R2M"},
        },
    )
    code, out, _ = run(capsys, "evaluate", path, "--format", "json", "--on", "2024-12-01")
    clauses = json.loads(out)["clauses"]
    assert code == 0
    assert clauses["4.2.1"]["passed"] is False
    assert (
        "证书或报告 00124Q31234R2M 有效期至 2024-02-29，评价日 2024-12-01 已过期"
        in (clauses["4.2.1"]["reason"])
    )
    assert clauses["4.2.2"]["passed"] is True and clauses["4.2.2"]["needs_review"] is True
    assert (
        "企业声明，证据不完整（缺少：发证机构或检测机构、发证日期或报告日期、有效期至）"
        in (clauses["4.2.2"]["reason"])
    )


def test_the_schema_describes_the_confirmation(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "schema")
    energy = json.loads(out)["$defs"]["Energy"]["properties"]["plausibility_confirmed"]
    assert energy["description"].startswith("被问及能耗数字是否有误时")


def test_evaluate_flags_a_gas_plant_whose_verdict_flips_within_the_gas_range(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(capsys, "evaluate", QUALIFIED, "--on", "2024-12-01")
    lines = out.splitlines()
    assert code == 0
    assert lines[1] == "结论：✅ 符合绿名单要求（基本要求全部满足，评价指标满足 5.2 a)）"
    assert lines[2] == "⚠ 需评审人员复核：4.2.1、4.2.2（共 3 项原因，见下）"
    assert (
        "• 天然气折标准煤系数在 GB/T 2589-2020 范围 1.1～1.33 kgce/m³ 内取值不同，判定会改变："
        "取 1.1 时 E = 39.26 kgce/t，取 1.33 时 E = 46.6 kgce/t（限值 46 kgce/t）；"
        "请提供燃气账单或供气方质量报告上的实测低位发热量"
    ) in lines
    assert (
        "• 天然气 5,900,000 m³ × 1.2143 kgce/m³ = 7,164,370 kgce（GB/T 2589-2020 附录A 天然气"
    ) in out


def test_evaluate_gives_a_six_month_period_a_clear_reason(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    enterprise = json.loads(Path(QUALIFIED).read_text(encoding="utf-8"))["enterprise"]
    half = _document(
        tmp_path,
        "half.json",
        enterprise={**enterprise, "period_start": "2024-01-01", "period_end": "2024-06-30"},
    )
    code, out, _ = run(capsys, "evaluate", half, "--on", "2024-12-01")
    assert code == 0
    assert out.splitlines()[2] == "⚠ 需评审人员复核：4.2.1、4.2.2（共 4 项原因，见下）"
    assert (
        "• 评价期 2024-01-01 至 2024-06-30（182 天）不是连续 12 个月："
        "从 2024-01-01 起应至 2024-12-31"
    ) in out.splitlines()

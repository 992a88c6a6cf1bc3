"""`greenlist --help` and every subcommand's help read in Chinese, argparse's words too."""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from collections.abc import Iterator

import pytest

from bot.cli.main import build_parser

# Names a Chinese reader meets as they are: products, formats and standards.
NAMES = {
    "Telegram", "Excel", "CSV", "JSON", "Schema", "PDF", "ZIP", "SHA-256", "UTF-8", "BOM",
    "OCR", "ID", "SQLite", "TTF/OTF", "CPU", "GB/T", "YYYY-MM-DD", "greenlist-bot",
}  # fmt: skip
# What a user types after a command: a ruleset, a setting key, statuses, a version.
TYPED = {
    "sintered-wall-2020", "energy.porous_brick", "in_progress", "submitted", "needs_info",
    "approved", "rejected", "head", "v1", "ID@", "pdf",
}  # fmt: skip
ENV_VAR = re.compile(r"^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$")
WORD = re.compile(r"[A-Za-z][A-Za-z0-9_\-./@]*[A-Za-z0-9@]|[A-Za-z]{2,}")


def greenlist(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *argv],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def parsers(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                yield from parsers(child, (*path, name))


def typed_words(parser: argparse.ArgumentParser) -> set[str]:
    """Command names, flags and the choices an argument takes: written as they are typed."""
    words: set[str] = {"greenlist"}
    for path, each in parsers(parser):
        words.update(path)
        for action in each._actions:
            for flag in action.option_strings:
                words.add(flag.lstrip("-"))
            if action.choices is not None and not isinstance(action, argparse._SubParsersAction):
                words.update(str(choice) for choice in action.choices)
    return words


def english_words(text: str, allowed: set[str]) -> list[str]:
    found = []
    for word in WORD.findall(text):
        if word in allowed or word in NAMES or word in TYPED or ENV_VAR.match(word):
            continue
        found.append(word)
    return found


def test_the_programs_help_is_chinese() -> None:
    shown = greenlist("--help")
    assert shown.returncode == 0, shown.stderr
    help_text = shown.stdout
    assert help_text.startswith("用法：greenlist [-h] 命令 ...")
    assert "绿名单评价机器人" in help_text
    assert "\n位置参数：\n" in help_text
    assert "\n选项：\n" in help_text
    assert "-h, --help  显示此帮助信息并退出" in help_text
    assert "version   显示已安装的版本" in help_text
    assert "run       启动 Telegram 机器人" in help_text
    assert "doctor    检查配置、数据库和与 Telegram 的连接" in help_text
    for english in ("usage:", "options:", "positional arguments", "show this help message"):
        assert english not in help_text
    assert english_words(help_text, typed_words(build_parser())) == []


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (
            ["evaluate", "--help"],
            [
                "用法：greenlist evaluate [-h]",
                "文件",
                "显示此帮助信息并退出",
                "--ruleset 规则集[@版本]",
            ],
        ),
        (["db", "upgrade", "--help"], ["用法：greenlist db upgrade [-h] [--revision 版本号]"]),
        (["export", "--help"], ["-o 文件, --output 文件", "输出文件路径"]),
        (
            ["doctor", "--help"],
            ["跳过需要访问 Telegram 的检查", "每项网络检查的时限，单位秒（默认：5）"],
        ),
        (
            ["evidence", "read", "--help"],
            ["证书或报告文件的路径", "输出格式：text（可读文本，默认）或 json"],
        ),
    ],
)
def test_a_subcommands_help_is_chinese(argv: list[str], expected: list[str]) -> None:
    shown = greenlist(*argv)
    assert shown.returncode == 0, shown.stderr
    for text in expected:
        assert text in shown.stdout, text
    assert "usage:" not in shown.stdout and "options:" not in shown.stdout
    assert english_words(shown.stdout, typed_words(build_parser())) == []


def test_every_help_has_no_english_but_what_is_typed() -> None:
    parser = build_parser()
    allowed = typed_words(parser)
    for path, each in parsers(parser):
        help_text = each.format_help()
        assert help_text.startswith("用法："), path
        assert english_words(help_text, allowed) == [], path


def test_argparses_errors_are_chinese_too() -> None:
    refused = greenlist("evaluate")
    assert refused.returncode == 2
    assert refused.stderr.startswith("用法：greenlist evaluate")
    assert "greenlist evaluate：错误：缺少必需的参数：文件" in refused.stderr
    unknown = greenlist("nonsense")
    assert unknown.returncode == 2
    assert "无效的选择：'nonsense'" in unknown.stderr


def test_argparse_speaks_english_again_outside_the_command() -> None:
    build_parser().format_help()
    plain = argparse.ArgumentParser(prog="other")
    assert "usage: other" in plain.format_help()
    assert "show this help message and exit" in plain.format_help()

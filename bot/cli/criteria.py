"""Command-line access to the criteria: `evaluate`, `schema` and `criteria show`.

`register` plugs these commands into the `greenlist` program; running this module
directly gives the same commands on their own. Bad input ends with exit code 2 and one
line on stderr that names what is wrong, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
import unicodedata
from datetime import date
from pathlib import Path
from typing import Any

from bot.cli.parser import cli_text
from criteria import (
    DEFAULT_RULESET_ID,
    LANGUAGES,
    InvalidAnswers,
    Ruleset,
    RulesetError,
    answers_json_schema,
    evaluate,
    load_ruleset,
    parse_answers,
    parse_ruleset_spec,
    render_report,
)
from criteria.figures import figure
from criteria.texts import DEFAULT_LANGUAGE, Text, catalogue

EXIT_OK = 0
EXIT_BAD_INPUT = 2
STDIN = "-"
_BOUND_SIGNS = {"min": "≥ ", "max": "≤ ", None: ""}


class _BadInput(Exception):
    """Input that cannot be evaluated; carries the one line to print."""

    def __init__(self, text: Text) -> None:
        super().__init__(text.zh)
        self.text = text


def _help(key: str) -> str:
    return catalogue().get(key, DEFAULT_LANGUAGE)


def register(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
) -> argparse._SubParsersAction[argparse.ArgumentParser]:
    """Add `evaluate`, `schema` and `criteria show`; return the `criteria` subcommands.

    More `criteria` subcommands (e.g. `set`, `history`) can be added to the returned object.
    """
    evaluate_parser = subparsers.add_parser(
        "evaluate",
        help=_help("cli.evaluate.help"),
        description=_help("cli.evaluate.description"),
    )
    evaluate_parser.add_argument(
        "file", metavar=cli_text("metavar.file"), help=_help("cli.evaluate.file")
    )
    evaluate_parser.add_argument(
        "--format", choices=("text", "json"), default="text", help=_help("cli.evaluate.format")
    )
    evaluate_parser.add_argument(
        "--on", metavar="YYYY-MM-DD", default=None, help=_help("cli.evaluate.on")
    )
    _add_ruleset_option(evaluate_parser)
    _add_lang_option(evaluate_parser)
    evaluate_parser.set_defaults(func=run_evaluate)

    schema_parser = subparsers.add_parser(
        "schema",
        help=_help("cli.schema.help"),
        description=_help("cli.schema.description"),
    )
    schema_parser.set_defaults(func=run_schema)

    criteria_parser = subparsers.add_parser(
        "criteria",
        help=_help("cli.criteria.help"),
        description=_help("cli.criteria.description"),
    )
    criteria_commands = criteria_parser.add_subparsers(
        dest="criteria_command",
        metavar=cli_text("metavar.command"),
        title=_help("cli.criteria.command"),
        required=True,
    )
    show_parser = criteria_commands.add_parser(
        "show",
        help=_help("cli.show.help"),
        description=_help("cli.show.description"),
    )
    _add_ruleset_option(show_parser)
    _add_lang_option(show_parser)
    show_parser.set_defaults(func=run_show)
    return criteria_commands


def _add_ruleset_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--ruleset",
        metavar=cli_text("metavar.ruleset"),
        default=DEFAULT_RULESET_ID,
        help=_help("cli.ruleset"),
    )


def _add_lang_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--lang", choices=LANGUAGES, default=DEFAULT_LANGUAGE, help=_help("cli.lang")
    )


def _fail(text: Text, lang: str) -> int:
    print(catalogue().get("cli.error", lang, message=text), file=sys.stderr)
    return EXIT_BAD_INPUT


def _ruleset(spec: str) -> Ruleset:
    ruleset_id, version = parse_ruleset_spec(spec)
    return load_ruleset(ruleset_id, version)


def _read_document(file: str) -> Any:
    """The JSON document in `file` (or stdin); _BadInput says why it cannot be read."""
    texts = catalogue()
    name: str | Text = texts.both("cli.stdin") if file == STDIN else file
    try:
        raw = sys.stdin.buffer.read() if file == STDIN else Path(file).read_bytes()
    except FileNotFoundError:
        raise _BadInput(texts.both("cli.error.not_found", path=name)) from None
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise _BadInput(texts.both("cli.error.read", path=name, reason=reason)) from None
    try:
        content = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _BadInput(texts.both("cli.error.encoding", path=name)) from None
    try:
        return json.loads(content)
    except json.JSONDecodeError as exc:
        raise _BadInput(
            texts.both(
                "cli.error.json",
                path=name,
                line=str(exc.lineno),
                column=str(exc.colno),
                reason=exc.msg,
            )
        ) from None
    except RecursionError:
        raise _BadInput(texts.both("cli.error.too_deep", path=name)) from None


def _evaluation_date(text: str | None) -> date | None:
    """The --on date (None: today); _BadInput names the expected form."""
    if text is None:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise _BadInput(catalogue().both("cli.error.on", value=text)) from None


def run_evaluate(args: argparse.Namespace) -> int:
    """greenlist evaluate FILE: exit 0 with the verdict, 2 for input that cannot be judged."""
    lang: str = args.lang
    texts = catalogue()
    name: str | Text = texts.both("cli.stdin") if args.file == STDIN else args.file
    try:
        on = _evaluation_date(args.on)
        ruleset = _ruleset(args.ruleset)
        answers = parse_answers(_read_document(args.file))
    except _BadInput as exc:
        return _fail(exc.text, lang)
    except RulesetError as exc:
        return _fail(Text(exc.message, exc.message_en), lang)
    except InvalidAnswers as exc:
        message = Text(exc.message, exc.message_en)
        if exc.field:
            line = texts.both("cli.error.field", path=name, field=exc.field, message=message)
        else:
            line = texts.both("cli.error.document", path=name, message=message)
        return _fail(line, lang)
    evaluation = evaluate(answers, ruleset, on)
    if args.format == "json":
        print(json.dumps(evaluation.model_dump(mode="json"), ensure_ascii=False, indent=2))
    else:
        sys.stdout.write(render_report(evaluation, lang))
    return EXIT_OK


def run_schema(args: argparse.Namespace) -> int:
    """greenlist schema: the JSON Schema of the answers document."""
    print(json.dumps(answers_json_schema(), ensure_ascii=False, indent=2))
    return EXIT_OK


def _width(text: str) -> int:
    """Columns a string takes in a terminal (CJK characters take two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _table(rows: list[list[str]]) -> list[str]:
    widths = [max(_width(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for row in rows:
        cells = [
            cell + " " * (width - _width(cell)) for cell, width in zip(row, widths, strict=True)
        ]
        lines.append("  ".join(cells).rstrip())
    return lines


def run_show(args: argparse.Namespace) -> int:
    """greenlist criteria show: every value of a ruleset with its clause and source."""
    lang: str = args.lang
    texts = catalogue()
    try:
        ruleset = _ruleset(args.ruleset)
    except RulesetError as exc:
        return _fail(Text(exc.message, exc.message_en), lang)
    header = [
        texts.get(f"cli.show.column.{column}", lang)
        for column in ("clause", "item", "value", "unit", "source", "key")
    ]
    rows = [header]
    for setting in ruleset.settable_keys():
        rows.append(
            [
                setting.clause,
                setting.description_en if lang == "en" else setting.description,
                _BOUND_SIGNS[setting.bound] + figure(setting.value, places=None),
                setting.unit,
                setting.source_en if lang == "en" else setting.source,
                setting.key,
            ]
        )
    title = texts.get("cli.show.title", lang, title=ruleset.title.text, ruleset=ruleset.spec)
    print(title)
    print()
    print("\n".join(_table(rows)))
    return EXIT_OK

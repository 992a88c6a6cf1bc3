"""The `greenlist` argument parser, speaking Chinese from the first word of its help.

The help texts of the commands are data (bot/data/cli_texts.yaml and the catalogues of the
assessor, admin and criteria commands); argparse's own words ("usage:", "options", "show
this help message and exit", its error messages) come from the same catalogue. argparse
looks them up through its module's `_` (gettext) while it builds a parser, formats help
or reports an error, so the parser puts the catalogue's lookup in its place for exactly
those calls and restores it after: nothing else in the process sees a changed argparse.
"""

from __future__ import annotations

import argparse
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, NoReturn

from bot.reports.texts import AssessorTexts, assessor_texts
from criteria.catalogue import DEFAULT_LANGUAGE

TEXTS_FILE = "cli_texts.yaml"

# What argparse says in English (its gettext message ids), and the catalogue's key for it.
_ARGPARSE_KEYS = {
    "usage: ": "argparse.usage",
    "positional arguments": "argparse.positional",
    "options": "argparse.options",
    "show this help message and exit": "argparse.help",
    "%(prog)s: error: %(message)s\n": "argparse.error",
    "argument %(argument_name)s: %(message)s": "argparse.argument",
    "the following arguments are required: %s": "argparse.required",
    "invalid choice: %(value)r (choose from %(choices)s)": "argparse.invalid_choice",
    "invalid %(type)s value: %(value)r": "argparse.invalid_value",
    "unrecognized arguments: %s": "argparse.unrecognized",
    "expected one argument": "argparse.expected_one",
    "expected at most one argument": "argparse.expected_at_most_one",
    "expected at least one argument": "argparse.expected_at_least_one",
    "ambiguous option: %(option)s could match %(matches)s": "argparse.ambiguous",
    "not allowed with argument %s": "argparse.not_allowed_with",
    "one of the arguments %s is required": "argparse.one_required",
    "ignored explicit argument %r": "argparse.ignored_explicit",
    "unknown parser %(parser_name)r (choices: %(choices)s)": "argparse.unknown_parser",
}

_lock = threading.RLock()


def cli_texts() -> AssessorTexts:
    return assessor_texts(TEXTS_FILE)


def cli_text(key: str, **params: Any) -> str:
    """A help text in the language help is shown in (argparse builds help before --lang is
    read, so it is the default language)."""
    return cli_texts().get(key, DEFAULT_LANGUAGE, **params)


def _translated(message: str) -> str:
    key = _ARGPARSE_KEYS.get(message)
    return cli_text(key) if key is not None else message


@contextmanager
def _argparse_speaks_chinese() -> Iterator[None]:
    """argparse's `_` looks its words up in the catalogue for the duration, re-entrantly."""
    with _lock:
        previous: Callable[[str], str] = argparse._  # type: ignore[attr-defined]
        argparse._ = _translated  # type: ignore[attr-defined]
        try:
            yield
        finally:
            argparse._ = previous  # type: ignore[attr-defined]


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose own words (usage, options, errors) are the catalogue's; its
    subcommands' parsers are Parsers too."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        with _argparse_speaks_chinese():
            super().__init__(*args, **kwargs)

    def parse_known_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        with _argparse_speaks_chinese():
            return super().parse_known_args(args, namespace)

    def format_usage(self) -> str:
        with _argparse_speaks_chinese():
            return super().format_usage()

    def format_help(self) -> str:
        with _argparse_speaks_chinese():
            text = super().format_help()
        # argparse ends a section's heading with an ASCII colon; Chinese writes it full width.
        for group in self._action_groups:
            if group.title:
                text = text.replace(f"\n{group.title}:\n", f"\n{group.title}：\n")
        return text

    def error(self, message: str) -> NoReturn:
        with _argparse_speaks_chinese():
            super().error(message)


__all__ = ["Parser", "cli_text", "cli_texts"]

"""One table of commands: every one answered, every one described in both languages."""

from __future__ import annotations

from bot.services.texts import load_catalogue
from bot.telegram.commands import COMMANDS, Scope, handler_names, menu
from conversations import LANGUAGES


def test_each_scope_menu_adds_to_the_one_below() -> None:
    supplier = [c.name for c in menu(Scope.SUPPLIER)]
    assessor = [c.name for c in menu(Scope.ASSESSOR)]
    admin = [c.name for c in menu(Scope.ADMIN)]
    assert supplier == [
        "start",
        "status",
        "review",
        "back",
        "skip",
        "help",
        "language",
        "new",
        "cancel",
        "mydata",
        "delete_my_data",
    ]
    assert assessor == [*supplier, "sessions", "find", "session", "export"]
    assert admin[: len(assessor)] == assessor
    assert set(admin) - set(assessor) == {
        "thresholds",
        "set",
        "rollback",
        "reevaluate",
        "grant",
        "revoke",
        "people",
        "audit",
    }


def test_every_command_has_a_menu_text_in_every_language() -> None:
    catalogue = load_catalogue()
    for command in COMMANDS:
        for lang in LANGUAGES:
            assert catalogue.text(command.menu_key, lang).strip(), (command.name, lang)


def test_every_name_is_answered_by_exactly_one_handler() -> None:
    names = [name for group in handler_names().values() for name in group]
    assert len(names) == len(set(names))
    assert set(names) == {c.name for c in COMMANDS} | {"lang"}

"""`greenlist chat`: the interview in a terminal, against the same database as the bot.

Buttons are listed with numbers and pressed by typing `#N`; a file is attached with
`/file PATH`. Everything else behaves as in Telegram, including resume across runs.
"""

from __future__ import annotations

import asyncio
import hashlib
import mimetypes
import sys
from pathlib import Path
from typing import TextIO

from bot.services.bootstrap import Services, open_services, prepare_database
from bot.services.outcome import Outcome, Who
from bot.settings import Settings
from conversations import (
    Button,
    ChoiceInput,
    Command,
    FileInput,
    Input,
    Reply,
    TextInput,
    callbacks,
)
from conversations.callbacks import PREFIX, SEPARATOR

NAVIGATION = {
    "/back": "back",
    "/skip": "skip",
    "/help": "help",
    "/review": "review",
    "/cancel": "cancel",
}


# Buttons a terminal user reaches by their command (/back, /help, /skip, as the banner
# says) rather than by a number: listed under every question they were most of what was
# printed, and said nothing new.
_BY_COMMAND = tuple(
    SEPARATOR.join((PREFIX, verb, "")) for verb in (callbacks.BACK, callbacks.HELP, callbacks.SKIP)
)


class NoSuchFile(str):
    """The path typed after /file, which names no readable file."""


def local_file(path_text: str) -> FileInput | NoSuchFile:
    """A local file as an upload, or the path that names none."""
    path = Path(path_text.strip().strip("'\"")).expanduser()
    if not path.is_file():
        return NoSuchFile(str(path))
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    return FileInput(
        file_id=f"local:{path.resolve()}",
        file_unique_id=digest[:16],
        file_name=path.name,
        mime_type=mimetypes.guess_type(path.name)[0] or "application/octet-stream",
        file_size=len(data),
        kind="document",
    )


class TerminalChat:
    def __init__(self, svc: Services, who: Who, out: TextIO = sys.stdout, lang: str = "zh") -> None:
        self.svc = svc
        self.who = who
        self.out = out
        self.lang = lang
        self.buttons: list[Button] = []
        self._last_text: str | None = None

    def t(self, key: str, **params: object) -> str:
        """A text of the chat in the person's language: nothing English in a Chinese chat."""
        return self.svc.catalogue.text(key, self.lang, **params)

    def show(self, outcome: Outcome) -> None:
        self.buttons = []
        for reply in outcome.replies:
            self._print_reply(reply)

    def _print_reply(self, reply: Reply) -> None:
        # A screen redrawn in place (an option ticked) has the same text: in a terminal,
        # which cannot edit what it printed, only its buttons are printed again.
        if not (reply.replace_previous and reply.text == self._last_text):
            print(reply.text, file=self.out)
        self._last_text = reply.text
        labels = []
        for row in reply.buttons:
            for button in row:
                if button.data.startswith(_BY_COMMAND):
                    continue
                self.buttons.append(button)
                labels.append(f"[#{len(self.buttons)}] {button.label}")
        if labels:
            print("  ".join(labels), file=self.out)
        print(file=self.out)

    def parse(self, line: str) -> Input | str:
        """What a typed line means: an input for the engine, or a message for the user."""
        text = line.strip()
        if text.startswith("#") and text[1:].isdigit():
            index = int(text[1:]) - 1
            if 0 <= index < len(self.buttons):
                return ChoiceInput(data=self.buttons[index].data)
            if not self.buttons:
                return self.t("chat.terminal_no_buttons", number=index + 1)
            return self.t("chat.terminal_no_button", number=index + 1, count=len(self.buttons))
        if text.startswith("/file"):
            upload = local_file(text.removeprefix("/file"))
            if isinstance(upload, NoSuchFile):
                return self.t("chat.terminal_no_file", path=str(upload))
            return upload
        command = text.split()[0].split("@")[0] if text.startswith("/") else ""
        if command in NAVIGATION:
            return Command.model_validate({"name": NAVIGATION[command]})
        if command:
            # As on Telegram: a command this chat does not know is never an answer.
            return self.t("chat.unknown_command")
        return TextInput(text=line)

    async def turn(self, line: str) -> bool:
        """Handle one line; False when the user wants to leave."""
        text = line.strip()
        interview = self.svc.interview
        if text in ("/quit", "/exit"):
            print(self.t("chat.terminal_quit"), file=self.out)
            return False
        if text == "/start":
            self.show(await interview.start(self.who))
        elif text == "/status":
            self.show(await interview.status(self.who))
        elif text == "/new":
            self.show(await interview.new_assessment(self.who))
        elif text.startswith("/language"):
            wanted = text.removeprefix("/language").strip()[:2] or None
            self.show(await interview.switch_language(self.who, wanted))
        else:
            parsed = self.parse(line)
            if isinstance(parsed, str):
                print(parsed, file=self.out)
            else:
                self.show(await interview.handle(self.who, parsed))
        return True


async def _chat(settings: Settings, who: Who, lines: TextIO, out: TextIO) -> None:
    async with open_services(settings) as svc:
        lang = who.language_hint or settings.default_language
        if lang not in svc.catalogue.languages:
            lang = settings.default_language
        chat = TerminalChat(svc, who, out, lang)
        print(chat.t("chat.terminal_banner"), file=out)
        chat.show(await svc.interview.start(who))
        while True:
            print("> ", end="", file=out, flush=True)
            line = await asyncio.to_thread(lines.readline)
            if not line:
                break
            if not await chat.turn(line.rstrip("\n")):
                break


def run_terminal_chat(
    settings: Settings,
    *,
    user_id: int,
    name: str,
    lang: str | None,
    lines: TextIO = sys.stdin,
    out: TextIO = sys.stdout,
) -> int:
    prepare_database(settings)
    who = Who(user_id=user_id, name=name, language_hint=lang)
    asyncio.run(_chat(settings, who, lines, out))
    return 0

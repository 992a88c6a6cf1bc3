"""Characters a supplier reads over one clean full interview in the terminal chat.

Runs `greenlist chat`'s TerminalChat on a throwaway SQLite database, answering every
question as the interview driver of the tests does (a qualified plant, every certificate
uploaded), and prints how many characters were printed: in all, up to and including the
review, and the verdict. Takes a few seconds.

    .venv/bin/python bench/interview_chars.py
    .venv/bin/python bench/interview_chars.py --show    # and the whole transcript
    PYTHONPATH=/path/to/other/checkout .venv/bin/python bench/interview_chars.py   # before/after
"""

from __future__ import annotations

import asyncio
import io
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.cli.terminal import TerminalChat
from bot.services.bootstrap import Services
from bot.services.outcome import Who
from bot.settings import load_settings
from conversations import (
    ChoiceInput,
    Command,
    Engine,
    FileInput,
    Input,
    InterviewState,
    TextInput,
)
from storage import upgrade
from tests.conversations.interview_driver import TODAY, inputs_for

USER = 77


def _line(chat: TerminalChat, inp: Input, folder: Path) -> str:
    if isinstance(inp, TextInput):
        return inp.text
    if isinstance(inp, ChoiceInput):
        numbers = [i for i, b in enumerate(chat.buttons, 1) if b.data == inp.data]
        return f"#{numbers[0]}"
    if isinstance(inp, Command):
        return f"/{inp.name}" + (f" {inp.arg}" if inp.arg else "")
    assert isinstance(inp, FileInput), inp
    path = folder / (inp.file_name or "file.pdf")
    path.write_bytes(b"%PDF-1.4 upload")
    return f"/file {path}"


async def measure(folder: Path, transcript: io.StringIO | None = None) -> tuple[int, int, int]:
    settings = load_settings(database_url=f"sqlite+aiosqlite:///{folder / 'chars.db'}")
    upgrade(settings.database_url)
    engine = Engine.default(today=lambda: TODAY)
    services = Services.create(settings, engine=engine)
    out = transcript if transcript is not None else io.StringIO()
    chat = TerminalChat(services, Who(user_id=USER, name="终端用户"), out)
    before_submit = 0
    try:
        print(services.catalogue.text("chat.terminal_banner", "zh"), file=out)
        await chat.turn("/start")
        for _ in range(400):  # a clean run takes about 100 turns
            async with services.db.unit_of_work() as uow:
                row = await uow.sessions.open_for_owner(USER)
            if row is None:
                break
            state = InterviewState.model_validate(row.state)
            if state.mode == "review":
                before_submit = len(out.getvalue())
                submit = engine.catalogue.text("button.submit", "zh")
                await chat.turn(f"#{[b.label for b in chat.buttons].index(submit) + 1}")
                continue
            for inp in inputs_for(engine, state, {}):
                await chat.turn(_line(chat, inp, folder))
        else:
            raise RuntimeError("the interview did not end:\n" + out.getvalue()[-2000:])
    finally:
        await services.db.dispose()
    total = len(out.getvalue())
    return total, before_submit, total - before_submit


def main() -> None:
    transcript = io.StringIO()
    with tempfile.TemporaryDirectory() as tmp:
        total, review, verdict = asyncio.run(measure(Path(tmp), transcript))
    if "--show" in sys.argv[1:]:
        print(transcript.getvalue())
    print(f"characters printed over a clean full interview: {total:,}")
    print(f"  greeting to the review, inclusive: {review:,}")
    print(f"  submit and verdict: {verdict:,}")


if __name__ == "__main__":
    main()

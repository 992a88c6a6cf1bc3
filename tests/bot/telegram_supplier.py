"""A supplier in Telegram, played through the fake Bot API: reads what the bot shows and answers.

It recognises the question on screen by its prompt text (what the supplier sees), presses
buttons by their labels and types answers, so the tests exercise exactly what a person does.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from conversations import Catalogue, Engine, Question
from tests.conversations.interview_driver import CHOSEN, TYPED
from tests.fakebot import FakeUser, SentMessage

PROGRESS = re.compile(r"第 \d+/\d+ 部分 · |Part \d+/\d+ · ")


class TelegramSupplier:
    def __init__(self, user: FakeUser, engine: Engine, lang: str = "zh") -> None:
        self.user = user
        self.engine = engine
        self.lang = lang
        self.catalogue: Catalogue = engine.catalogue
        prompts = {q.id: self.t(q.prompt) for q in engine.bank.questions}
        # Longest first, so a prompt that contains a shorter one is still told apart.
        self._prompts = sorted(prompts.items(), key=lambda item: -len(item[1]))
        self.asked: list[str] = []

    def t(self, key: str, **params: object) -> str:
        return self.catalogue.text(key, self.lang, **params)

    def question_on_screen(self, message: SentMessage) -> Question | None:
        for qid, prompt in self._prompts:
            if prompt in message.text:
                return self.engine.bank.question(qid)
        return None

    def is_screen(self, message: SentMessage) -> bool:
        """A message that asks for something: a question or the review."""
        if PROGRESS.search(message.text) or self.t("review.title") in message.text:
            return True
        return self.question_on_screen(message) is not None

    async def next_screen(self) -> SentMessage:
        return await self.user.wait_for(self.is_screen)

    async def next_redraw(self) -> SentMessage:
        """The next message redrawn in place (a toggled choice), passing over the earlier
        screens whose buttons were taken away once they were answered."""
        while True:
            edited = await self.user.next_edit()
            if edited.method != "editMessageReplyMarkup":
                return edited

    async def start(self) -> SentMessage:
        await self.user.send_command("start")
        return await self.next_screen()

    async def answer(
        self, screen: SentMessage, plan: Mapping[str, str] | None = None
    ) -> SentMessage:
        """Answer the question on `screen` as the plan says (typed text or a button label),
        otherwise as a qualified plant would; return the next screen."""
        question = self.question_on_screen(screen)
        assert question is not None, f"no question recognised in:\n{screen.text}"
        self.asked.append(question.id)
        plan = plan or {}
        qid = question.id
        if qid in plan:
            wanted = plan[qid]
            if wanted in labels(screen):
                await self.user.press(wanted, screen)
            else:
                await self.user.send_text(wanted)
            if question.kind == "multi_choice":
                await self.next_redraw()
                await self.user.press(self.t("button.done"))
            return await self.next_screen()
        if question.kind == "yes_no":
            await self.user.press(self.t("button.yes"), screen)
        elif question.kind == "single_choice":
            await self.user.press(self.t(question.options[0].label), screen)
        elif question.kind == "multi_choice":
            edited = screen
            for value in CHOSEN.get(qid, (question.options[0].value,)):
                label = next(o.label for o in question.options if o.value == value)
                await self.user.press(self.t(label), edited)
                edited = await self.next_redraw()
            await self.user.press(self.t("button.done"), edited)
        elif question.kind in ("file", "link_or_file"):
            await self.user.send_document(
                f"{qid}.pdf", b"%PDF-1.4 " + qid.encode(), "application/pdf"
            )
            done = self.t("button.done")
            received = await self.user.wait_for(lambda m: done in labels(m))
            await self.user.press(done, received)
        elif qid not in TYPED and question.optional:
            await self.user.press(self.t("button.skip"), screen)
        else:
            await self.user.send_text(TYPED[qid])
        return await self.next_screen()

    async def answer_until(
        self, screen: SentMessage, stop: str | None = None, plan: Mapping[str, str] | None = None
    ) -> SentMessage:
        """Answer question after question until `stop` is on screen, or the review."""
        for _ in range(120):
            question = self.question_on_screen(screen)
            if question is None or question.id == stop:
                return screen
            screen = await self.answer(screen, plan)
        raise AssertionError("the interview did not end")


def labels(message: SentMessage) -> set[str]:
    return {label for row in message.buttons for label, _ in row}

"""The texts an interview needs, checked before an engine is built.

A missing text would otherwise surface only when a supplier reaches the screen that uses
it; listing them lets the engine (and a test) refuse a catalogue that lacks one up front.
"""

from __future__ import annotations

from collections.abc import Iterator

from conversations.bank import QuestionBank

__all__ = ["ENGINE_TEXTS", "bank_texts"]

# Texts the engine itself uses; with the keys named in the question bank, every one of them
# must exist in every language before an engine is built.
ENGINE_TEXTS: tuple[str, ...] = (
    "progress.line",
    "button.yes",
    "button.no",
    "button.back",
    "button.skip",
    "button.help",
    "button.done",
    "button.keep",
    "button.clear_files",
    "button.selected",
    "button.submit",
    "button.continue",
    "button.edit_section",
    "button.back_to_review",
    "question.current_value",
    "question.multi_hint",
    "question.file_hint",
    "question.link_or_file_hint",
    "question.files_received",
    "value.yes",
    "value.no",
    "value.skipped",
    "reading.confirm",
    "reading.date",
    "reading.confirmed",
    "reading.kept",
    "reading.refused",
    "reading.field.number",
    "reading.field.expires",
    "value.unanswered",
    "value.amount",
    "value.percent",
    "value.photo",
    "value.list_separator",
    "value.none",
    "review.title",
    "review.section_heading",
    "review.line",
    "review.footer_complete",
    "review.footer_incomplete",
    "review.help",
    "review.use_buttons",
    "review.edit_choose",
    "notice.no_back",
    "notice.dropped",
    "notice.invalidated",
    "notice.file_unexpected",
    "file.accepted",
    "file.duplicate",
    "submit.incomplete",
    "submit.invalid",
    "submit.done",
    "language.choose",
    "language.name.zh",
    "language.name.en",
    "chat.welcome_back",
    "chat.cancel_confirm",
    "chat.cancel_yes",
    "chat.cancel_no",
    "chat.cancelled",
    "chat.language_switched",
    "chat.submitted_frozen",
    "chat.file_too_large",
    "chat.file_wrong_type",
    "chat.stale_button",
    "chat.nothing_to_skip",
    "chat.verdict_heading",
    "error.number.not_a_number",
    "error.number.several",
    "error.number.negative",
    "error.number.ambiguous",
    "error.number.approximate",
    "error.date.invalid_month",
    "error.date.period_unfinished",
    "notice.derived",
    "notice.expired",
    "example.month",
    "example.day",
    "error.number.unit",
    "error.number.too_small",
    "error.number.too_large",
    "error.number.not_above",
    "error.rule.le",
    "error.rule.ge",
    "error.rule.sum_max",
    "error.rule.span_months",
    "error.date.invalid",
    "error.date.day_required",
    "error.date.expired",
    "error.date.future",
    "error.date.not_yet",
    "error.credit_code.length",
    "error.credit_code.charset",
    "error.credit_code.check",
    "error.phone.invalid",
    "error.text.empty",
    "error.text.too_long",
    "error.text.pattern",
    "error.link.invalid",
    "error.choice.unknown",
    "error.multi.empty",
    "error.multi.exclusive",
    "error.file.expected",
    "error.file.none_yet",
    "error.file.too_many",
)


def bank_texts(bank: QuestionBank) -> Iterator[str]:
    """Every text key the question bank names: titles, units, prompts, options."""
    for section in bank.sections:
        yield section.title
    for unit in bank.units.values():
        yield unit.label
    for question in bank.questions:
        yield from (question.prompt, question.help, question.label, question.example)
        for option in question.options:
            yield option.label

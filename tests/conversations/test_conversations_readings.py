"""Values read from an uploaded certificate: put to the supplier while the interview goes on,
used only once confirmed, asked again at the review, and nothing said of an unreadable file."""

from __future__ import annotations

from datetime import date

from interview_driver import Chat
from interview_plans import ENGINE, at

from bot.services.evidence_readings import card_reading

DIGEST = "ab" * 32


def _read(chat: Chat, fields: dict[str, str] | None, question: str = "qms_certificate") -> None:
    chat.result = ENGINE.file_read(chat.state, DIGEST, question, "证书.pdf", fields)


def test_a_read_expiry_that_differs_is_asked_and_yes_replaces_the_typed_one() -> None:
    chat = at("qms_certificate")
    typed = chat.state.answers["qms_expiry"]
    assert typed != "2031-03-01"
    _read(chat, {"expires": "2031-03-01", "number": chat.state.answers["qms_certificate_no"]})
    assert [r.text for r in chat.replies] == ["证书上的有效期至 2031年3月1日，对吗？"]
    assert chat.current == "qms_certificate"  # the interview goes on where it was
    chat.tap("是")
    assert chat.state.answers["qms_expiry"] == "2031-03-01"
    assert chat.replies[0].text == "已按证书改为：有效期至 2031年3月1日。"
    assert chat.current == "qms_certificate"
    assert chat.state.readings[DIGEST].replies == {"number": "agreed", "expires": "confirmed"}


def test_no_keeps_what_was_typed() -> None:
    chat = at("qms_certificate")
    typed = chat.state.answers["qms_expiry"]
    _read(chat, {"expires": "2031-03-01"})
    chat.tap("否")
    assert chat.state.answers["qms_expiry"] == typed
    assert chat.replies[0].text.startswith("好的，仍以您填写的为准")
    assert chat.state.readings[DIGEST].replies == {"expires": "kept"}


def test_a_read_number_is_asked_as_the_certificate_says_it() -> None:
    chat = at("qms_certificate")
    _read(chat, {"number": "00124Q39999R1M"})
    assert chat.replies[0].text == "证书上的证书编号 00124Q39999R1M，对吗？"
    chat.tap("是")
    assert chat.state.answers["qms_certificate_no"] == "00124Q39999R1M"


def test_a_read_value_that_would_be_refused_if_typed_is_refused_too() -> None:
    chat = at("qms_certificate")
    typed = chat.state.answers["qms_certificate_no"]
    _read(chat, {"number": "Q" * 65})
    chat.tap("是")
    assert chat.state.answers["qms_certificate_no"] == typed
    assert chat.replies[0].text.startswith(f"证书上的证书编号 {'Q' * 65} 不能采用：")


def test_nothing_read_is_used_unconfirmed_and_the_review_asks_again() -> None:
    chat = at("qms_certificate")
    typed = chat.state.answers["qms_expiry"]
    _read(chat, {"expires": "2031-03-01"})
    chat.answer_until(lambda c: c.state.mode == "review")
    assert chat.state.answers["qms_expiry"] == typed
    assert "证书上的有效期至 2031年3月1日，对吗？" in [r.text for r in chat.replies]


def test_a_file_that_cannot_be_read_says_nothing_and_changes_nothing() -> None:
    chat = at("qms_certificate")
    before = dict(chat.state.answers)
    _read(chat, None)
    assert chat.replies == []
    assert chat.state.answers == before
    assert chat.state.readings[DIGEST].readable is False


def test_a_button_for_a_value_already_answered_is_stale() -> None:
    chat = at("qms_certificate")
    _read(chat, {"expires": "2031-03-01"})
    button = chat.replies[0].buttons[0][1].data
    chat.press(button)
    chat.press(button)
    assert chat.replies[0].text.startswith("这个按钮")
    assert chat.state.readings[DIGEST].replies == {"expires": "kept"}


def test_every_certificate_offers_its_read_date_of_issue() -> None:
    chat = at("energy_management_file")
    typed = chat.state.answers["enms_issued"]
    assert typed != "2024-02-01"
    _read(chat, {"issued": "2024-02-01", "number": "ENMS-2024-0099"}, "energy_management_file")
    assert [r.text for r in chat.replies] == [
        "证书上的证书编号 ENMS-2024-0099，对吗？",
        "证书上的发证日期 2024年2月1日，对吗？",
    ]
    chat.tap("是")  # the latest question: the date
    assert chat.state.answers["enms_issued"] == "2024-02-01"
    assert chat.replies[0].text == "已按证书改为：发证日期 2024年2月1日。"
    assert chat.state.readings[DIGEST].replies == {"issued": "confirmed"}


def test_a_test_report_offers_the_content_it_measured() -> None:
    chat = at("waste_report_file")
    assert chat.state.answers["report_content"] not in ("88", 88)
    same_day = chat.state.answers["report_date"]
    _read(chat, {"content_pct": "88", "issued": same_day}, "waste_report_file")
    assert [r.text for r in chat.replies] == ["证书上的固废掺加量 88%，对吗？"]
    chat.tap("是")
    assert chat.state.answers["report_content"] == "88"  # as a typed 88 is stored
    assert chat.state.readings[DIGEST].replies == {"issued": "agreed", "content_pct": "confirmed"}


def test_the_card_checks_a_test_reports_reading_against_its_date_and_measured_content() -> None:
    chat = at("waste_report_file")
    typed = chat.state.answers["report_content"]
    _read(
        chat,
        {"issued": chat.state.answers["report_date"], "content_pct": "61"},
        "waste_report_file",
    )
    card = card_reading(
        ENGINE.bank, chat.state, "waste_report_file", DIGEST, "某厂", date(2025, 6, 15)
    )
    assert card is not None and card.state == "differs"
    assert [field for field, _ in card.read] == ["issued", "content_pct"]
    assert any("61" in d.zh and str(typed) in d.zh for d in card.differences), card.differences

"""The state machine: what each input does to an interview, from ticking options and
sending files to going back, cancelling, switching language and resuming."""

from __future__ import annotations

import json

import pytest
from interview_driver import VALID_CODE, Chat, inputs_for, pdf, press
from interview_plans import ENGINE, at, example_of, refused

from conversations import (
    AnswerAccepted,
    ChoiceInput,
    FileAccepted,
    FileInput,
    FilesCleared,
    InterviewState,
    LanguageChanged,
    TextInput,
)

# -- every step works on a copy --------------------------------------------------------------


def test_stepping_never_changes_the_state_it_was_given() -> None:
    chat = at("white_list")
    frozen = chat.state.model_dump(mode="json")
    ENGINE.step(chat.state, ChoiceInput(data="iv:a:white_list:y"))
    ENGINE.step(chat.state, TextInput(text="no"))
    ENGINE.step(chat.state, ChoiceInput(data="iv:b:white_list"))
    assert chat.state.model_dump(mode="json") == frozen


def test_no_input_of_a_whole_interview_changes_the_state_it_was_given() -> None:
    """Ticked options, uploads waiting for "done", answers and the back stack included:
    the engine works on its own copy of every part of the state."""
    chat = Chat(ENGINE)
    inputs = 0
    while chat.state.mode == "interview":
        for inp in inputs_for(ENGINE, chat.state, {}):
            given = chat.state
            frozen = given.model_dump(mode="json")
            chat.send(inp)
            assert given.model_dump(mode="json") == frozen, (given.current, inp)
            inputs += 1
    assert inputs > 40
    given = chat.state
    frozen = given.model_dump(mode="json")
    ENGINE.step(given, TextInput(text="/back"))
    assert given.model_dump(mode="json") == frozen


# -- multi choice buttons -------------------------------------------------------------------


def test_multi_choice_buttons_toggle_in_place() -> None:
    chat = at("waste_types")
    chat.press("iv:t:waste_types:coal_gangue")
    assert chat.last.replace_previous
    assert chat.last.button_labels()[:4] == [
        "✅ 煤矸石",
        "粉煤灰",
        "其他固体废弃物",
        "无（不掺加固体废弃物）",
    ]
    assert chat.state.selection == ["coal_gangue"]
    assert "waste_types" not in chat.state.answers
    chat.press("iv:t:waste_types:fly_ash")
    chat.press("iv:t:waste_types:coal_gangue")
    assert chat.state.selection == ["fly_ash"]
    assert chat.last.button_labels()[:2] == ["煤矸石", "✅ 粉煤灰"]
    chat.tap("完成")
    assert chat.state.answers["waste_types"] == ["fly_ash"]
    assert chat.current == "fly_ash_pct"


def test_none_clears_the_other_choices_and_the_others_clear_none() -> None:
    chat = at("waste_types")
    chat.press("iv:t:waste_types:coal_gangue")
    chat.press("iv:t:waste_types:other")
    chat.press("iv:t:waste_types:none")
    assert chat.state.selection == ["none"]
    chat.press("iv:t:waste_types:fly_ash")
    assert chat.state.selection == ["fly_ash"]


def test_done_with_nothing_chosen_is_refused() -> None:
    chat = at("waste_types")
    chat.press("iv:d:waste_types")
    assert "请至少选择 1 项" in chat.replies[0].text
    assert example_of("waste_types") in chat.replies[0].text
    assert chat.current == "waste_types"


# -- skipping -------------------------------------------------------------------------------


def test_optional_questions_can_be_skipped_and_count_as_not_given() -> None:
    plan = {
        "energy_carriers": press("iv:t:energy_carriers:natural_gas")
        + press("iv:t:energy_carriers:other_gas")
        + press("iv:d:energy_carriers")
    }
    chat = at("natural_gas_lcv", plan)
    assert "（本题可跳过）" not in chat.last.text  # the skip button says it
    assert "iv:s:natural_gas_lcv" in chat.last.button_data()
    chat.command("skip")
    assert chat.state.answers["natural_gas_lcv"] is None
    assert chat.current == "other_gas_m3"
    chat.text("200万立方米")
    assert chat.current == "other_gas_factor"
    chat.tap("跳过")
    assert chat.state.answers["other_gas_factor"] is None
    document = ENGINE.answers_document(chat.state)
    assert document["energy"]["natural_gas_lcv_kj_per_m3"] is None
    assert document["energy"]["other_fuels"] == [
        {
            "name": "发生炉煤气等其他燃气",
            "amount": 2000000,
            "unit": "m3",
            "kgce_per_unit": 0,
            "source": "",
        }
    ]


def test_required_questions_cannot_be_skipped() -> None:
    chat = at("electricity_kwh")
    assert "iv:s:electricity_kwh" not in chat.last.button_data()
    chat.command("skip")
    assert chat.replies[0].text == "本题为必答题，不能跳过。"
    assert chat.current == "electricity_kwh"
    chat.press("iv:s:electricity_kwh")
    assert chat.replies[0].text == "本题为必答题，不能跳过。"
    assert "electricity_kwh" not in chat.state.answers


# -- files ----------------------------------------------------------------------------------


def test_a_file_question_takes_several_files_then_done() -> None:
    chat = at("qms_certificate")
    assert chat.last.expects_file
    assert chat.last.text.endswith("发送文件或照片（每个不超过 20 MB），发完点“完成”。")
    assert "20 MB" in chat.last.text
    first, second = pdf("page1.pdf"), pdf("page2.pdf")
    chat.upload(first)
    assert chat.result.effects == [FileAccepted(question_id="qms_certificate", file=first)]
    assert chat.last.text == "已收到“page1.pdf”（共 1 个）。发完点“完成”。"
    assert chat.last.button_data() == ["iv:d:qms_certificate", "iv:x:qms_certificate"]
    assert chat.last.expects_file
    chat.upload(second)
    assert chat.last.text == "已收到“page2.pdf”（共 2 个）。发完点“完成”。"
    assert "qms_certificate" not in chat.state.answers
    chat.tap("完成")
    assert chat.file_names("qms_certificate") == [
        "page1.pdf",
        "page2.pdf",
    ]
    assert chat.result.effects == [AnswerAccepted(question_id="qms_certificate")]
    assert chat.current == "environmental_management"


def test_photos_are_accepted() -> None:
    chat = at("qms_certificate")
    photo = FileInput(file_id="p1", file_unique_id="up1", file_size=90_000, kind="photo")
    chat.upload(photo)
    assert chat.result.effects == [FileAccepted(question_id="qms_certificate", file=photo)]
    assert "已收到“照片”" in chat.last.text


def test_files_of_the_wrong_type_or_too_large_are_refused() -> None:
    chat = at("qms_certificate")
    exe = FileInput(file_id="x", file_unique_id="ux", file_name="setup.exe", file_size=10)
    chat.upload(exe)
    assert chat.result.effects == []
    assert chat.replies[0].text == (
        "不支持文件“setup.exe”的格式。"
        "可接受的格式：PDF, JPG, JPEG, PNG, DOC, DOCX, XLS, XLSX, OFD, ZIP。"
    )
    chat.upload(pdf("huge.pdf", size=20 * 1024 * 1024 + 1))
    assert chat.result.effects == []
    assert "超过 20 MB" in chat.replies[0].text
    assert chat.current == "qms_certificate"
    assert chat.state.pending_files == {}


def test_the_same_file_twice_is_kept_once() -> None:
    chat = at("qms_certificate")
    chat.upload(pdf("a.pdf"))
    chat.upload(pdf("a.pdf"))
    assert chat.result.effects == []
    assert "已经收到过了（本题共 1 个文件）" in chat.last.text


def test_done_before_any_file_and_text_at_a_file_question_are_refused() -> None:
    chat = at("qms_certificate")
    chat.press("iv:d:qms_certificate")
    assert "还没有收到文件" in chat.replies[0].text
    assert example_of("qms_certificate") in chat.replies[0].text
    error = refused(chat, "稍后上传")
    assert "本题需要上传文件" in error and example_of("qms_certificate") in error


def test_removing_files_clears_them() -> None:
    chat = at("qms_certificate")
    chat.upload(pdf("wrong.pdf"))
    chat.tap("清空重传")
    assert chat.result.effects == [FilesCleared(question_id="qms_certificate")]
    assert chat.state.pending_files == {}
    assert chat.last.button_data() == ["iv:b:qms_certificate", "iv:h:qms_certificate"]


def test_files_sent_to_an_answered_question_join_the_earlier_ones() -> None:
    chat = at("environmental_management")
    chat.command("back")
    assert chat.current == "qms_certificate"
    assert "当前答案：qms_certificate.pdf" in chat.last.text
    chat.upload(pdf("page2.pdf"))
    assert chat.last.text == "已收到“page2.pdf”（共 2 个）。发完点“完成”。"
    chat.tap("完成")
    assert chat.file_names("qms_certificate") == ["qms_certificate.pdf", "page2.pdf"]


def test_too_many_files_are_refused() -> None:
    chat = at("qms_certificate")
    limit = ENGINE.bank.files.max_files
    for n in range(limit):
        chat.upload(pdf(f"p{n}.pdf"))
    chat.upload(pdf("one-more.pdf"))
    assert chat.result.effects == []
    assert f"最多接收 {limit} 个文件" in chat.replies[0].text


def test_a_publication_is_a_link_or_a_file() -> None:
    plan = {"ghg_accounted": press("iv:a:ghg_accounted:y")}
    chat = at("ghg_publication", plan)
    error = refused(chat, "on our website")
    assert "不是有效的网址" in error and example_of("ghg_publication") in error
    chat.text("www.example.com/ghg-2024")
    assert chat.state.answers["ghg_publication"] == "https://www.example.com/ghg-2024"

    chat = at("ghg_publication", plan)
    chat.upload(pdf("ghg.pdf"))
    chat.text("https://example.com/ghg")
    assert FilesCleared(question_id="ghg_publication") in chat.result.effects
    assert chat.state.answers["ghg_publication"] == "https://example.com/ghg"


def test_a_file_where_none_is_expected_is_declined() -> None:
    chat = at("white_list")
    chat.upload(pdf("stray.pdf"))
    assert chat.result.effects == []
    assert chat.replies[0].text == "现在不需要上传文件。"
    assert chat.current == "white_list"


# -- back, help, stale buttons --------------------------------------------------------------


def test_back_shows_the_previous_answer_and_offers_to_keep_it() -> None:
    chat = at("contact_person")
    chat.tap("返回")
    assert chat.current == "credit_code"
    assert f"当前答案：{VALID_CODE}" in chat.last.text
    assert "iv:k:credit_code" in chat.last.button_data()
    chat.tap("保留当前答案")
    assert chat.current == "contact_person"
    assert chat.state.answers["credit_code"] == VALID_CODE
    assert chat.result.effects == []


def test_back_at_the_first_question_says_there_is_nowhere_to_go() -> None:
    chat = Chat(ENGINE)
    chat.command("back")
    assert chat.replies[0].text == "这已经是第一题，无法再返回。"
    assert chat.current == "company_name"


def test_back_skips_questions_that_no_longer_apply() -> None:
    chat = at("environmental_management")
    for _ in range(7):
        chat.command("back")
    assert chat.current == "quality_management"
    chat.press("iv:a:quality_management:n")
    assert chat.current == "environmental_management"
    chat.command("back")
    assert chat.current == "quality_management"
    chat.command("back")
    assert chat.current == "white_list"


def test_help_explains_and_asks_the_same_question_again() -> None:
    chat = at("raw_total_t")
    chat.command("help")
    assert chat.replies[0].text == ENGINE.catalogue.text("q.raw_total_t.help", "zh")
    assert chat.current == "raw_total_t"
    assert "评价期内使用的主要原材料总量" in chat.last.text
    chat.press("iv:h:raw_total_t")
    assert chat.replies[0].text == ENGINE.catalogue.text("q.raw_total_t.help", "zh")


@pytest.mark.parametrize(
    "data",
    [
        "iv:a:lawful_operation:y",  # an old question's button
        "iv:a:white_list:maybe",  # not an option
        "iv:a:white_list",  # missing its option
        "iv:t:white_list:y",  # a toggle on a yes/no question
        "iv:zz:white_list",  # unknown verb
        "iv:ed:company_name",  # edit outside the review
        "iv:rv:submit",  # submit outside the review
        "iv:rv:sec:nowhere",
        "iv:cc:y",  # a cancellation nobody asked for
        "iv:k:white_list",  # keep an answer that does not exist
        "iv:lang:fr",
        "iv::white_list:y",
        "iv:a:white_list:y:extra",
        "other:a:white_list:y",
        "",
        "iv:" + "x" * 100,
        "iv:a:white_list:y\x00",
    ],
)
def test_stale_and_forged_buttons_change_nothing(data: str) -> None:
    chat = at("white_list")
    before = chat.state.model_dump(mode="json")
    chat.press(data)
    assert len(chat.replies) == 1, "one message: the notice above the current question"
    assert chat.last.text.startswith(
        "这个按钮来自较早的消息，已经失效。请使用最新消息中的按钮。\n\n"
    )
    assert chat.current == "white_list"
    assert "企业是否在房地产行业绿色供应链“白名单”内" in chat.last.text
    assert chat.state.model_dump(mode="json") == before
    assert chat.result.effects == []


# -- cancel and language --------------------------------------------------------------------


def test_cancel_asks_first_and_declining_returns_to_the_question() -> None:
    chat = at("white_list")
    answers = dict(chat.state.answers)
    chat.command("cancel")
    assert chat.state.mode == "confirm_cancel"
    assert chat.last.text == "确定要放弃本次评价吗？已填写的答案和已上传的文件都将删除。"
    assert chat.last.button_labels() == ["确定放弃", "继续填写"]
    chat.text("随便")
    assert chat.state.mode == "confirm_cancel"
    chat.tap("继续填写")
    assert chat.state.mode == "interview"
    assert chat.current == "white_list"
    assert chat.state.answers == answers
    assert chat.result.effects == []


def test_confirming_cancel_tells_the_front_end() -> None:
    chat = at("white_list")
    chat.command("cancel")
    chat.tap("确定放弃")
    assert [type(e).__name__ for e in chat.result.effects] == ["CancelConfirmed"]
    assert chat.last.text == "已放弃本次评价。发送 /new 可以重新开始。"


def test_cancel_can_be_confirmed_by_typing() -> None:
    chat = at("white_list")
    chat.command("cancel")
    chat.text("是")
    assert [type(e).__name__ for e in chat.result.effects] == ["CancelConfirmed"]


def test_switching_language_repeats_the_question_in_english() -> None:
    chat = at("white_list")
    chat.command("language", "en")
    assert chat.result.effects == [LanguageChanged(lang="en")]
    assert chat.replies[0].text == "Switched to English."
    assert chat.last.text.startswith("Is the company on the real-estate green supply chain")
    assert "white list" in chat.last.text
    assert chat.last.button_labels()[:2] == ["Yes", "No"]
    chat.text("yes")
    assert chat.state.answers["white_list"] is True


def test_language_without_a_choice_offers_the_languages() -> None:
    chat = at("white_list")
    chat.command("language")
    assert chat.last.button_data() == ["iv:lang:zh", "iv:lang:en"]
    assert chat.state.lang == "zh"
    chat.press("iv:lang:en")
    assert chat.state.lang == "en"
    assert chat.result.effects == [LanguageChanged(lang="en")]


def test_set_language_keeps_the_place_and_refuses_unknown_languages() -> None:
    chat = at("white_list")
    result = ENGINE.set_language(chat.state, "en")
    assert result.state.lang == "en"
    assert result.state.current == "white_list"
    with pytest.raises(ValueError, match="unknown language 'fr'"):
        ENGINE.set_language(chat.state, "fr")


# -- resuming -------------------------------------------------------------------------------


def test_resume_welcomes_back_and_repeats_the_question() -> None:
    chat = at("white_list")
    result = ENGINE.resume(chat.state)
    assert result.replies[0].text == "欢迎回来！您的答案都已保存，我们从上次的位置继续。"
    assert result.state.current == "white_list"
    assert "白名单" in result.replies[-1].text


def test_an_unstarted_state_starts_at_the_first_question() -> None:
    result = ENGINE.step(InterviewState(), TextInput(text="你好"))
    assert result.state.current == "company_name"
    assert result.state.answers == {}


def test_a_state_from_an_older_bank_is_repaired() -> None:
    old = InterviewState(
        current="retired_question",
        answers={"company_name": "某公司", "retired_question": "x"},
        back_stack=["company_name", "retired_question"],
        pending_files={"retired_question": [pdf()]},
    )
    result = ENGINE.step(old, TextInput(text=VALID_CODE))
    assert result.state.answers == {"company_name": "某公司", "credit_code": VALID_CODE}
    assert result.state.current == "contact_person"


def test_control_characters_are_dropped_from_what_suppliers_send() -> None:
    """NUL and other control characters mean nothing in an answer (and PostgreSQL's JSON
    cannot hold NUL): they never reach the state; tabs and line breaks stay."""
    from conversations import Command, FileInput, TextInput

    assert TextInput(text="河北\x00红砖\x07厂\t一期\n").text == "河北红砖厂\t一期\n"
    file = FileInput(file_id="f", file_unique_id="u", file_name="证书\x00.pdf", mime_type="a\x1f")
    assert (file.file_name, file.mime_type) == ("证书.pdf", "a")
    assert Command(name="language", arg="e\x00n").arg == "en"
    chat = Chat(ENGINE)
    chat.text("冀南\x00新型墙材有限公司")
    stored = json.dumps(chat.state.model_dump(mode="json"), ensure_ascii=False)
    assert "冀南新型墙材有限公司" in stored and "\\u0000" not in stored

"""What the supplier sees: progress, the buttons a question offers, the review."""

from __future__ import annotations

from interview_driver import Chat
from interview_plans import ENGINE, at, completed

from conversations import Command

# -- where the supplier is ------------------------------------------------------------------


def test_the_first_question_shows_progress_and_has_no_back_button() -> None:
    chat = Chat(ENGINE)
    total = len(ENGINE.bank.applicable({}))
    assert chat.last.text.startswith(f"第 1/{total} 题 · 企业信息\n\n企业名称是什么")
    assert chat.last.button_data() == ["iv:h:company_name"]
    assert ENGINE.progress(chat.state) == (1, total, "企业信息")


def test_every_question_shows_where_the_supplier_is() -> None:
    chat = at("raw_total_t")
    position, total, section = ENGINE.progress(chat.state)
    assert section == "原材料本地化"
    assert chat.last.text.startswith(f"第 {position}/{total} 题 · 原材料本地化")
    assert (
        position
        == [q.id for q in ENGINE.bank.applicable(chat.state.answers)].index("raw_total_t") + 1
    )


def test_follow_up_questions_count_once_they_apply() -> None:
    chat = at("quality_management")
    _, before, _ = ENGINE.progress(chat.state)
    chat.press("iv:a:quality_management:y")
    _, after, _ = ENGINE.progress(chat.state)
    assert after == before + 3


# -- buttons --------------------------------------------------------------------------------


def test_yes_no_questions_have_two_buttons_and_a_back_button() -> None:
    chat = at("lawful_operation")
    assert chat.last.buttons[0][0].label == "是"
    assert chat.last.buttons[0][1].label == "否"
    assert chat.last.button_data() == [
        "iv:a:lawful_operation:y",
        "iv:a:lawful_operation:n",
        "iv:b:lawful_operation",
        "iv:h:lawful_operation",
    ]
    chat.press("iv:a:lawful_operation:n")
    assert chat.state.answers["lawful_operation"] is False
    assert chat.current == "white_list"


# -- the review -----------------------------------------------------------------------------


def test_the_review_groups_answers_by_section_with_units_and_file_names() -> None:
    chat = completed()
    review = chat.last
    assert review.text.startswith(
        "请核对您的答案\n\n【企业信息】\n企业名称：石家庄某某新型建材有限公司\n"
    )
    for line in (
        "评价期开始：2024-01",
        "评价期结束：2024-12",
        "产品类别：烧结多孔砖和多孔砌块",
        "掺加的固体废弃物：煤矸石",
        "煤矸石掺加量：85%",
        "主要原材料总量（不含固废）：52,000 吨",
        "用电量：2,400,000 千瓦时",
        "质量管理体系证书文件：qms_certificate.pdf",
        "公布网址或文件：ghg_publication.pdf",
    ):
        assert f"\n{line}\n" in review.text
    assert review.text.endswith("提交后答案将冻结。")
    labels = review.button_labels()
    assert labels[:2] == ["✏️ 企业信息", "✏️ 产品类别"]
    assert labels[-1] == "📨 提交评价"
    assert all(len(row) <= 2 for row in review.buttons)


def test_the_summary_is_one_block_per_section_for_assessors_too() -> None:
    chat = completed()
    blocks = ENGINE.summary(chat.state)
    assert [b.splitlines()[0] for b in blocks] == [
        "【企业信息】", "【产品类别】", "【基本要求】", "【固体废弃物】",
        "【原材料本地化】", "【能源】", "【温室气体】", "【绿色评价与认证】",
    ]  # fmt: skip
    english = ENGINE.summary(chat.state.model_copy(update={"lang": "en"}))
    assert "Electricity: 2,400,000 kWh" in english[5]
    assert "Natural gas: 3,500,000 m³" in english[5]


def test_skipped_answers_show_as_skipped() -> None:
    chat = completed({"natural_gas_m3": [Command(name="skip")]})
    assert "\n天然气消耗量：（已跳过）\n" in chat.last.text

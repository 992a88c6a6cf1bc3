"""What the supplier sees: progress, the buttons a question offers, the review."""

from __future__ import annotations

import re

from interview_driver import Chat
from interview_plans import ENGINE, at, completed

from conversations import ChoiceInput, Command, Input, TextInput

PROGRESS = re.compile(r"第 (?P<position>\d+)/(?P<total>\d+) 部分 · ")

# -- where the supplier is ------------------------------------------------------------------


def test_the_first_question_shows_progress_and_has_no_back_button() -> None:
    chat = Chat(ENGINE)
    assert chat.last.text.startswith("第 1/8 部分 · 企业信息\n\n企业名称是什么")
    assert chat.last.button_data() == ["iv:h:company_name"]
    assert ENGINE.progress(chat.state) == (1, 8, "企业信息")


def test_every_question_shows_which_part_the_supplier_is_in() -> None:
    chat = at("raw_total_t")
    assert ENGINE.progress(chat.state) == (5, 8, "原材料本地化")
    assert chat.last.text.startswith("第 5/8 部分 · 原材料本地化")


def test_follow_up_questions_do_not_move_the_progress_back() -> None:
    chat = at("quality_management")
    before = ENGINE.progress(chat.state)
    chat.press("iv:a:quality_management:y")
    assert ENGINE.progress(chat.state) == before
    assert chat.current == "qms_proof"


def _branch_plans() -> list[dict[str, list[Input]]]:
    """One plan per answer of every question that opens or closes others, besides the
    qualified plant's default: each option of each choice, "no" to each yes/no."""
    plans: list[dict[str, list[Input]]] = [{}]
    for q in ENGINE.bank.questions:
        if q.kind == "yes_no":
            plans.append({q.id: [ChoiceInput(data=f"iv:a:{q.id}:n")]})
        elif q.kind == "single_choice":
            plans += [{q.id: [ChoiceInput(data=f"iv:a:{q.id}:{o.value}")]} for o in q.options]
        elif q.kind == "multi_choice":
            for o in q.options:
                plans.append(
                    {
                        q.id: [
                            ChoiceInput(data=f"iv:t:{q.id}:{o.value}"),
                            ChoiceInput(data=f"iv:d:{q.id}"),
                        ]
                    }
                )
    everything_no = {
        q.id: [ChoiceInput(data=f"iv:a:{q.id}:n")]
        for q in ENGINE.bank.questions
        if q.kind == "yes_no"
    }
    # Energy figures asked back: confirmed, corrected, and electricity alone on a kiln.
    per_tonne = {
        "output_t": [TextInput(text="120000")],
        "energy_mode": [ChoiceInput(data="iv:a:energy_mode:total")],
        "total_kgce": [TextInput(text="46")],
    }
    asked_back = [
        per_tonne,
        {
            **per_tonne,
            "energy_check": [
                ChoiceInput(data="iv:a:energy_check:correct"),
                TextInput(text="5520 tce"),
            ],
        },
        {
            "energy_carriers": [
                ChoiceInput(data="iv:t:energy_carriers:none"),
                ChoiceInput(data="iv:d:energy_carriers"),
            ]
        },
    ]
    return [*plans, everything_no, *asked_back]


def test_progress_never_decreases_over_a_full_interview_in_any_branch() -> None:
    plans = _branch_plans()
    assert len(plans) > 20
    for plan in plans:
        chat = Chat(ENGINE)
        shown = [ENGINE.progress(chat.state)[0]]
        while chat.state.mode == "interview":
            chat.answer(plan)
            shown.append(ENGINE.progress(chat.state)[0])
            for reply in chat.replies:
                found = PROGRESS.match(reply.text)
                if found:
                    assert int(found["position"]) == shown[-1]
                    assert found["total"] == "8"
        assert shown == sorted(shown), plan
        assert shown[-1] == 8


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
    chat = completed({"natural_gas_lcv": [Command(name="skip")]})
    assert "\n天然气低位发热量：（已跳过）\n" in chat.last.text

"""What assessors see for stored times, numbers and names, defined once for every file."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.reports.display import (
    category_label,
    local_time,
    ordered_clauses,
    start_of_day_utc,
    status_names,
)
from conversations import QuestionBank
from conversations.localtime import local_zone, to_local
from criteria.figures import figure_or_none


def test_the_one_time_zone_is_the_question_banks() -> None:
    assert local_zone().key == QuestionBank.load().timezone == "Asia/Shanghai"
    assert to_local(datetime(2024, 3, 1, 16, 30, tzinfo=UTC)).isoformat() == (
        "2024-03-02T00:30:00+08:00"
    )
    # A time without a zone was stored in UTC.
    assert to_local(datetime(2024, 3, 1, 16, 30)).hour == 0


def test_times_are_shown_on_the_wall_clock_of_the_local_zone() -> None:
    assert local_time(datetime(2024, 3, 1, 16, 30, 5, 900, tzinfo=UTC)) == datetime(
        2024, 3, 2, 0, 30, 5
    )
    assert local_time(None) is None
    assert start_of_day_utc(date(2024, 3, 2)) == datetime(2024, 3, 1, 16, 0, tzinfo=UTC)


def test_numbers_names_and_clause_order() -> None:
    assert figure_or_none("7937748.154") == "7,937,748.15"
    assert figure_or_none(185000) == "185,000"
    assert figure_or_none("2.345") == "2.35"
    assert figure_or_none("n/a") is None
    assert category_label("hollow_brick") == "烧结空心砖和空心砌块"
    assert category_label("unknown_brick") == "unknown_brick"
    assert status_names("zh")["submitted"] == "已提交待审核"
    evaluation = {"clauses": {"5.4": {}, "4.1a": {}, "5.2a": {}, "x": 1}}
    assert [clause for clause, _ in ordered_clauses(evaluation)] == ["4.1a", "5.2a", "5.4"]

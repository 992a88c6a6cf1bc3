"""The one local time zone: times are stored in UTC and shown to people in this zone.

The zone is data, the packaged question bank's `timezone`, so the interview's "today",
reminders, the bot's scheduled jobs, the assessors' files and the admin tools all read the
same definition. It sits here, at the lowest layer that shows times, so every layer above
can import it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from zoneinfo import ZoneInfo

from conversations.bank import QuestionBank


@cache
def local_zone() -> ZoneInfo:
    """The packaged question bank's time zone (Asia/Shanghai), read once per process."""
    return ZoneInfo(QuestionBank.load().timezone)


def to_local(moment: datetime) -> datetime:
    """A stored time as an aware datetime in the local zone; a naive time counts as UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(local_zone())


def local_minute(moment: datetime | None) -> str:
    """A stored time as people read it in a chat or on a card: local date and minute, or a
    dash for a time that never happened (a session not yet submitted)."""
    if moment is None:
        return "—"
    return to_local(moment).strftime("%Y-%m-%d %H:%M")


__all__ = ["local_minute", "local_zone", "to_local"]

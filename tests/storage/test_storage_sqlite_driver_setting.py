"""SQLITE_DRIVER picks the adapter the bot's database really connects through."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.dialects.sqlite.aiosqlite import AsyncAdapt_aiosqlite_connection

from bot.settings import ConfigError, load_settings
from storage import Database
from storage.sqlite_driver import TurnTakingConnection


def test_the_inline_driver_is_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SQLITE_DRIVER", raising=False)
    assert load_settings(_env_file=None).sqlite_driver == "inline"


def test_an_unknown_driver_is_refused_with_the_choices(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SQLITE_DRIVER", "pysqlite")
    with pytest.raises(ConfigError, match=r"SQLITE_DRIVER.*'inline' or 'stock'"):
        load_settings(_env_file=None)


@pytest.mark.parametrize(
    ("given", "adapter"),
    [("inline", TurnTakingConnection), (" Stock ", AsyncAdapt_aiosqlite_connection)],
)
async def test_the_setting_decides_the_adapter_connected_through(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, given: str, adapter: type
) -> None:
    monkeypatch.setenv("SQLITE_DRIVER", given)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'setting.db'}")
    settings = load_settings(_env_file=None)
    db = Database(settings.database_url, sqlite_driver=settings.sqlite_driver)
    try:
        async with db.engine.connect() as connection:
            raw = await connection.get_raw_connection()
            assert type(raw.dbapi_connection) is adapter
    finally:
        await db.dispose()

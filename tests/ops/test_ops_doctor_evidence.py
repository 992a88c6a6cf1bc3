"""`greenlist doctor` checks the evidence store: writable, reachable, free space."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from bot.cli.doctor import Check, diagnose
from bot.settings import Settings

SettingsFactory = Callable[..., Settings]


def _evidence(checks: list[Check]) -> Check:
    (found,) = [check for check in checks if check.name == "evidence"]
    return found


async def test_a_writable_directory_passes_with_its_free_space(
    settings_for: SettingsFactory, database_url: str, tmp_path: Path
) -> None:
    settings = settings_for(database_url=database_url, evidence_dir=str(tmp_path / "files"))
    found = _evidence(await diagnose(settings, offline=True, time_limit=3))
    assert found.status in ("ok", "warn")
    assert re.fullmatch(
        rf"writable at {re.escape(str(tmp_path / 'files'))}, (only )?\d+\.\d GiB free",
        found.detail,
    )


async def test_a_directory_that_cannot_be_created_fails(
    settings_for: SettingsFactory, database_url: str, tmp_path: Path
) -> None:
    (tmp_path / "blocker").write_text("a file where the directory should be")
    settings = settings_for(database_url=database_url, evidence_dir=str(tmp_path / "blocker/x"))
    found = _evidence(await diagnose(settings, offline=True, time_limit=3))
    assert found.status == "fail"
    assert found.detail.startswith(f"{tmp_path / 'blocker/x'}: not writable")


async def test_an_unreachable_bucket_fails_within_the_time_limit(
    settings_for: SettingsFactory, database_url: str
) -> None:
    settings = settings_for(
        database_url=database_url,
        evidence_s3_bucket="greenlist",
        evidence_s3_endpoint="http://127.0.0.1:1",
        evidence_s3_access_key="k",
        evidence_s3_secret_key="s",
    )
    found = _evidence(await diagnose(settings, offline=True, time_limit=3))
    assert found.status == "fail"
    assert found.detail.startswith("s3://greenlist (http://127.0.0.1:1): ")

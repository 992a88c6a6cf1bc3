from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli.main import build_parser, main
from storage import current_revision, head_revision

REPO = Path(__file__).resolve().parents[2]


def _all_command_paths(
    parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()
) -> list[tuple[str, ...]]:
    paths: list[tuple[str, ...]] = [prefix]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                paths.extend(_all_command_paths(sub, (*prefix, name)))
    return paths


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("TELEGRAM_BOT_TOKEN", "DATABASE_URL", "ADMIN_IDS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_every_command_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    paths = _all_command_paths(build_parser())
    assert ("run",) in paths and ("db", "upgrade") in paths and ("version",) in paths
    for path in paths:
        with pytest.raises(SystemExit) as exited:
            main([*path, "--help"])
        assert exited.value.code == 0
        out = capsys.readouterr().out
        assert out.startswith("用法：greenlist"), path


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["version"]) == 0
    assert capsys.readouterr().out.startswith("greenlist-bot 0.")


def test_db_upgrade_creates_the_default_sqlite_file(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["db", "current"]) == 1
    assert "greenlist db upgrade" in capsys.readouterr().out
    assert main(["db", "upgrade"]) == 0
    assert (workdir / "greenlist.db").is_file()
    assert current_revision("sqlite+aiosqlite:///greenlist.db") == head_revision()
    assert main(["db", "current"]) == 0
    assert "up to date" in capsys.readouterr().out


def test_run_without_token_says_so_in_one_line(workdir: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "run"],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.strip().splitlines() == [done.stderr.strip()], "one line, no traceback"
    assert "TELEGRAM_BOT_TOKEN is not set" in done.stderr


def test_bad_database_url_is_refused_clearly(workdir: Path) -> None:
    env = dict(os.environ, DATABASE_URL="mysql://root@localhost/green")
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "db", "upgrade"],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "DATABASE_URL" in done.stderr
    assert "Traceback" not in done.stderr


def test_run_says_when_telegram_cannot_be_reached(workdir: Path) -> None:
    env = dict(
        os.environ,
        TELEGRAM_BOT_TOKEN="123456:abc",
        TELEGRAM_API_BASE_URL="http://127.0.0.1:9/bot",  # nothing listens on the discard port
    )
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "run"],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("greenlist: cannot reach Telegram at http://127.0.0.1:9/bot")
    # PTB's own tracebacks of the failed start stay off the screen: only log lines before
    # it (the first run's migrations), then the one sentence.
    assert "Traceback" not in done.stderr and "Network Retry Loop" not in done.stderr
    assert all(" INFO " in line for line in done.stderr.strip().splitlines()[:-1])

    verbose = subprocess.run(
        [sys.executable, "-m", "bot.cli", "run", "--verbose"],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert verbose.returncode == 2
    assert "Traceback" in verbose.stderr and "Network Retry Loop" in verbose.stderr

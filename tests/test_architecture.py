"""The layers, as declared once in pyproject.toml's import-linter contracts.

The tree shows the architecture only while every import respects it, so the contracts run in
the suite (and `lint-imports` in CI). A contract that cannot fail protects nothing: each one
is also run against a copy of the tree with one forbidden import planted, and must catch it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("bot", "conversations", "criteria", "storage")


def _lint(root: Path, *contracts: str) -> subprocess.CompletedProcess[str]:
    """Run import-linter the way CI does, on the tree at `root`, without its cache."""
    selected = [arg for contract in contracts for arg in ("--contract", contract)]
    env = {**os.environ, "PYTHONPATH": str(root)}
    command = "from importlinter.cli import lint_imports_command; lint_imports_command()"
    return subprocess.run(
        [sys.executable, "-c", command, "--no-cache", "--no-logo", *selected],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_every_import_respects_the_declared_layers() -> None:
    result = _lint(REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 6 kept, 0 broken." in result.stdout


@pytest.fixture(scope="module")
def tree_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("tree")
    for package in PACKAGES:
        shutil.copytree(
            REPO / package, root / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    shutil.copy(REPO / "pyproject.toml", root / "pyproject.toml")
    return root


# (contract id, module planted, the import it makes, what the report must name)
PLANTED = [
    ("layers", "storage/_planted.py", "import bot.services.interview", "storage._planted"),
    ("criteria-pure", "criteria/_planted.py", "import conversations", "criteria._planted"),
    ("transport-free", "bot/services/_planted.py", "import telegram", "bot.services._planted"),
    ("transport-free", "conversations/_planted.py", "import aiohttp", "conversations._planted"),
    ("sql-in-storage", "bot/reports/_planted.py", "import sqlalchemy", "bot.reports._planted"),
    ("telegram-in-adapter", "bot/cli/_planted.py", "from telegram import Bot", "bot.cli._planted"),
    ("cli-on-top", "bot/telegram/_planted.py", "import bot.cli.main", "bot.telegram._planted"),
]


@pytest.mark.parametrize(("contract", "module", "statement", "named"), PLANTED)
def test_each_contract_catches_a_planted_import(
    tree_copy: Path, contract: str, module: str, statement: str, named: str
) -> None:
    planted = tree_copy / module
    planted.write_text(f"{statement}\n", encoding="utf-8")
    try:
        result = _lint(tree_copy, contract)
    finally:
        planted.unlink()
    assert result.returncode == 1, result.stdout + result.stderr
    assert named in result.stdout
    assert "1 broken" in result.stdout

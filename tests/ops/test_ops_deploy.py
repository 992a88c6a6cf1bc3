"""The deployment files, checked without Docker, systemd or nginx at hand.

Each test reads a file the way its tool would and asserts what an operator relies on:
the image runs `greenlist` as a non-root user, compose waits for a healthy database and
migrates before serving, the unit and the proxy point where the bot listens, and
`.env.example` documents exactly the settings the bot reads.
"""

from __future__ import annotations

import argparse
import ast
import configparser
import fnmatch
import re
import shlex
import sys
import tomllib
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from bot.settings import (
    DEFAULT_WEBHOOK_LISTEN,
    DEFAULT_WEBHOOK_PATH,
    DEFAULT_WEBHOOK_PORT,
    Settings,
    load_settings,
)

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
PACKAGES = ("bot", "conversations", "criteria", "storage")
ENV_LINE = re.compile(r"^#?\s?([A-Z][A-Z0-9_]*)=(.*)$")
COMPOSE_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?:[:?\-+][^}]*)?\}")


def _setting_names() -> set[str]:
    return {name.upper() for name in Settings.model_fields}


def _env_example() -> dict[str, str]:
    """NAME -> example value, for set and commented-out (`# NAME=value`) lines alike."""
    found: dict[str, str] = {}
    for line in (DEPLOY / ".env.example").read_text(encoding="utf-8").splitlines():
        match = ENV_LINE.match(line)
        if match:
            found[match.group(1)] = match.group(2)
    return found


def _compose() -> dict[str, Any]:
    loaded = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def _compose_variables() -> set[str]:
    return set(COMPOSE_VAR.findall((DEPLOY / "compose.yaml").read_text(encoding="utf-8")))


def _dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    instructions: list[tuple[str, str]] = []
    pending = ""
    for raw in (DEPLOY / "Dockerfile").read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        keyword, _, arguments = (pending + line).partition(" ")
        instructions.append((keyword.upper(), arguments.strip()))
        pending = ""
    assert not pending, "the Dockerfile ends inside a continued line"
    return instructions


def _exec_form(arguments: str) -> list[str]:
    """A JSON-array (exec form) or shell-form CMD/ENTRYPOINT as a list of words."""
    if arguments.startswith("["):
        words = yaml.safe_load(arguments)
        assert isinstance(words, list)
        return [str(word) for word in words]
    return shlex.split(arguments)


# --------------------------------------------------------------------- .env.example


def test_env_example_documents_every_setting() -> None:
    missing = _setting_names() - set(_env_example())
    assert not missing, f".env.example does not mention {sorted(missing)}"


def test_env_example_has_no_variable_nothing_reads() -> None:
    unknown = set(_env_example()) - _setting_names() - _compose_variables()
    assert not unknown, (
        f".env.example lists {sorted(unknown)}, which neither the bot nor compose reads"
    )


def test_env_example_values_are_valid_and_show_the_defaults() -> None:
    values = {name: value for name, value in _env_example().items() if value}
    settings_values = {
        name.lower(): value for name, value in values.items() if name in _setting_names()
    }
    settings = load_settings(**settings_values)  # every example value is accepted
    for name in settings_values:
        default = Settings.model_fields[name].default
        if default is not None:
            assert getattr(settings, name) == default, (
                f"{name.upper()} in .env.example is not the default"
            )


# --------------------------------------------------------------------- compose


def test_compose_runs_the_bot_after_a_healthy_postgresql_16() -> None:
    compose = _compose()
    services = compose["services"]
    assert set(services) == {"db", "bot"}
    db, bot = services["db"], services["bot"]
    assert re.fullmatch(r"postgres:16(\.\d+)?(-[a-z0-9]+)?", db["image"])
    test = db["healthcheck"]["test"]
    assert test[0] in {"CMD", "CMD-SHELL"} and "pg_isready" in " ".join(test[1:])
    assert bot["depends_on"]["db"]["condition"] == "service_healthy"
    assert bot["build"]["dockerfile"] == "deploy/Dockerfile"
    assert (DEPLOY / bot["build"]["context"] / bot["build"]["dockerfile"]).is_file()
    assert bot["env_file"] == ".env"


def test_compose_migrates_before_serving() -> None:
    command = _compose()["services"]["bot"]["command"]
    script = command[-1] if isinstance(command, list) else command
    upgrade, _, run = script.partition("&&")
    assert upgrade.split() == ["greenlist", "db", "upgrade"]
    assert run.split()[-2:] == ["greenlist", "run"]


def test_compose_volumes_are_declared_and_data_is_kept() -> None:
    compose = _compose()
    declared = set(compose.get("volumes") or {})
    used = set()
    for service in compose["services"].values():
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0]
            if not source.startswith((".", "/")):
                used.add(source)
    assert used and used <= declared
    db_volumes = compose["services"]["db"]["volumes"]
    assert any(v.endswith(":/var/lib/postgresql/data") for v in db_volumes)


def test_compose_database_url_matches_the_database_it_starts() -> None:
    compose = _compose()
    db_env = compose["services"]["db"]["environment"]
    url = compose["services"]["bot"]["environment"]["DATABASE_URL"]
    expected = (
        f"postgresql://{db_env['POSTGRES_USER']}:${{POSTGRES_PASSWORD}}@db:5432/"
        f"{db_env['POSTGRES_DB']}"
    )
    assert url == expected
    assert load_settings(database_url=url.replace("${POSTGRES_PASSWORD}", "pw")).database_url


def test_compose_publishes_the_webhook_port_on_loopback_only() -> None:
    bot = _compose()["services"]["bot"]
    assert bot["environment"]["WEBHOOK_LISTEN"] == "0.0.0.0"
    for mapping in bot.get("ports", []):
        assert mapping.startswith("127.0.0.1:"), mapping
    assert "ports" not in _compose()["services"]["db"]


def test_every_compose_variable_is_documented() -> None:
    undocumented = _compose_variables() - set(_env_example())
    assert not undocumented, f"compose.yaml uses {sorted(undocumented)} not in .env.example"


# --------------------------------------------------------------------- Dockerfile


def test_dockerfile_copies_only_what_exists() -> None:
    copies = [args for keyword, args in _dockerfile_instructions() if keyword == "COPY"]
    assert copies
    for arguments in copies:
        words = [word for word in arguments.split() if not word.startswith("--")]
        if "--from=" in arguments:
            continue
        for source in words[:-1]:
            assert (REPO / source).exists(), f"COPY {source}: not in the repository"


def test_dockerfile_is_multi_stage_and_installs_a_wheel() -> None:
    instructions = _dockerfile_instructions()
    stages = [args for keyword, args in instructions if keyword == "FROM"]
    assert len(stages) >= 2
    assert stages[-1].startswith("${PYTHON_IMAGE}") or stages[-1].startswith("python:3.11-slim")
    args = dict(
        args.split("=", 1) for keyword, args in instructions if keyword == "ARG" and "=" in args
    )
    assert args.get("PYTHON_IMAGE", "python:3.11-slim") == "python:3.11-slim"
    runs = " ".join(args for keyword, args in instructions if keyword == "RUN")
    assert "pip wheel" in runs and "--no-index" in runs


def test_dockerfile_runs_greenlist_as_a_non_root_user_with_a_healthcheck() -> None:
    instructions = _dockerfile_instructions()
    users = [args for keyword, args in instructions if keyword == "USER"]
    assert users and users[-1].split(":")[0] not in {"root", "0"}
    last_stage = max(i for i, (keyword, _) in enumerate(instructions) if keyword == "FROM")
    assert any(keyword == "USER" for keyword, _ in instructions[last_stage:])
    (health,) = [args for keyword, args in instructions if keyword == "HEALTHCHECK"]
    check = _exec_form(health[health.index("CMD") + len("CMD") :].strip())
    assert check[:3] == ["greenlist", "doctor", "--offline"]
    commands = [args for keyword, args in instructions if keyword in {"CMD", "ENTRYPOINT"}]
    assert _exec_form(commands[-1])[:2] == ["greenlist", "run"]


def test_dockerignore_keeps_the_sources_and_drops_secrets() -> None:
    patterns = [
        line.strip()
        for line in (DEPLOY / "Dockerfile.dockerignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]

    def ignored(path: str) -> bool:
        verdict = False
        for pattern in patterns:
            negated = pattern.startswith("!")
            glob = pattern.lstrip("!").replace("**/", "*").replace("/**", "/*")
            if fnmatch.fnmatch(path, glob) or glob == "**":
                verdict = not negated
        return verdict

    for kept in ("pyproject.toml", "README.md", "bot/telegram/app.py", "storage/migrations/env.py"):
        assert not ignored(kept), kept
    for dropped in (".env", "deploy/.env", "greenlist.db", ".venv/bin/python", ".git/HEAD"):
        assert ignored(dropped), dropped


def test_the_wheel_carries_every_data_file_the_packages_read() -> None:
    """The image installs a wheel: a data file left out of package-data is missing there."""
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    package_data: dict[str, list[str]] = config["tool"]["setuptools"].get("package-data", {})
    for package in PACKAGES:
        root = REPO / package
        for path in root.rglob("*"):
            if not path.is_file() or path.suffix in {".py", ".pyc"} or "__pycache__" in path.parts:
                continue
            relative = path.relative_to(root).as_posix()
            owner = package
            patterns = package_data.get(owner, [])
            assert any(fnmatch.fnmatch(relative, pattern) for pattern in patterns), (
                f"{package}/{relative} is not in [tool.setuptools.package-data] {owner}"
            )


# --------------------------------------------------------------------- systemd, nginx


def _unit() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string((DEPLOY / "greenlist-bot.service").read_text(encoding="utf-8"))
    return parser


def test_systemd_unit_runs_greenlist_as_a_dedicated_user() -> None:
    unit = _unit()
    service = unit["Service"]
    assert shlex.split(service["ExecStart"])[0].endswith("/greenlist")
    assert shlex.split(service["ExecStart"])[1:] == ["run"]
    assert shlex.split(service["ExecStartPre"])[1:] == ["db", "upgrade"]
    assert service["User"] not in {"", "root"}
    assert service["Restart"] == "on-failure"
    assert service["EnvironmentFile"].startswith("/etc/")
    for hardening in ("NoNewPrivileges", "ProtectSystem", "ProtectHome", "PrivateTmp"):
        assert service[hardening] in {"yes", "true", "strict"}, hardening
    assert unit["Install"]["WantedBy"] == "multi-user.target"
    # The state directory is the one place the bot may write, and where it starts.
    assert service["WorkingDirectory"] == f"/var/lib/{service['StateDirectory']}"


def test_nginx_forwards_only_the_webhook_path_to_the_default_listener() -> None:
    text = (DEPLOY / "nginx-greenlist.conf").read_text(encoding="utf-8")
    live = "\n".join(line.split("#", 1)[0] for line in text.splitlines())
    proxies = re.findall(r"proxy_pass\s+([^;]+);", live)
    target = f"http://{DEFAULT_WEBHOOK_LISTEN}:{DEFAULT_WEBHOOK_PORT}/{DEFAULT_WEBHOOK_PATH}"
    assert proxies == [target]
    assert re.search(rf"location\s*=\s*/{DEFAULT_WEBHOOK_PATH}\s*\{{", live)
    assert re.search(r"listen\s+443\s+ssl", live)
    assert "ssl_certificate " in live and "ssl_certificate_key " in live


@pytest.mark.parametrize(
    "name",
    ["Dockerfile", "compose.yaml", "greenlist-bot.service", "nginx-greenlist.conf", "README.md"],
)
def test_deploy_files_exist_and_are_plain_text(name: str) -> None:
    content = (DEPLOY / name).read_bytes()
    assert content.strip() and b"\r\n" not in content
    content.decode("utf-8")


# --------------------------------------------------------------------- README


def _commands_of(parser: argparse.ArgumentParser) -> set[str]:
    names: set[str] = set()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            names.update(action.choices)
    return names


def test_readme_only_names_greenlist_commands_that_exist() -> None:
    from bot.cli import main as cli

    known = _commands_of(cli.build_parser())
    readme = (DEPLOY / "README.md").read_text(encoding="utf-8")
    code = re.findall(r"```.*?```", readme, flags=re.DOTALL)
    code += re.findall(r"`[^`\n]+`", re.sub(r"```.*?```", "", readme, flags=re.DOTALL))
    # A command word: `greenlist` at a word start (not `--owner=greenlist`), a subcommand.
    command = re.compile(r"(?:^|(?<=[\s`/]))greenlist(?:-admin)? ([a-z][a-z-]*)\b", re.M)
    named = {name for snippet in code for name in command.findall(snippet)}
    assert named, "the guide shows no greenlist command"
    assert named <= known, f"README.md names commands that do not exist: {named - known}"


def test_readme_covers_what_an_operator_needs() -> None:
    readme = (DEPLOY / "README.md").read_text(encoding="utf-8")
    for needed in (
        "# Deploy on a server",
        "@BotFather",
        "docker compose up -d --build",
        "systemctl enable --now greenlist-bot",
        "WEBHOOK_SECRET",
        "pg_dump",
        "pg_restore",
        ".backup",
        "greenlist export --format xlsx",
        "greenlist doctor",
        "journalctl -u greenlist-bot",
        "docker compose logs",
    ):
        assert needed in readme, needed


def _imported_libraries() -> dict[str, str]:
    """Top-level third-party modules the packages import -> one file importing each.

    Imports inside `try: ... except ImportError` are optional by design and left out.
    """
    found: dict[str, str] = {}
    for package in PACKAGES:
        for path in sorted((REPO / package).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            optional: set[int] = set()
            for node in ast.walk(tree):
                if isinstance(node, ast.Try) and any(
                    isinstance(handler.type, ast.Name)
                    and handler.type.id in {"ImportError", "ModuleNotFoundError"}
                    for handler in node.handlers
                ):
                    optional.update(id(inner) for stmt in node.body for inner in ast.walk(stmt))
            for node in ast.walk(tree):
                if id(node) in optional:
                    continue
                if isinstance(node, ast.Import):
                    names = [alias.name.split(".")[0] for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module.split(".")[0]]
                else:
                    continue
                for name in names:
                    if name in PACKAGES or name in sys.stdlib_module_names or name == "__future__":
                        continue
                    found.setdefault(name, path.relative_to(REPO).as_posix())
    return found


def _dependency_closure() -> set[str]:
    """Distributions `pip install greenlist-bot` brings in, from pyproject.toml down."""
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    pending = [Requirement(text) for text in config["project"]["dependencies"]]
    seen: set[str] = set()
    while pending:
        requirement = pending.pop()
        key = canonicalize_name(requirement.name)
        extras = frozenset(requirement.extras)
        if f"{key}{sorted(extras)}" in seen:
            continue
        seen.add(f"{key}{sorted(extras)}")
        try:
            requires = metadata.requires(requirement.name) or []
        except metadata.PackageNotFoundError:
            continue
        for text in requires:
            child = Requirement(text)
            environments = [{"extra": extra} for extra in extras] or [{"extra": ""}]
            if child.marker is None or any(child.marker.evaluate(env) for env in environments):
                pending.append(child)
    return {entry.split("[", 1)[0] for entry in seen}


def test_every_imported_library_is_a_declared_dependency() -> None:
    """The image installs pyproject's dependencies only; an undeclared import breaks it."""
    providers = metadata.packages_distributions()
    closure = _dependency_closure()
    undeclared = {
        f"{module} ({where})"
        for module, where in _imported_libraries().items()
        if not any(canonicalize_name(dist) in closure for dist in providers.get(module, []))
    }
    assert not undeclared, (
        f"imported but not in [project] dependencies of pyproject.toml: {sorted(undeclared)}"
    )

from __future__ import annotations

import asyncio
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from storage import (
    current_revision,
    current_revision_async,
    downgrade,
    downgrade_async,
    head_revision,
    upgrade,
    upgrade_async,
)
from storage.models import Base
from storage.schema import main

APPLICATION_TABLES = {
    "people",
    "assessment_sessions",
    "evidence_files",
    "review_decisions",
    "ruleset_versions",
    "audit_log",
    "processed_updates",
    "pending_actions",
    "notices_sent",
    "received_updates",
}

#: The newest migration shipped; a new migration updates this line and nothing else.
HEAD = "0007"


async def table_names(url: str) -> set[str]:
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            names = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
    finally:
        await engine.dispose()
    return set(names)


def test_head_revision_is_the_newest_migration() -> None:
    assert head_revision() == HEAD


async def test_migrations_go_up_to_head_and_down_to_base(empty_database_url: str) -> None:
    assert await current_revision_async(empty_database_url) is None

    await upgrade_async(empty_database_url)
    assert await current_revision_async(empty_database_url) == head_revision()
    assert await table_names(empty_database_url) == APPLICATION_TABLES | {"alembic_version"}

    await downgrade_async(empty_database_url, "base")
    assert await current_revision_async(empty_database_url) is None
    assert await table_names(empty_database_url) == {"alembic_version"}

    await upgrade_async(empty_database_url)
    assert await table_names(empty_database_url) == APPLICATION_TABLES | {"alembic_version"}


async def test_sessions_leave_room_on_each_page_for_a_rows_next_version(
    empty_database_url: str,
) -> None:
    """PostgreSQL then rewrites a session in place (no index touched) at every answer."""
    await upgrade_async(empty_database_url)
    engine = create_async_engine(empty_database_url, poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            if connection.dialect.name != "postgresql":
                pytest.skip("a PostgreSQL storage parameter; SQLite has none")
            query = "SELECT reloptions FROM pg_class WHERE relname = 'assessment_sessions'"
            options = (await connection.execute(text(query))).scalar_one()
            await connection.rollback()
        await downgrade_async(empty_database_url, "0005")
        async with engine.connect() as connection:
            reset = (await connection.execute(text(query))).scalar_one()
    finally:
        await engine.dispose()
    assert options == ["fillfactor=85"]
    assert reset is None


_DOCUMENT_TYPES = (
    "SELECT column_name, data_type FROM information_schema.columns"
    " WHERE table_name = 'assessment_sessions'"
    " AND column_name IN ('state', 'answers', 'evaluation') ORDER BY column_name"
)


async def _stored_documents(engine: AsyncEngine) -> tuple[dict[str, str], tuple[Any, ...]]:
    """The documents' column types, and the one session's documents as read back."""
    async with engine.connect() as connection:
        types = dict((await connection.execute(text(_DOCUMENT_TYPES))).tuples().all())
        query = text("SELECT state, answers, evaluation FROM assessment_sessions")
        row = (await connection.execute(query)).one()
        await connection.rollback()
    return types, tuple(row)


async def test_session_documents_are_kept_as_json_text_and_survive_both_ways(
    empty_database_url: str,
) -> None:
    """0007 stores a session's documents as json (no binary conversion at each write and
    read); going up and down keeps every stored value, the Chinese text included."""
    await upgrade_async(empty_database_url, "0006")
    engine = create_async_engine(empty_database_url, poolclass=NullPool)
    state = {"lang": "zh", "mode": "asking", "current": "enterprise.name", "answers": {}}
    answers = {"enterprise": {"name": "邢台宏达新型建材有限公司"}, "energy": {"output_t": 120000}}
    evaluation = {"qualified": False, "clauses": {"5.1b": {"passed": False, "reason": "未满足"}}}
    documents = (state, answers, evaluation)
    try:
        async with engine.begin() as connection:
            if connection.dialect.name != "postgresql":
                pytest.skip("a PostgreSQL column type; SQLite stores JSON as text already")
            now = datetime(2026, 12, 6, 3, tzinfo=UTC)
            await connection.execute(
                text(
                    "INSERT INTO people (telegram_id, name, language, role, created_at,"
                    " updated_at) VALUES (42, '王建国', 'zh', 'supplier', :now, :now)"
                ),
                {"now": now},
            )
            await connection.execute(
                text(
                    "INSERT INTO assessment_sessions (owner_id, status, state, answers,"
                    " evaluation, needs_review, version, created_at, updated_at) VALUES"
                    " (42, 'submitted', CAST(:state AS JSONB), CAST(:answers AS JSONB),"
                    " CAST(:evaluation AS JSONB), false, 1, :now, :now)"
                ),
                {
                    "state": json.dumps(state),
                    "answers": json.dumps(answers),
                    "evaluation": json.dumps(evaluation),
                    "now": now,
                },
            )
        before = await _stored_documents(engine)
        await upgrade_async(empty_database_url)
        after = await _stored_documents(engine)
        await downgrade_async(empty_database_url, "0006")
        back = await _stored_documents(engine)
    finally:
        await engine.dispose()
    assert before == ({"answers": "jsonb", "evaluation": "jsonb", "state": "jsonb"}, documents)
    assert after == ({"answers": "json", "evaluation": "json", "state": "json"}, documents)
    assert back == before


async def test_sync_api_works_inside_a_running_loop_and_from_a_thread(
    empty_database_url: str,
) -> None:
    upgrade(empty_database_url)
    assert current_revision(empty_database_url) == head_revision()
    await asyncio.to_thread(downgrade, empty_database_url, "base")
    assert await asyncio.to_thread(current_revision, empty_database_url) is None


def _schema_differences(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


async def test_models_match_the_migrated_schema(database_url: str) -> None:
    engine = create_async_engine(database_url, poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            differences = await connection.run_sync(_schema_differences)
    finally:
        await engine.dispose()
    assert differences == []


async def test_migrated_constraints_carry_the_naming_convention(database_url: str) -> None:
    engine = create_async_engine(database_url, poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            checks, foreign, unique, indexes = await connection.run_sync(
                lambda sync: (
                    inspect(sync).get_check_constraints("people"),
                    inspect(sync).get_foreign_keys("evidence_files"),
                    inspect(sync).get_unique_constraints("ruleset_versions"),
                    inspect(sync).get_indexes("assessment_sessions"),
                )
            )
    finally:
        await engine.dispose()
    assert {c["name"] for c in checks} == {"ck_people_language", "ck_people_role"}
    assert [f["name"] for f in foreign] == ["fk_evidence_files_session_id_assessment_sessions"]
    assert [u["name"] for u in unique] == ["uq_ruleset_versions_ruleset_id_version"]
    assert {i["name"]: i["column_names"] for i in indexes} == {
        "ix_assessment_sessions_status_submitted_at": ["status", "submitted_at"],
        "ix_assessment_sessions_owner_id_status": ["owner_id", "status"],
        "ix_assessment_sessions_product_category": ["product_category"],
        "ix_assessment_sessions_company_name": ["company_name"],
        "ix_assessment_sessions_credit_code": ["credit_code"],
        "ix_assessment_sessions_submitted_at": ["submitted_at"],
    }


def test_command_line_reports_revisions(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["head"]) == 0
    assert main(["current", "--url", database_url]) == 0
    assert capsys.readouterr().out.split() == [HEAD, HEAD]


def test_command_line_refuses_bad_input_with_a_message(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert main(["current"]) == 2
    assert "pass --url or set DATABASE_URL" in capsys.readouterr().err
    assert main(["upgrade", "--url", "mysql://root@localhost/x"]) == 2
    assert "backend 'mysql' is not supported" in capsys.readouterr().err


def test_command_line_refuses_an_unknown_revision(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["upgrade", "9999", "--url", f"sqlite:///{tmp_path / 'x.db'}"]) == 2
    assert re.search(r"error: .*'9999'", capsys.readouterr().err)

"""initial schema: people, assessment sessions, evidence, reviews, rulesets, audit, updates

Revision ID: 0001
Revises:
Create Date: 2026-11-24 05:27:18

Every constraint and index is named explicitly (op.f) with the names the models' naming
convention produces, so this script does not depend on the models as they change later.
Enumerations are VARCHAR(16) plus a CHECK constraint on both backends.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _json() -> sa.types.TypeEngine[object]:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _enum(check_name: str, *values: str) -> sa.Enum:
    return sa.Enum(
        *values, name=op.f(check_name), native_enum=False, create_constraint=True, length=16
    )


def _timestamp() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "people",
        sa.Column("telegram_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("name", sa.String(length=256), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=True),
        sa.Column("language", _enum("ck_people_language", "zh", "en"), nullable=False),
        sa.Column(
            "role",
            _enum("ck_people_role", "supplier", "assessor", "admin"),
            nullable=False,
        ),
        sa.Column("created_at", _timestamp(), nullable=False),
        sa.Column("updated_at", _timestamp(), nullable=False),
        sa.PrimaryKeyConstraint("telegram_id", name=op.f("pk_people")),
    )
    op.create_index(op.f("ix_people_role"), "people", ["role"])

    op.create_table(
        "assessment_sessions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("owner_id", sa.BigInteger(), nullable=False),
        sa.Column(
            "status",
            _enum(
                "ck_assessment_sessions_status",
                "in_progress",
                "submitted",
                "needs_info",
                "approved",
                "rejected",
            ),
            nullable=False,
        ),
        sa.Column("current_question", sa.String(length=64), nullable=True),
        sa.Column("state", _json(), nullable=False),
        sa.Column("answers", _json(), nullable=False),
        sa.Column("evaluation", _json(), nullable=True),
        sa.Column("product_category", sa.String(length=32), nullable=True),
        sa.Column("company_name", sa.String(length=256), nullable=True),
        sa.Column("credit_code", sa.String(length=32), nullable=True),
        sa.Column("qualified", sa.Boolean(), nullable=True),
        sa.Column("needs_review", sa.Boolean(), nullable=False),
        sa.Column("ruleset_id", sa.String(length=64), nullable=True),
        sa.Column("ruleset_version", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", _timestamp(), nullable=False),
        sa.Column("updated_at", _timestamp(), nullable=False),
        sa.Column("submitted_at", _timestamp(), nullable=True),
        sa.Column("decided_at", _timestamp(), nullable=True),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["people.telegram_id"],
            name=op.f("fk_assessment_sessions_owner_id_people"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_sessions")),
    )
    for columns in (
        ["status", "submitted_at"],
        ["owner_id", "status"],
        ["product_category"],
        ["company_name"],
        ["credit_code"],
        ["submitted_at"],
    ):
        op.create_index(
            op.f(f"ix_assessment_sessions_{'_'.join(columns)}"), "assessment_sessions", columns
        )

    op.create_table(
        "evidence_files",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.String(length=64), nullable=False),
        sa.Column("file_id", sa.String(length=256), nullable=False),
        sa.Column("file_unique_id", sa.String(length=128), nullable=False),
        sa.Column("file_name", sa.String(length=512), nullable=True),
        sa.Column("mime_type", sa.String(length=128), nullable=True),
        sa.Column("file_size", sa.BigInteger(), nullable=True),
        sa.Column("uploaded_at", _timestamp(), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["assessment_sessions.id"],
            name=op.f("fk_evidence_files_session_id_assessment_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence_files")),
    )
    op.create_index(op.f("ix_evidence_files_session_id"), "evidence_files", ["session_id"])

    op.create_table(
        "review_decisions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("assessor_id", sa.BigInteger(), nullable=False),
        sa.Column(
            "decision",
            _enum("ck_review_decisions_decision", "approved", "rejected", "needs_info", "reopened"),
            nullable=False,
        ),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("created_at", _timestamp(), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessor_id"],
            ["people.telegram_id"],
            name=op.f("fk_review_decisions_assessor_id_people"),
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["assessment_sessions.id"],
            name=op.f("fk_review_decisions_session_id_assessment_sessions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_decisions")),
    )
    op.create_index(op.f("ix_review_decisions_session_id"), "review_decisions", ["session_id"])

    op.create_table(
        "ruleset_versions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("ruleset_id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("values", _json(), nullable=False),
        sa.Column("author_id", sa.BigInteger(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", _timestamp(), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["people.telegram_id"],
            name=op.f("fk_ruleset_versions_author_id_people"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ruleset_versions")),
        sa.UniqueConstraint(
            "ruleset_id", "version", name=op.f("uq_ruleset_versions_ruleset_id_version")
        ),
    )

    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("actor_id", sa.BigInteger(), nullable=True),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("target", sa.String(length=256), nullable=False),
        sa.Column("old_value", _json(), nullable=True),
        sa.Column("new_value", _json(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", _timestamp(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index(op.f("ix_audit_log_created_at"), "audit_log", ["created_at"])

    op.create_table(
        "processed_updates",
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("processed_at", _timestamp(), nullable=False),
        sa.PrimaryKeyConstraint("update_id", name=op.f("pk_processed_updates")),
    )
    op.create_index(
        op.f("ix_processed_updates_processed_at"), "processed_updates", ["processed_at"]
    )


def downgrade() -> None:
    # Dropping a table drops its indexes and constraints with it, on both backends.
    for table in (
        "processed_updates",
        "audit_log",
        "ruleset_versions",
        "review_decisions",
        "evidence_files",
        "assessment_sessions",
        "people",
    ):
        op.drop_table(table)

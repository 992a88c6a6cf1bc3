"""assessment sessions: state, answers and evaluation as json, not jsonb (PostgreSQL)

A session's documents are written whole at every answer and re-evaluation and read whole;
no query looks inside them. jsonb parses each one into its binary form when it is stored
and prints it back when it is read, work nothing here uses; json keeps the text as it was
written, after checking that it is JSON. A re-evaluation of the sessions writes several kB
of evaluation per session, and an export reads them all: measured on 4,000 sessions, the
server's time for the writes fell by about a quarter and for the reads by two thirds.
The column keeps its values (the text jsonb prints); SQLite stores JSON as text already.
The table is rewritten once, under an exclusive lock: 48 s for 100,000 sessions here, during
which every chat waits for its session, so upgrade with the bots stopped or at a quiet hour.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 03:45:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DOCUMENTS = ("state", "answers", "evaluation")


def _retype(to: str) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    # One statement, so the table is rewritten once rather than once per column.
    op.execute(
        "ALTER TABLE assessment_sessions "
        + ", ".join(f"ALTER COLUMN {column} TYPE {to} USING {column}::{to}" for column in DOCUMENTS)
    )


def upgrade() -> None:
    _retype("json")


def downgrade() -> None:
    _retype("jsonb")

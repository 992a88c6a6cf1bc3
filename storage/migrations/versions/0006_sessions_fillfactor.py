"""assessment sessions: room on each page for a row's next version (PostgreSQL)

A session row is rewritten at every answer, decision and re-evaluation, and almost none of
those writes changes an indexed column (the company's name and credit code, once). With
room left on the row's page PostgreSQL keeps the new version there (a heap-only tuple) and
touches none of the table's seven indexes; packed full, as COPY and a long run of inserts
leave it, every write is a new index entry in each of them. 15 % measured as fast as 30 %
for a re-evaluation of 100,000 sessions (bench/README.md), and 30 % turned the planner from
the (status, submitted_at) index for the assessors' status list. SQLite has no such
setting; nothing happens there.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05 12:30:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: Percent of each page that inserts fill; the rest waits for the rows' next versions.
FILLFACTOR = 85


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE assessment_sessions SET (fillfactor = {FILLFACTOR})")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE assessment_sessions RESET (fillfactor)")

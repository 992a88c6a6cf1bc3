"""received updates: the inbox that orders a person's inputs across bot processes

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 17:55:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "received_updates",
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("person_id", sa.BigInteger(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("update_id", name=op.f("pk_received_updates")),
    )
    op.create_index(
        op.f("ix_received_updates_person_id_update_id"),
        "received_updates",
        ["person_id", "update_id"],
    )
    op.create_index(op.f("ix_received_updates_received_at"), "received_updates", ["received_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_received_updates_received_at"), table_name="received_updates")
    op.drop_index(op.f("ix_received_updates_person_id_update_id"), table_name="received_updates")
    op.drop_table("received_updates")

"""evidence store: each file's SHA-256, stored size, sniffed type and uploader

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04 17:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("evidence_files") as batch:
        batch.add_column(sa.Column("sha256", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("stored_size", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("content_type", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("uploader_id", sa.BigInteger(), nullable=True))
        batch.create_index(batch.f("ix_evidence_files_sha256"), ["sha256"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("evidence_files") as batch:
        batch.drop_index(batch.f("ix_evidence_files_sha256"))
        batch.drop_column("uploader_id")
        batch.drop_column("content_type")
        batch.drop_column("stored_size")
        batch.drop_column("sha256")

"""point chunks of a key in write order

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01

Reading a key takes its chunks in the order they were written (ORDER BY id);
without an index in that order, the database sorted the chunks, blobs and all.
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("point_chunks", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_point_chunks_run_id_key_id_id"), ["run_id", "key_id", "id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("point_chunks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_point_chunks_run_id_key_id_id"))

"""projects' goal and owner, stages, engineer profile, time off, busy time, hours

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.add_column(sa.Column("goal", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("owner", sa.String(length=200), nullable=True))

    op.create_table(
        "engineer_profile",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("weekly_hours", sa.Float(), nullable=False),
        sa.Column("workdays", sa.JSON(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_engineer_profile")),
    )
    op.create_table(
        "time_off",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_time_off")),
    )
    op.create_table(
        "busy_times",
        sa.Column("id", _ID, nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("starts_at", sa.Float(), nullable=False),
        sa.Column("ends_at", sa.Float(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_busy_times")),
    )
    with op.batch_alter_table("busy_times", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_busy_times_source"), ["source"], unique=False)
        batch_op.create_index(batch_op.f("ix_busy_times_starts_at"), ["starts_at"], unique=False)

    op.create_table(
        "stages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("involvement", sa.String(length=16), nullable=True),
        sa.Column("est_optimistic", sa.Float(), nullable=True),
        sa.Column("est_likely", sa.Float(), nullable=True),
        sa.Column("est_pessimistic", sa.Float(), nullable=True),
        sa.Column("hours_low", sa.Float(), nullable=True),
        sa.Column("hours_high", sa.Float(), nullable=True),
        sa.Column("planned_start", sa.Date(), nullable=True),
        sa.Column("started_on", sa.Date(), nullable=True),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("updated_at", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_stages_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stages")),
        sa.UniqueConstraint("project_id", "key", name=op.f("uq_stages_project_id_key")),
    )
    op.create_table(
        "stage_deps",
        sa.Column("stage_id", sa.Integer(), nullable=False),
        sa.Column("after_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["after_id"],
            ["stages.id"],
            name=op.f("fk_stage_deps_after_id_stages"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["stage_id"],
            ["stages.id"],
            name=op.f("fk_stage_deps_stage_id_stages"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("stage_id", "after_id", name=op.f("pk_stage_deps")),
    )
    op.create_table(
        "stage_runs",
        sa.Column("stage_id", sa.Integer(), nullable=False),
        sa.Column("run_uid", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["stage_id"],
            ["stages.id"],
            name=op.f("fk_stage_runs_stage_id_stages"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("stage_id", "run_uid", name=op.f("pk_stage_runs")),
    )
    op.create_table(
        "stage_progress",
        sa.Column("id", _ID, nullable=False),
        sa.Column("stage_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.Float(), nullable=False),
        sa.Column("done", sa.BigInteger(), nullable=False),
        sa.Column("total", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["stage_id"],
            ["stages.id"],
            name=op.f("fk_stage_progress_stage_id_stages"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stage_progress")),
    )
    with op.batch_alter_table("stage_progress", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_stage_progress_stage_id_at"), ["stage_id", "at"], unique=False
        )
    op.create_table(
        "hours_actuals",
        sa.Column("stage_id", sa.Integer(), nullable=False),
        sa.Column("week", sa.Date(), nullable=False),
        sa.Column("hours", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["stage_id"],
            ["stages.id"],
            name=op.f("fk_hours_actuals_stage_id_stages"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("stage_id", "week", name=op.f("pk_hours_actuals")),
    )


def downgrade() -> None:
    op.drop_table("hours_actuals")
    with op.batch_alter_table("stage_progress", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stage_progress_stage_id_at"))
    op.drop_table("stage_progress")
    op.drop_table("stage_runs")
    op.drop_table("stage_deps")
    op.drop_table("stages")
    with op.batch_alter_table("busy_times", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_busy_times_starts_at"))
        batch_op.drop_index(batch_op.f("ix_busy_times_source"))
    op.drop_table("busy_times")
    op.drop_table("time_off")
    op.drop_table("engineer_profile")
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.drop_column("owner")
        batch_op.drop_column("goal")

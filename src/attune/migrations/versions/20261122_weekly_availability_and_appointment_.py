"""Weekly availability and appointment requests

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 06:31:45.048992
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import attune.platform.database

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "weekly_availability",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("available_days", sa.JSON(), nullable=False),
        sa.Column(
            "created_at", attune.platform.database.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "updated_at", attune.platform.database.UTCDateTime(timezone=True), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_weekly_availability")),
    )
    op.create_table(
        "appointment_requests",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("first_name_encrypted", sa.Text(), nullable=False),
        sa.Column("last_name_encrypted", sa.Text(), nullable=False),
        sa.Column("email_encrypted", sa.Text(), nullable=False),
        sa.Column("email_hash", sa.String(length=64), nullable=False),
        sa.Column("phone_encrypted", sa.Text(), nullable=True),
        sa.Column("reason_encrypted", sa.Text(), nullable=True),
        sa.Column("rejection_reason_encrypted", sa.Text(), nullable=True),
        sa.Column("preferred_dates", sa.JSON(), nullable=False),
        sa.Column("preferred_time_slots", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column(
            "scheduled_at", attune.platform.database.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("scheduled_duration", sa.Integer(), nullable=True),
        sa.Column(
            "scheduled_end_at", attune.platform.database.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("room_id", sa.String(length=64), nullable=True),
        sa.Column("calendar_sequence", sa.Integer(), nullable=False),
        sa.Column(
            "created_at", attune.platform.database.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "updated_at", attune.platform.database.UTCDateTime(timezone=True), nullable=False
        ),
        sa.CheckConstraint(
            "scheduled_duration IS NULL OR scheduled_duration BETWEEN 15 AND 240",
            name=op.f("ck_appointment_requests_scheduled_duration_in_range"),
        ),
        sa.CheckConstraint(
            "scheduled_end_at IS NULL OR scheduled_end_at > scheduled_at",
            name=op.f("ck_appointment_requests_scheduled_ends_after_start"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_appointment_requests_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appointment_requests")),
        sa.UniqueConstraint("room_id", name=op.f("uq_appointment_requests_room_id")),
    )
    with op.batch_alter_table("appointment_requests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_appointment_requests_email_hash"), ["email_hash"], unique=False
        )
        batch_op.create_index(
            "ix_appointment_requests_status_scheduled_at", ["status", "scheduled_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_appointment_requests_user_id"), ["user_id"], unique=False
        )
    if op.get_bind().dialect.name == "postgresql":
        # No two scheduled appointments overlap, even when two admins schedule at once.
        op.execute(
            "ALTER TABLE appointment_requests ADD CONSTRAINT ex_appointment_requests_no_overlap "
            "EXCLUDE USING gist (tstzrange(scheduled_at, scheduled_end_at) WITH &&) "
            "WHERE (status = 'scheduled')"
        )


def downgrade() -> None:
    with op.batch_alter_table("appointment_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_appointment_requests_user_id"))
        batch_op.drop_index("ix_appointment_requests_status_scheduled_at")
        batch_op.drop_index(batch_op.f("ix_appointment_requests_email_hash"))

    op.drop_table("appointment_requests")
    op.drop_table("weekly_availability")

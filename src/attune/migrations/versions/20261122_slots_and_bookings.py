"""Slots (schedules) and bookings

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 04:41:19.056123
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import attune.platform.database

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "schedules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("start_at", attune.platform.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("end_at", attune.platform.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("max_bookings", sa.Integer(), nullable=False),
        sa.Column("booked_count", sa.Integer(), nullable=False),
        sa.Column("is_available", sa.Boolean(), nullable=False),
        sa.Column(
            "created_at", attune.platform.database.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "updated_at", attune.platform.database.UTCDateTime(timezone=True), nullable=False
        ),
        sa.CheckConstraint(
            "booked_count >= 0 AND booked_count <= max_bookings",
            name=op.f("ck_schedules_booked_within_capacity"),
        ),
        sa.CheckConstraint("end_at > start_at", name=op.f("ck_schedules_ends_after_start")),
        sa.CheckConstraint("max_bookings >= 1", name=op.f("ck_schedules_max_bookings_positive")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_schedules")),
    )
    with op.batch_alter_table("schedules", schema=None) as batch_op:
        batch_op.create_index("ix_schedules_start_at", ["start_at"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        # No two slots overlap, even when two admins create them at once (models/schedule.py).
        op.execute(
            "ALTER TABLE schedules ADD CONSTRAINT ex_schedules_no_overlap "
            "EXCLUDE USING gist (tstzrange(start_at, end_at) WITH &&)"
        )

    op.create_table(
        "bookings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("schedule_id", sa.Integer(), nullable=True),
        sa.Column(
            "scheduled_at", attune.platform.database.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("ends_at", attune.platform.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("payment_status", sa.String(length=16), nullable=False),
        sa.Column("payment_id", sa.String(length=255), nullable=True),
        sa.Column("notes_encrypted", sa.Text(), nullable=True),
        sa.Column("room_id", sa.String(length=64), nullable=False),
        sa.Column("calendar_sequence", sa.Integer(), nullable=False),
        sa.Column(
            "cancelled_at", attune.platform.database.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("cancelled_by_practice", sa.Boolean(), nullable=False),
        sa.Column("cancellation_reason_encrypted", sa.Text(), nullable=True),
        sa.Column(
            "completed_at", attune.platform.database.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "reminder_24h_at", attune.platform.database.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "reminder_1h_at", attune.platform.database.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "created_at", attune.platform.database.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "updated_at", attune.platform.database.UTCDateTime(timezone=True), nullable=False
        ),
        sa.CheckConstraint("amount_cents >= 0", name=op.f("ck_bookings_amount_not_negative")),
        sa.CheckConstraint("ends_at > scheduled_at", name=op.f("ck_bookings_ends_after_start")),
        sa.ForeignKeyConstraint(
            ["schedule_id"],
            ["schedules.id"],
            name=op.f("fk_bookings_schedule_id_schedules"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_bookings_user_id_users"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bookings")),
        sa.UniqueConstraint("room_id", name=op.f("uq_bookings_room_id")),
    )
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bookings_schedule_id"), ["schedule_id"], unique=False)
        batch_op.create_index(
            "ix_bookings_status_scheduled_at", ["status", "scheduled_at"], unique=False
        )
        batch_op.create_index(
            "ix_bookings_user_scheduled_at", ["user_id", "scheduled_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.drop_index("ix_bookings_user_scheduled_at")
        batch_op.drop_index("ix_bookings_status_scheduled_at")
        batch_op.drop_index(batch_op.f("ix_bookings_schedule_id"))

    op.drop_table("bookings")
    with op.batch_alter_table("schedules", schema=None) as batch_op:
        batch_op.drop_index("ix_schedules_start_at")

    op.drop_table("schedules")

"""The bookings of one slot share its video room

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 14:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("schedules", schema=None) as batch_op:
        batch_op.add_column(sa.Column("room_id", sa.String(length=64), nullable=True))
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.drop_constraint("uq_bookings_room_id", type_="unique")
        batch_op.create_index("ix_bookings_room_id", ["room_id"], unique=False)
    # Bookings made before keep the rooms their mails named; a slot with seats taken gets the
    # room of its first booking, which the clients booking into it from now on share.
    op.execute(
        """
        UPDATE schedules SET room_id = (
            SELECT bookings.room_id FROM bookings
            WHERE bookings.schedule_id = schedules.id
              AND bookings.status IN ('scheduled', 'completed', 'no_show')
            ORDER BY bookings.id LIMIT 1
        )
        WHERE booked_count > 0
        """
    )


def downgrade() -> None:
    # Rooms were unique before: every booking but the first of a shared room gets its own name.
    op.execute(
        """
        UPDATE bookings SET room_id = room_id || '-' || CAST(id AS VARCHAR(20))
        WHERE id > (SELECT MIN(first.id) FROM bookings AS first
                    WHERE first.room_id = bookings.room_id)
        """
    )
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.drop_index("ix_bookings_room_id")
        batch_op.create_unique_constraint("uq_bookings_room_id", ["room_id"])
    with op.batch_alter_table("schedules", schema=None) as batch_op:
        batch_op.drop_column("room_id")

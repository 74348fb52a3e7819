"""Appointment requests carry their calendar UID, as bookings do

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 11:45:00.000000
"""

from collections.abc import Sequence
from email.utils import parseaddr

import sqlalchemy as sa
from alembic import context, op

from attune.platform.settings import Settings, load_settings

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("appointment_requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("calendar_uid", sa.String(length=255), nullable=True))
    # An existing request keeps the UID its invitations already carry, so the calendars that
    # hold it still move and remove the same event; only new requests get a random UUID.
    op.execute(
        sa.text(
            "UPDATE appointment_requests SET calendar_uid = 'appointment-' || id || '@' || :domain"
        ).bindparams(domain=_sender_domain())
    )
    with op.batch_alter_table("appointment_requests", schema=None) as batch_op:
        batch_op.alter_column("calendar_uid", existing_type=sa.String(length=255), nullable=False)
        batch_op.create_unique_constraint(
            batch_op.f("uq_appointment_requests_calendar_uid"), ["calendar_uid"]
        )


def downgrade() -> None:
    with op.batch_alter_table("appointment_requests", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_appointment_requests_calendar_uid"), type_="unique")
        batch_op.drop_column("calendar_uid")


def _sender_domain() -> str:
    """The domain the old UIDs were made with: that of ATTUNE_EMAIL_FROM."""
    settings = context.config.attributes.get("settings")
    if not isinstance(settings, Settings):  # run by the alembic command itself
        settings = load_settings()
    return parseaddr(settings.email_from)[1].rpartition("@")[2] or "localhost"

"""One-time code throttles: the resend cool-down and the wrong-code limit of each address

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 10:33:10.021187
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import attune.platform.database

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "otp_throttles",
        sa.Column("address_hash", sa.String(length=64), nullable=False),
        sa.Column(
            "code_requested_at", attune.platform.database.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column(
            "failure_window_started_at",
            attune.platform.database.UTCDateTime(timezone=True),
            nullable=True,
        ),
        sa.Column("lockouts", sa.Integer(), nullable=False),
        sa.Column(
            "locked_until", attune.platform.database.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "updated_at", attune.platform.database.UTCDateTime(timezone=True), nullable=False
        ),
        sa.PrimaryKeyConstraint("address_hash", name=op.f("pk_otp_throttles")),
    )


def downgrade() -> None:
    op.drop_table("otp_throttles")

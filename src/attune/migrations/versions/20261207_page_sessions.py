"""A sign-in on the web pages is a login held by a cookie

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 17:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from attune.platform.database import UTCDateTime

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("auth_sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cookie_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("last_seen_at", UTCDateTime(timezone=True), nullable=True))
        batch_op.create_unique_constraint("uq_auth_sessions_cookie_hash", ["cookie_hash"])


def downgrade() -> None:
    # Page sessions have no tokens to continue with: they end with the columns that held them.
    op.execute("DELETE FROM auth_sessions WHERE cookie_hash IS NOT NULL")
    with op.batch_alter_table("auth_sessions", schema=None) as batch_op:
        batch_op.drop_constraint("uq_auth_sessions_cookie_hash", type_="unique")
        batch_op.drop_column("last_seen_at")
        batch_op.drop_column("cookie_hash")

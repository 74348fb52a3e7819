"""A practice of therapists and services, with roles

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 20:30:00.000000

An existing practice becomes one whose first admin is the owner and its only therapist, and
whose one service ("Session") is the session it offered: 60 minutes at the practice's price
(`ATTUNE_SESSION_PRICE_CENTS`, which a NULL price follows), by video. Every slot, booking and
request is kept and given that therapist and service; every admin becomes an owner.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from attune.platform.database import UTCDateTime

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DEFAULT_SERVICE_ID = 1


def _postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def _timestamps() -> list[sa.Column[object]]:
    return [
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
    ]


def _create_tables() -> None:
    op.create_table(
        "therapists",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=100), nullable=True),
        sa.Column("bio", sa.Text(), nullable=True),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("photo_url", sa.String(length=500), nullable=True),
        sa.Column("is_active", sa.Boolean(), server_default=sa.true(), nullable=False),
        *_timestamps(),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_therapists_user_id_users"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_therapists")),
    )
    op.create_table(
        "services",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("price_cents", sa.Integer(), nullable=True),
        sa.Column("delivery", sa.String(length=16), nullable=False),
        sa.Column("seats", sa.Integer(), nullable=True),
        sa.Column("booking_notice_hours", sa.Integer(), nullable=True),
        sa.Column("buffer_minutes", sa.Integer(), nullable=True),
        sa.Column("cancel_notice_hours", sa.Integer(), nullable=True),
        sa.Column("reschedule_notice_hours", sa.Integer(), nullable=True),
        sa.Column("is_active", sa.Boolean(), server_default=sa.true(), nullable=False),
        *_timestamps(),
        sa.CheckConstraint(
            "delivery IN ('video', 'in_person', 'both')", name=op.f("ck_services_delivery_known")
        ),
        sa.CheckConstraint(
            "duration_minutes BETWEEN 5 AND 720", name=op.f("ck_services_duration_in_range")
        ),
        sa.CheckConstraint(
            "price_cents IS NULL OR price_cents >= 0", name=op.f("ck_services_price_not_negative")
        ),
        sa.CheckConstraint("seats IS NULL OR seats >= 1", name=op.f("ck_services_seats_positive")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_services")),
    )
    op.create_table(
        "service_therapists",
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("therapist_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["services.id"],
            name=op.f("fk_service_therapists_service_id_services"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["therapist_id"],
            ["therapists.user_id"],
            name=op.f("fk_service_therapists_therapist_id_therapists"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("service_id", "therapist_id", name=op.f("pk_service_therapists")),
    )
    op.create_table(
        "schedule_services",
        sa.Column("schedule_id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["schedule_id"],
            ["schedules.id"],
            name=op.f("fk_schedule_services_schedule_id_schedules"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["services.id"],
            name=op.f("fk_schedule_services_service_id_services"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("schedule_id", "service_id", name=op.f("pk_schedule_services")),
    )


def _the_first_therapist(connection: sa.Connection) -> int | None:
    """The first admin, made the owner and the only therapist. A practice with slots or
    bookings but no admin (made by hand) gets an owner who cannot sign in until a password is
    set (`attune create-admin` with the same address, which then may be changed on the
    profile). The address must pass the accounts' address check (`.invalid` does not), or
    neither signing in nor `create-admin` would take it."""
    first = connection.scalar(sa.text("SELECT min(id) FROM users WHERE role = 'owner'"))
    if first is not None:
        return int(first)
    needs_one = connection.scalar(
        sa.text(
            "SELECT (SELECT count(*) FROM schedules) + (SELECT count(*) FROM bookings)"
            " + (SELECT count(*) FROM appointment_requests)"
        )
    )
    if not needs_one:
        return None
    connection.execute(
        sa.text(
            "INSERT INTO users (email, password_hash, first_name, last_name, role, may_refund,"
            " is_active, booking_notifications, created_at, updated_at)"
            " VALUES ('owner@practice.example', '!', 'Practice', 'Owner', 'owner', false, true,"
            " true, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
        )
    )
    return int(connection.scalar(sa.text("SELECT min(id) FROM users WHERE role = 'owner'")))


def _fill(connection: sa.Connection) -> None:
    connection.execute(
        sa.text(
            "INSERT INTO services (id, name, description, duration_minutes, price_cents,"
            " delivery, is_active, created_at, updated_at) VALUES (:id, 'Session',"
            " 'A one-to-one session by video.', 60, NULL, 'video', true, CURRENT_TIMESTAMP,"
            " CURRENT_TIMESTAMP)"
        ),
        {"id": DEFAULT_SERVICE_ID},
    )
    if _postgresql():
        connection.execute(sa.text("SELECT setval('services_id_seq', 1)"))
    connection.execute(
        sa.text(
            "INSERT INTO schedule_services (schedule_id, service_id) SELECT id, :s FROM schedules"
        ),
        {"s": DEFAULT_SERVICE_ID},
    )
    first = _the_first_therapist(connection)
    if first is None:
        return
    connection.execute(
        sa.text(
            "INSERT INTO therapists (user_id, languages, is_active, created_at, updated_at)"
            " VALUES (:id, '[]', true, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
        ),
        {"id": first},
    )
    connection.execute(
        sa.text("INSERT INTO service_therapists (service_id, therapist_id) VALUES (:s, :t)"),
        {"s": DEFAULT_SERVICE_ID, "t": first},
    )
    given = {"t": first, "s": DEFAULT_SERVICE_ID}
    connection.execute(sa.text("UPDATE schedules SET therapist_id = :t"), given)
    connection.execute(sa.text("UPDATE bookings SET therapist_id = :t, service_id = :s"), given)
    connection.execute(
        sa.text("UPDATE appointment_requests SET therapist_id = :t, service_id = :s"), given
    )


def upgrade() -> None:
    if _postgresql():
        op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        op.execute("ALTER TABLE schedules DROP CONSTRAINT ex_schedules_no_overlap")
        op.execute(
            "ALTER TABLE appointment_requests DROP CONSTRAINT ex_appointment_requests_no_overlap"
        )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("role", sa.String(length=16), server_default="client", nullable=False)
        )
        batch_op.add_column(
            sa.Column("may_refund", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    op.execute("UPDATE users SET role = 'owner' WHERE is_admin")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("is_admin")
    _create_tables()
    with op.batch_alter_table("schedules", schema=None) as batch_op:
        batch_op.add_column(sa.Column("therapist_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("delivery", sa.String(length=16), server_default="video", nullable=False)
        )
        batch_op.add_column(sa.Column("location", sa.String(length=200), nullable=True))
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("therapist_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("service_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("delivery", sa.String(length=16), server_default="video", nullable=False)
        )
        batch_op.add_column(sa.Column("location", sa.String(length=200), nullable=True))
    with op.batch_alter_table("appointment_requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("therapist_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("service_id", sa.Integer(), nullable=True))
    _fill(op.get_bind())
    with op.batch_alter_table("schedules", schema=None) as batch_op:
        batch_op.alter_column("therapist_id", existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_schedules_therapist_id_therapists"),
            "therapists",
            ["therapist_id"],
            ["user_id"],
            ondelete="RESTRICT",
        )
        batch_op.create_index(
            "ix_schedules_therapist_id_start_at", ["therapist_id", "start_at"], unique=False
        )
        batch_op.create_check_constraint(
            batch_op.f("ck_schedules_delivery_known"), "delivery IN ('video', 'in_person')"
        )
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.alter_column("therapist_id", existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column("service_id", existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_bookings_therapist_id_therapists"),
            "therapists",
            ["therapist_id"],
            ["user_id"],
            ondelete="RESTRICT",
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_bookings_service_id_services"),
            "services",
            ["service_id"],
            ["id"],
            ondelete="RESTRICT",
        )
        batch_op.create_index(
            "ix_bookings_therapist_id_scheduled_at",
            ["therapist_id", "scheduled_at"],
            unique=False,
        )
        batch_op.create_check_constraint(
            batch_op.f("ck_bookings_delivery_known"), "delivery IN ('video', 'in_person')"
        )
    with op.batch_alter_table("appointment_requests", schema=None) as batch_op:
        batch_op.create_foreign_key(
            batch_op.f("fk_appointment_requests_therapist_id_therapists"),
            "therapists",
            ["therapist_id"],
            ["user_id"],
            ondelete="RESTRICT",
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_appointment_requests_service_id_services"),
            "services",
            ["service_id"],
            ["id"],
            ondelete="RESTRICT",
        )
        batch_op.create_index(
            batch_op.f("ix_appointment_requests_therapist_id"), ["therapist_id"], unique=False
        )
        batch_op.create_check_constraint(
            batch_op.f("ck_appointment_requests_scheduled_has_therapist"),
            "status <> 'scheduled' OR therapist_id IS NOT NULL",
        )
    if _postgresql():
        # No therapist is in two places at once (models/schedule.py, appointment_request.py).
        op.execute(
            "ALTER TABLE schedules ADD CONSTRAINT ex_schedules_no_overlap "
            "EXCLUDE USING gist (therapist_id WITH =, tstzrange(start_at, end_at) WITH &&)"
        )
        op.execute(
            "ALTER TABLE appointment_requests ADD CONSTRAINT ex_appointment_requests_no_overlap "
            "EXCLUDE USING gist (therapist_id WITH =, "
            "tstzrange(scheduled_at, scheduled_end_at) WITH &&) WHERE (status = 'scheduled')"
        )


def downgrade() -> None:
    """Back to one therapist's practice: the roles become the admin bit (any member of staff
    is an admin), and which therapist and service each slot, booking and request had is lost.
    On PostgreSQL the old constraint that no two slots overlap at all comes back: a practice
    whose therapists' slots overlap cannot go back (the downgrade stops, changing nothing)."""
    if _postgresql():
        op.execute("ALTER TABLE schedules DROP CONSTRAINT ex_schedules_no_overlap")
        op.execute(
            "ALTER TABLE appointment_requests DROP CONSTRAINT ex_appointment_requests_no_overlap"
        )
    with op.batch_alter_table("appointment_requests", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("ck_appointment_requests_scheduled_has_therapist"), type_="check"
        )
        batch_op.drop_index(batch_op.f("ix_appointment_requests_therapist_id"))
        batch_op.drop_constraint(
            batch_op.f("fk_appointment_requests_service_id_services"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_appointment_requests_therapist_id_therapists"), type_="foreignkey"
        )
        batch_op.drop_column("service_id")
        batch_op.drop_column("therapist_id")
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_bookings_delivery_known"), type_="check")
        batch_op.drop_index("ix_bookings_therapist_id_scheduled_at")
        batch_op.drop_constraint(batch_op.f("fk_bookings_service_id_services"), type_="foreignkey")
        batch_op.drop_constraint(
            batch_op.f("fk_bookings_therapist_id_therapists"), type_="foreignkey"
        )
        batch_op.drop_column("location")
        batch_op.drop_column("delivery")
        batch_op.drop_column("service_id")
        batch_op.drop_column("therapist_id")
    with op.batch_alter_table("schedules", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_schedules_delivery_known"), type_="check")
        batch_op.drop_index("ix_schedules_therapist_id_start_at")
        batch_op.drop_constraint(
            batch_op.f("fk_schedules_therapist_id_therapists"), type_="foreignkey"
        )
        batch_op.drop_column("location")
        batch_op.drop_column("delivery")
        batch_op.drop_column("therapist_id")
    op.drop_table("schedule_services")
    op.drop_table("service_therapists")
    op.drop_table("services")
    op.drop_table("therapists")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("is_admin", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    op.execute("UPDATE users SET is_admin = (role <> 'client')")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("may_refund")
        batch_op.drop_column("role")
    if _postgresql():
        op.execute(
            "ALTER TABLE schedules ADD CONSTRAINT ex_schedules_no_overlap "
            "EXCLUDE USING gist (tstzrange(start_at, end_at) WITH &&)"
        )
        op.execute(
            "ALTER TABLE appointment_requests ADD CONSTRAINT ex_appointment_requests_no_overlap "
            "EXCLUDE USING gist (tstzrange(scheduled_at, scheduled_end_at) WITH &&) "
            "WHERE (status = 'scheduled')"
        )

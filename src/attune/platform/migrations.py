"""Run Alembic migrations from the installed package, whatever the working directory."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from attune.platform.settings import Settings

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", database_url)
    return config


def ensure_database_directory(settings: Settings) -> None:
    """SQLite creates the file but not its folder."""
    url = settings.resolved_database_url
    if url.startswith("sqlite") and ":///" in url:
        path = url.split(":///", 1)[1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)


def upgrade(settings: Settings, revision: str = "head") -> None:
    """Bring the database to `revision` (blocking: call it before the event loop starts)."""
    ensure_database_directory(settings)
    config = alembic_config(settings.resolved_database_url)
    # For a migration that needs a setting (the sender's domain in old calendar UIDs).
    config.attributes["settings"] = settings
    command.upgrade(config, revision)

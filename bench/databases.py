"""The databases a run benchmarks on: a SQLite file, and a PostgreSQL database the run creates
and drops again. Each is brought to the current schema with `attune migrate`."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

DEFAULT_POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/attune_bench"


@dataclass(frozen=True)
class Target:
    """A database under test: `kind` is "sqlite" or "postgresql"."""

    kind: str
    url: str
    sqlite_path: Path | None = None


def sqlite_target(directory: Path) -> Target:
    path = directory / "attune-bench.db"
    return Target("sqlite", f"sqlite+aiosqlite:///{path}", path)


def postgres_target(url: str) -> Target:
    return Target("postgresql", url)


async def _run_on_maintenance_database(url: str, statement: str) -> None:
    # CREATE and DROP DATABASE cannot run in a transaction, and not in the database itself.
    maintenance = make_url(url).set(database="postgres")
    engine = create_async_engine(maintenance, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.execute(text(statement))
    finally:
        await engine.dispose()


def _quoted_name(target: Target) -> str:
    name = make_url(target.url).database
    if not name or not name.replace("_", "").isalnum():
        raise ValueError(f"give the benchmark database a plain name, not {name!r}")
    return f'"{name}"'


async def create(target: Target) -> None:
    """A fresh, empty database (what a crashed earlier run left is dropped first)."""
    if target.sqlite_path is not None:
        remove_sqlite_files(target.sqlite_path)
        target.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
        return
    name = _quoted_name(target)
    await _run_on_maintenance_database(target.url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    await _run_on_maintenance_database(target.url, f"CREATE DATABASE {name}")


async def drop(target: Target) -> None:
    if target.sqlite_path is not None:
        remove_sqlite_files(target.sqlite_path)
        return
    name = _quoted_name(target)
    await _run_on_maintenance_database(target.url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def remove_sqlite_files(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)


def migrate(environment: Mapping[str, str], cwd: Path) -> None:
    """`attune migrate` with the server's environment: the schema exactly as it deploys."""
    attune = Path(sys.executable).with_name("attune")
    finished = subprocess.run(  # noqa: S603 (our own argv, no shell)
        [str(attune), "migrate"],
        env={**os.environ, **environment},
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )
    if finished.returncode != 0:
        raise RuntimeError(f"attune migrate failed:\n{finished.stdout}{finished.stderr}")

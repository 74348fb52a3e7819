"""Backups of the live database, taken while the service keeps running (`attune backup`).

SQLite: the sqlite3 online backup API copies every page in one step, inside one read
transaction. In WAL mode a reader never blocks a writer, so the service keeps writing, and the
copy is the database as it was at one instant: a transaction is in it whole or not at all.
PostgreSQL: `pg_dump --format=custom`, which reads one snapshot as well.

Either way the copy is written under a temporary name in the target folder and renamed when it
is complete, so a file with a backup's final name is always a whole backup.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import URL, make_url

from attune.platform.database import SQLITE_BUSY_TIMEOUT_MS, is_sqlite
from attune.platform.settings import Settings

SQLITE_SUFFIX = ".db"
POSTGRES_SUFFIX = ".dump"
# libpq's values for PGSSLMODE; asyncpg URLs spell the same choice `ssl=` or `sslmode=`.
_SSL_MODES = frozenset({"disable", "allow", "prefer", "require", "verify-ca", "verify-full"})


class BackupError(Exception):
    """A backup that could not be written; the message is safe to show (it holds no secret)."""


@dataclass(frozen=True)
class Backup:
    path: Path
    size_bytes: int


@dataclass(frozen=True)
class PostgresConnection:
    """How a PostgreSQL client program (pg_dump, pg_restore, psql) reaches the database: the
    arguments for its command line, and the password for its environment, never its arguments
    (a command line is visible to every user of the machine)."""

    arguments: list[str]
    password: str | None

    def environment(self, base: Mapping[str, str]) -> dict[str, str]:
        environment = dict(base)
        if self.password is not None:
            environment["PGPASSWORD"] = self.password
        return environment


def postgres_connection(database_url: str) -> PostgresConnection:
    """The libpq arguments for a SQLAlchemy URL such as `postgresql+asyncpg://u:p@host:5432/db`."""
    url = make_url(database_url)
    arguments: list[str] = []
    # asyncpg takes a Unix socket folder as `?host=`; libpq takes it as the host.
    host = url.host or _query_value(url, "host")
    if host:
        arguments.append(f"--host={host}")
    if url.port:
        arguments.append(f"--port={url.port}")
    if url.username:
        arguments.append(f"--username={url.username}")
    if url.database:
        arguments.append(f"--dbname={url.database}")
    return PostgresConnection(arguments, url.password)


def _query_value(url: URL, name: str) -> str | None:
    value = url.query.get(name)
    if isinstance(value, tuple):
        return value[-1] if value else None
    return value


def _ssl_mode(url: URL) -> str | None:
    for name in ("sslmode", "ssl"):
        value = _query_value(url, name)
        if value in _SSL_MODES:
            return value
    return None


def default_backup_path(settings: Settings, now: datetime) -> Path:
    """`<var>/backups/attune-YYYYmmddTHHMMSSZ.db` (SQLite) or `.dump` (PostgreSQL)."""
    suffix = SQLITE_SUFFIX if is_sqlite(settings.resolved_database_url) else POSTGRES_SUFFIX
    return settings.var_dir / "backups" / f"attune-{now:%Y%m%dT%H%M%SZ}{suffix}"


def back_up(database_url: str, output: Path) -> Backup:
    """Write a consistent copy of the database at `database_url` to `output` (blocking)."""
    if output.exists():
        # Never replace a file: the path may be a mistyped earlier backup or the database itself.
        raise BackupError(f"{output} already exists; choose another --output")
    source = _sqlite_path(database_url) if is_sqlite(database_url) else None
    output.parent.mkdir(parents=True, exist_ok=True)
    with _draft_beside(output) as draft:
        if source is not None:
            _copy_sqlite(source, draft)
        else:
            _dump_postgres(database_url, draft)
        _sync(draft)
        draft.rename(output)
    _sync(output.parent)
    return Backup(output, output.stat().st_size)


@contextlib.contextmanager
def _draft_beside(output: Path) -> Iterator[Path]:
    """A new empty file, readable by its owner only (backups hold personal data), in the target
    folder so that the final rename stays on one file system; removed unless renamed."""
    descriptor, name = tempfile.mkstemp(
        prefix=f".{output.name}.", suffix=".partial", dir=output.parent
    )
    os.close(descriptor)
    draft = Path(name)
    try:
        yield draft
    finally:
        for leftover in (draft, *(Path(f"{draft}{end}") for end in ("-journal", "-wal", "-shm"))):
            leftover.unlink(missing_ok=True)


def _sync(path: Path) -> None:
    """Flush a file, or a folder's entry for a renamed file, to disk."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _sqlite_path(database_url: str) -> Path:
    database = make_url(database_url).database
    if not database or database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    path = Path(database)
    if not path.is_file():
        raise BackupError(f"no SQLite database at {path}")
    return path


def _copy_sqlite(source_path: Path, draft: Path) -> None:
    source = sqlite3.connect(source_path, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000)
    try:
        copy = sqlite3.connect(draft)
        try:
            # All pages in one step: copied in steps, the backup starts over whenever another
            # connection writes, and against a busy service it might never finish.
            source.backup(copy)
            # A single self-contained file (no -wal beside it); the service turns WAL back on
            # when it opens a restored copy.
            copy.execute("PRAGMA journal_mode=DELETE")
            problems = [row[0] for row in copy.execute("PRAGMA integrity_check")]
        finally:
            copy.close()
    except sqlite3.Error as error:
        raise BackupError(f"SQLite backup failed: {error}") from None
    finally:
        source.close()
    if problems != ["ok"]:
        raise BackupError("the copy failed PRAGMA integrity_check: " + "; ".join(problems[:5]))


def _dump_postgres(database_url: str, draft: Path) -> None:
    program = shutil.which("pg_dump")
    if program is None:
        raise BackupError(
            "pg_dump was not found on PATH; install the PostgreSQL client programs "
            "(the same major version as the server, or newer)"
        )
    connection = postgres_connection(database_url)
    environment = connection.environment(os.environ)
    if ssl_mode := _ssl_mode(make_url(database_url)):
        environment["PGSSLMODE"] = ssl_mode
    # --no-password: fail at once instead of waiting for a password on a terminal that a
    # timer or a script does not have.
    command = [program, "--format=custom", "--no-password", f"--file={draft}"]
    result = subprocess.run(  # noqa: S603  (a fixed program; the arguments are not a shell line)
        [*command, *connection.arguments],
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        message = result.stderr.strip() or f"exit status {result.returncode}"
        if connection.password:
            message = message.replace(connection.password, "***")
        raise BackupError(f"pg_dump failed: {message}")

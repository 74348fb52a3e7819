"""Re-encrypting every stored personal value under the newest Fernet key (`attune rotate-keys`).

The service reads with every key of `ATTUNE_ENCRYPTION_KEYS` and writes with the first, so after a
new key is put first, old values stay readable but stay under the old key until rewritten. This
rewrites them, table by table, in batches ordered by primary key (a keyset cursor, so a batch
costs the same at the end of a large table as at its start), each batch in its own short
transaction, while the service keeps running.

It is safe to stop at any moment and to run again: a value that the newest key already opens is
left alone, so a second run finishes what the first began and a run after completion changes
nothing. Each value is written only if it still holds the ciphertext that was read, so a value
the service rewrote meanwhile (under the newest key already) is never replaced by a stale one.

The `email_hash` blind index of appointment requests is keyed by the secret key, not by these
keys, and is not touched.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import ColumnElement, Select, Table, case, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from attune.platform.crypto import DecryptionError, Encryptor, is_encrypted
from attune.platform.database import Base, Database, execute_bulk
from attune.platform.job_model import Job

DEFAULT_BATCH_SIZE = 500

# A job's payload keeps its encrypted part under this key (see attune.notifications.mail.seal);
# a mail job that was sent has it scrubbed, so only jobs still to be sent carry one.
SEALED = "sealed"


@dataclass(frozen=True)
class EncryptedColumns:
    """A table and its columns that hold Fernet ciphertext (or nothing)."""

    table: Table
    columns: tuple[str, ...]


def encrypted_columns() -> list[EncryptedColumns]:
    """Every table with an `encrypted_column()`, in `Base.metadata`'s (dependency) order."""
    found = []
    for table in Base.metadata.sorted_tables:
        columns = tuple(column.name for column in table.columns if is_encrypted(column))
        if columns:
            found.append(EncryptedColumns(table, columns))
    return found


JOBS = Job.__tablename__


class UnreadableValue(Exception):
    """A stored value that no configured key opens: rotating past it would hide a lost key."""

    def __init__(self, table: str, column: str, row_id: object) -> None:
        super().__init__(
            f"{table}.{column} of row {row_id} is not readable with any configured key "
            "(ATTUNE_ENCRYPTION_KEYS must list every key still in use)"
        )
        self.table = table
        self.column = column
        self.row_id = row_id


class RotationProgress(Protocol):
    """Told about each table before it starts and about each batch once it is committed."""

    def table_started(self, table: str, rows: int) -> None: ...

    def batch_done(self, table: str, rows: int) -> None: ...


@dataclass(frozen=True)
class TableRotation:
    table: str
    rows: int  # rows read
    rotated: int  # rows with at least one value re-encrypted (or, in a dry run, to re-encrypt)


class Rotator:
    """Re-encrypts a value under the newest key, unless the newest key already opens it."""

    def __init__(self, keys: Sequence[bytes]) -> None:
        self._newest = Fernet(keys[0])
        self._all = Encryptor(list(keys))

    def rotated(self, ciphertext: str) -> str | None:
        """The value under the newest key, or None when it already is; DecryptionError when no
        configured key opens it."""
        try:
            # Checks the token's signature with the newest key alone, without decrypting it.
            self._newest.extract_timestamp(ciphertext.encode())
        except InvalidToken:
            return self._all.rotate(ciphertext)
        return None


async def rotate_keys(
    database: Database,
    keys: Sequence[bytes],
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    dry_run: bool = False,
    progress: RotationProgress | None = None,
) -> list[TableRotation]:
    """Re-encrypt every encrypted value under `keys[0]`; raises UnreadableValue and stops at
    the first value that none of `keys` opens (the batches before it stay committed)."""
    if batch_size < 1:
        raise ValueError("batch size must be at least 1")
    rotation = _Rotation(database, Rotator(keys), batch_size, dry_run, progress)
    results = [await rotation.columns(spec) for spec in encrypted_columns()]
    results.append(await rotation.sealed_jobs())
    return results


BatchRotation = Callable[[AsyncSession, Sequence[Any]], Awaitable[int]]


@dataclass(frozen=True)
class _Rotation:
    database: Database
    rotator: Rotator
    batch_size: int
    dry_run: bool
    progress: RotationProgress | None

    async def columns(self, spec: EncryptedColumns) -> TableRotation:
        table = spec.table
        [key] = table.primary_key.columns
        columns = [table.c[name] for name in spec.columns]

        async def rotate_batch(session: AsyncSession, rows: Sequence[Any]) -> int:
            rotated = 0
            for row in rows:
                changes: dict[str, tuple[str, str]] = {}
                for column in columns:
                    stored = row._mapping[column]
                    if stored is None:
                        continue
                    fresh = self._rotated(stored, table.name, column.name, row[0])
                    if fresh is not None:
                        changes[column.name] = (stored, fresh)
                if changes and (
                    self.dry_run or await _write_columns(session, table, row[0], changes)
                ):
                    rotated += 1
            return rotated

        return await self._walk(table.name, select(key, *columns), key, rotate_batch)

    async def sealed_jobs(self) -> TableRotation:
        sealed = Job.payload[SEALED].as_string()
        column = f"payload.{SEALED}"

        async def rotate_batch(session: AsyncSession, rows: Sequence[Any]) -> int:
            rotated = 0
            for job_id, payload in rows:
                stored = payload.get(SEALED) if isinstance(payload, dict) else None
                if not isinstance(stored, str):
                    raise UnreadableValue(JOBS, column, job_id)
                fresh = self._rotated(stored, JOBS, column, job_id)
                if fresh is None:
                    continue
                if self.dry_run:
                    rotated += 1
                    continue
                # Conditional: a job sent meanwhile has had its sealed part scrubbed.
                statement = (
                    update(Job)
                    .where(Job.id == job_id, sealed == stored)
                    .values(payload={**payload, SEALED: fresh})
                )
                rotated += (await execute_bulk(session, statement)).rowcount
            return rotated

        query = select(Job.id, Job.payload).where(sealed.is_not(None))
        return await self._walk(JOBS, query, Job.__table__.c.id, rotate_batch)

    async def _walk(
        self, table: str, query: Select[Any], key: ColumnElement[Any], rotate_batch: BatchRotation
    ) -> TableRotation:
        """Every row of `query` in batches by `key` (WHERE key > last, never OFFSET), one
        transaction each; `progress` hears of a batch once it is committed."""
        async with self.database.transaction(write=False) as session:
            total = await session.scalar(select(func.count()).select_from(query.subquery()))
        if self.progress is not None:
            self.progress.table_started(table, total or 0)
        rows_read = rotated = 0
        last: object = None
        while True:
            batch = query.order_by(key).limit(self.batch_size)
            if last is not None:
                batch = batch.where(key > last)
            async with self.database.transaction(write=not self.dry_run) as session:
                rows = (await session.execute(batch)).all()
                rotated += await rotate_batch(session, rows)
            rows_read += len(rows)
            if self.progress is not None and rows:
                self.progress.batch_done(table, len(rows))
            if len(rows) < self.batch_size:
                return TableRotation(table, rows_read, rotated)
            last = rows[-1][0]

    def _rotated(self, stored: str, table: str, column: str, row_id: object) -> str | None:
        try:
            return self.rotator.rotated(stored)
        except DecryptionError:
            raise UnreadableValue(table, column, row_id) from None


async def _write_columns(
    session: AsyncSession, table: Table, row_id: object, changes: dict[str, tuple[str, str]]
) -> bool:
    """Write each new ciphertext only where the column still holds the one that was read;
    whether any was written."""
    [key] = table.primary_key.columns
    values: dict[str, Any] = {
        name: case((table.c[name] == stored, fresh), else_=table.c[name])
        for name, (stored, fresh) in changes.items()
    }
    if "updated_at" in table.c:
        # The record did not change, only how it is sealed: keep its `updated_at`.
        values["updated_at"] = table.c.updated_at
    statement = (
        update(table)
        .where(key == row_id)
        .values(values)
        .returning(*(table.c[name] for name in changes))
    )
    written = (await execute_bulk(session, statement)).first()
    if written is None:
        return False  # deleted meanwhile
    return any(written[index] == fresh for index, (_, fresh) in enumerate(changes.values()))

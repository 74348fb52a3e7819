"""The unit of work: the one shape in which every service call runs.

It holds the transaction's session, the instant the work is done at, the settings, where the
request came from (for the audit log), work to run once the transaction has committed, and
the audit entries to keep even when the operation is refused. A request gets one from
`platform.auth.Work`; a job or a command opens one with `unit_of_work(...)`. Services and
repositories flush, never commit (docs/architecture.md, "One request, one transaction").
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from attune.platform import policy
from attune.platform.actor import Actor
from attune.platform.audit import AuditAction, AuditEntry, AuditTarget, entry_values
from attune.platform.database import Database
from attune.platform.errors import AttuneError
from attune.platform.events import EventBus
from attune.platform.settings import Settings

logger = logging.getLogger("attune.unit_of_work")

# Where work that no request started comes from, as the audit log names it.
LOCAL_ADDRESS = "local"


@dataclass
class UnitOfWork:
    session: AsyncSession
    database: Database
    settings: Settings
    events: EventBus
    now: datetime
    address: str = LOCAL_ADDRESS
    # Whether this unit's transaction may write (a GET's does not).
    writes: bool = True
    _after_commit: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    _kept_if_refused: list[dict[str, Any]] = field(default_factory=list)
    _refusal_that_commits: BaseException | None = None

    def audit(
        self,
        actor: Actor,
        action: AuditAction,
        target: AuditTarget,
        target_id: object = None,
        *,
        owner_id: int | None = None,
        keep_if_refused: bool = False,
        **details: Any,
    ) -> None:
        """Record what a member of the practice does to a record that is not their own.

        Written in this transaction, so it commits with the change; with `keep_if_refused`, an
        operation that then fails still leaves it (an attempt worth a trace)."""
        if not policy.acts_for_another(actor, owner_id):
            return
        values = self._values(actor, action, target, target_id, details)
        self.session.add(AuditEntry(**values))
        if keep_if_refused:
            self._kept_if_refused.append(values)

    async def audit_reads(
        self,
        actor: Actor,
        action: AuditAction,
        target: AuditTarget,
        records: Iterable[tuple[object, int | None]],
        **details: Any,
    ) -> None:
        """Record a look at clients' records, one entry a record `(id, owner id)` that is not
        the actor's own, committed before the data is handed out, even if the operation is then
        refused.

        A read-only unit commits them at once in a transaction of their own. A unit that writes
        keeps them in its own transaction, and again if refused: on SQLite it already holds the
        only write lock, which a second transaction would wait for in vain."""
        rows = [
            self._values(actor, action, target, target_id, details)
            for target_id, owner_id in records
            if policy.acts_for_another(actor, owner_id)
        ]
        if not rows:
            return
        if self.writes:
            self.session.add_all(AuditEntry(**values) for values in rows)
            self._kept_if_refused.extend(rows)
            return
        async with self.database.transaction() as session:
            await session.execute(insert(AuditEntry), rows)

    def commit_and_refuse(self, error: AttuneError) -> AttuneError:
        """Mark `error` as a refusal that still commits this unit's work, and give it back to
        raise: for a record that must outlast the refusal it causes (a wrong code spends one of
        its tries, a stolen refresh token revokes its login). Any other error rolls back."""
        self._refusal_that_commits = error
        return error

    @asynccontextmanager
    async def attempt(self) -> AsyncIterator[None]:
        """The block's writes, undone if it raises, while the unit goes on: for a front door
        that answers a refusal itself (a page showing its form again with the message) instead
        of letting the error end the unit, which would roll everything back.

        A service may refuse halfway (a booking moved off its old seat before the new one turns
        out taken): without this, the page's unit would commit the half. The refusal marked to
        commit keeps its writes, and the audit entries kept if refused are written again."""
        kept_before = len(self._kept_if_refused)
        savepoint = await self.session.begin_nested()
        try:
            yield
        except BaseException as error:
            if error is self._refusal_that_commits:
                await savepoint.commit()
            else:
                await savepoint.rollback()
                kept = self._kept_if_refused[kept_before:]
                self.session.add_all(AuditEntry(**values) for values in kept)
            raise
        else:
            await savepoint.commit()

    @asynccontextmanager
    async def read_ahead(self) -> AsyncIterator[AsyncSession]:
        """A read-only transaction of its own, to use before this unit's first statement.

        On SQLite a unit that writes takes the only write lock with its first statement and
        holds it to the end; a read followed by slow work (checking a password takes tens of
        milliseconds on purpose) would hold every other writer up. What is read here may change
        before this unit's own transaction begins: the unit reads again what it relies on."""
        async with self.database.transaction(write=False) as session:
            yield session

    @asynccontextmanager
    async def read_first(self) -> AsyncIterator[AsyncSession]:
        """Where to read what may end the work before it writes anything (a refusal).

        On SQLite, a writing unit that has not begun reads ahead (`read_ahead`), so a request
        refused on what it read never takes the only write lock that all writers queue for;
        the unit reads again what it relies on. Anywhere else (PostgreSQL, or a unit that has
        begun) it reads in the unit's own session, which costs no transaction of its own."""
        transaction = self.session.sync_session.get_transaction()
        began = transaction is not None and bool(transaction.connections)
        if self.writes and self.database.is_sqlite and not began:
            async with self.read_ahead() as session:
                yield session
        else:
            yield self.session

    def after_commit(self, work: Callable[[], Awaitable[None]]) -> None:
        """Run `work` once the transaction has committed (never if it rolls back)."""
        self._after_commit.append(work)

    async def publish(self, event: object) -> None:
        """Let every domain that listens for this event act on it, in this transaction."""
        await self.events.publish(self, event)

    def _values(
        self,
        actor: Actor,
        action: AuditAction,
        target: AuditTarget,
        target_id: object,
        details: dict[str, Any],
    ) -> dict[str, Any]:
        return entry_values(
            actor, action, target, target_id, address=self.address, at=self.now, details=details
        )


@asynccontextmanager
async def unit_of_work(
    database: Database,
    settings: Settings,
    events: EventBus,
    *,
    now: datetime,
    address: str = LOCAL_ADDRESS,
    write: bool = True,
    single_statement: bool = False,
) -> AsyncIterator[UnitOfWork]:
    """A unit of work in one transaction: committed when the block ends, rolled back if it
    raises (keeping the entries marked so) unless the error is the refusal marked to commit;
    once committed, its after-commit work. `single_statement`: a read of one SELECT, run
    without BEGIN and COMMIT (`Database.transaction`)."""
    uow: UnitOfWork | None = None
    refusal: BaseException | None = None
    try:
        async with database.transaction(write=write, single_statement=single_statement) as session:
            uow = UnitOfWork(session, database, settings, events, now, address, write)
            try:
                yield uow
            except BaseException as error:
                if error is not uow._refusal_that_commits:
                    raise
                refusal = error
    except BaseException:
        if uow is not None and uow._kept_if_refused:
            await _keep(database, uow._kept_if_refused)
        raise
    for work in uow._after_commit:
        await work()
    if refusal is not None:
        raise refusal


async def _keep(database: Database, rows: list[dict[str, Any]]) -> None:
    try:
        async with database.transaction() as session:
            await session.execute(insert(AuditEntry), rows)
    except Exception:
        # The refusal is what the caller must hear; a lost entry is logged, not raised over it.
        logger.exception("audit entries of a refused operation could not be kept")

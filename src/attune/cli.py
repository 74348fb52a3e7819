"""The `attune` command: serve, worker, migrate, backup, create-admin, rotate-keys."""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import signal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

    from attune.platform.key_rotation import TableRotation
    from attune.platform.settings import Settings

# Each command imports what it needs when it runs. `attune serve --workers N` stays uvicorn's
# supervisor for the life of the service and serves nothing itself, and every app process (and
# every process multiprocessing spawns from one) imports this module again as its __main__:
# the app, the ORM, Alembic and Rich imported here would be held by every one of them.

app = typer.Typer(
    help="Attune: booking backend for therapy practices.",
    no_args_is_help=True,
    add_completion=False,
)
logger = logging.getLogger("attune.cli")


def fail(message: str) -> typer.Exit:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    return typer.Exit(code=1)


def settings_from_environment(**overrides: object) -> Settings:
    from pydantic import ValidationError

    from attune.platform.logging import configure_logging
    from attune.platform.settings import (
        ConfigurationError,
        describe_invalid_settings,
        load_settings,
    )

    try:
        settings = load_settings(**overrides)
    except ValidationError as error:
        raise fail(f"invalid configuration: {describe_invalid_settings(error)}") from None
    except ConfigurationError as error:
        raise fail(f"invalid configuration: {error}") from None
    configure_logging(settings)
    return settings


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on [ATTUNE_HOST].")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on [ATTUNE_PORT].")] = None,
    workers: Annotated[int, typer.Option(min=1, help="Number of app processes.")] = 1,
) -> None:
    """Apply migrations, then serve the API (with the job worker unless ATTUNE_RUN_WORKER=false)."""
    import uvicorn

    settings = settings_from_environment()
    # Alembic, the ORM and the models would stay in this process's memory for the life of the
    # service (uvicorn's supervisor, or the app process itself with one worker): the migrations
    # run in a process of their own.
    migrating = multiprocessing.get_context("spawn").Process(
        target=_migrate_from_environment, name="attune-migrate"
    )
    migrating.start()
    migrating.join()
    if migrating.exitcode != 0:
        raise fail("the database could not be migrated (the error is above)")
    settings.secret  # noqa: B018  (create the development secret once, before processes fork)
    uvicorn.run(
        "attune.app:create_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers,
        # Client addresses behind proxies are resolved by ATTUNE_TRUSTED_PROXIES, not uvicorn.
        proxy_headers=False,
        server_header=False,
        access_log=False,
        log_config=None,
        timeout_graceful_shutdown=30,
        # uvicorn replaces an app process that does not answer its supervisor within 5 s by
        # default; on a busy machine without compiled bytecode, importing the app alone can
        # take that long, and the supervisor would restart processes in a loop.
        timeout_worker_healthcheck=30,
    )


def _migrate_from_environment() -> None:
    from attune.platform import migrations

    migrations.upgrade(settings_from_environment())


@app.command()
def worker() -> None:
    """Run the job worker (mail, reminders, sweeps) until SIGTERM or SIGINT."""
    settings = settings_from_environment()
    asyncio.run(_run_worker(settings))


async def _run_worker(settings: Settings) -> None:
    from attune.event_handlers import domain_events
    from attune.job_handlers import job_registry
    from attune.platform.clock import Clock
    from attune.platform.database import Database
    from attune.platform.worker import Worker

    database = Database(settings.resolved_database_url)
    job_worker = Worker(settings, database, Clock(), job_registry(), domain_events())
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, job_worker.stop)
    logger.info("worker started")
    try:
        await job_worker.run()
    finally:
        await database.dispose()
        logger.info("worker stopped")


@app.command()
def migrate(
    revision: Annotated[str, typer.Argument(help="Target revision.")] = "head",
) -> None:
    """Bring the database schema up to date."""
    from attune.platform import migrations

    settings = settings_from_environment()
    migrations.upgrade(settings, revision)
    typer.echo(f"database at {revision}")


@app.command()
def backup(
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            dir_okay=False,
            help="File to write [default: ATTUNE_VAR_DIR/backups/attune-<UTC time>.db or .dump].",
        ),
    ] = None,
) -> None:
    """Write a consistent copy of the database while the service runs.

    SQLite: an online copy, checked with PRAGMA integrity_check. PostgreSQL: pg_dump's custom
    format (needs pg_dump on PATH); restore it with pg_restore.
    """
    from attune.platform.backup import BackupError, back_up, default_backup_path
    from attune.platform.clock import Clock

    settings = settings_from_environment()
    target = output or default_backup_path(settings, Clock().now())
    try:
        written = back_up(settings.resolved_database_url, target)
    except BackupError as error:
        raise fail(str(error)) from None
    typer.echo(f"backup written to {written.path} ({written.size_bytes} bytes)")


@app.command("create-admin")
def create_admin(
    email: Annotated[str, typer.Option(prompt=True, help="The admin's e-mail address.")],
    password: Annotated[
        str,
        typer.Option(prompt=True, hide_input=True, confirmation_prompt=True, help="Password."),
    ],
    first_name: Annotated[str, typer.Option(help="First name.")] = "Practice",
    last_name: Annotated[str, typer.Option(help="Last name.")] = "Admin",
    therapist: Annotated[
        bool,
        typer.Option(
            help="Also give the owner a therapist's calendar (the only therapist of a practice "
            "of one); --no-therapist for an owner who sees no clients."
        ),
    ] = True,
) -> None:
    """Create the practice's owner, or make an existing account an owner with this password."""
    from attune.platform import migrations
    from attune.platform.errors import AttuneError

    settings = settings_from_environment()
    migrations.upgrade(settings)
    try:
        user_id = asyncio.run(
            _create_admin(settings, email, password, first_name, last_name, therapist=therapist)
        )
    except AttuneError as error:
        raise fail(f"{error.error}{': ' + error.details if error.details else ''}") from None
    typer.echo(f"admin {email.strip().lower()} ready (user id {user_id})")


async def _create_admin(
    settings: Settings,
    email: str,
    password: str,
    first_name: str,
    last_name: str,
    *,
    therapist: bool,
) -> int:
    from attune.accounts.service import account_service
    from attune.event_handlers import domain_events
    from attune.platform.actor import SYSTEM
    from attune.platform.clock import Clock
    from attune.platform.database import Database
    from attune.platform.unit_of_work import unit_of_work
    from attune.practice.service import PracticeService

    database = Database(settings.resolved_database_url)
    try:
        async with unit_of_work(database, settings, domain_events(), now=Clock().now()) as uow:
            account = await account_service.create_admin(
                uow,
                SYSTEM,
                email=email,
                password=password,
                first_name=first_name,
                last_name=last_name,
            )
            if therapist:
                await PracticeService().add_therapist(uow, SYSTEM, account.id)
            return account.id
    finally:
        await database.dispose()


@app.command("rotate-keys")
def rotate_keys_command(
    batch_size: Annotated[
        int | None, typer.Option(min=1, help="Rows re-encrypted per transaction (default 500).")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Count what would be re-encrypted; change nothing.")
    ] = False,
) -> None:
    """Re-encrypt every personal field under the first key of ATTUNE_ENCRYPTION_KEYS.

    Safe while the service runs, and to stop at any moment: run it again to finish.
    """
    from attune.platform.key_rotation import UnreadableValue

    settings = settings_from_environment()
    if len(settings.fernet_keys) == 1:
        typer.echo("Only one encryption key is configured: there is no older key to rotate from.")
    try:
        results = asyncio.run(_rotate_keys(settings, batch_size, dry_run))
    except UnreadableValue as error:
        raise fail(str(error)) from None
    except KeyboardInterrupt:
        typer.echo(
            "interrupted: the batches done are kept; run `attune rotate-keys` again to finish",
            err=True,
        )
        raise typer.Exit(code=130) from None
    verb = "to re-encrypt" if dry_run else "re-encrypted"
    for result in results:
        typer.echo(f"{result.table}: {result.rotated} of {result.rows} rows {verb}")
    typer.echo(f"total: {sum(result.rotated for result in results)} rows {verb}")


class _ProgressBars:
    """A bar per table on standard error, so standard output keeps only the summary."""

    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._tasks: dict[str, TaskID] = {}

    def table_started(self, table: str, rows: int) -> None:
        self._tasks[table] = self._progress.add_task(table, total=rows)

    def batch_done(self, table: str, rows: int) -> None:
        self._progress.advance(self._tasks[table], rows)


async def _rotate_keys(
    settings: Settings, batch_size: int | None, dry_run: bool
) -> list[TableRotation]:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    import attune.models  # noqa: F401  (registers every table: their encrypted columns are rotated)
    from attune.platform.database import Database
    from attune.platform.key_rotation import DEFAULT_BATCH_SIZE, rotate_keys

    database = Database(settings.resolved_database_url)
    columns = (TextColumn("{task.description:<22}"), BarColumn(), MofNCompleteColumn())
    try:
        with Progress(*columns, console=Console(stderr=True)) as progress:
            return await rotate_keys(
                database,
                settings.fernet_keys,
                batch_size=batch_size or DEFAULT_BATCH_SIZE,
                dry_run=dry_run,
                progress=_ProgressBars(progress),
            )
    finally:
        await database.dispose()


def main() -> None:
    app(prog_name="attune")


if __name__ == "__main__":
    main()

"""A private PostgreSQL cluster on 127.0.0.1 that a test may stop and start at will.

The shared server that every other test uses must never be stopped, so a test about a database
outage makes its own: `initdb` into a temporary directory, trust authentication, a free port,
no Unix socket. PostgreSQL refuses to run as root, so when the tests run as root the server's
commands run as the `postgres` user.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.support.mailbox import free_port

SUPERUSER = "postgres"
COMMAND_TIMEOUT_SECONDS = 60


class ClusterUnavailable(Exception):
    """This machine cannot run a private PostgreSQL cluster; the message says why."""


def server_binaries() -> Path:
    """The folder of `initdb`, `pg_ctl` and `createdb`, as `pg_config --bindir` names it."""
    pg_config = shutil.which("pg_config")
    if pg_config is not None:
        found = subprocess.run(
            [pg_config, "--bindir"], capture_output=True, text=True, check=False
        ).stdout.strip()
        if found and (Path(found) / "initdb").exists():
            return Path(found)
    initdb = shutil.which("initdb")
    if initdb is None:
        raise ClusterUnavailable("PostgreSQL's initdb was not found (pg_config --bindir, PATH)")
    return Path(initdb).parent


def server_account() -> str | None:
    """The OS user to run the server as: `postgres` when running as root, else ourselves."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(SUPERUSER)
    except KeyError:
        raise ClusterUnavailable(
            "running as root and there is no `postgres` user to run PostgreSQL as"
        ) from None
    if shutil.which("runuser") is None:
        raise ClusterUnavailable("running as root and `runuser` was not found")
    return SUPERUSER


@dataclass
class PostgresCluster:
    binaries: Path
    directory: Path
    port: int
    account: str | None

    @property
    def data(self) -> Path:
        return self.directory / "data"

    @property
    def log(self) -> Path:
        return self.directory / "server.log"

    def url(self, database: str) -> str:
        return f"postgresql+asyncpg://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def _run(self, program: str, *args: str) -> None:
        command = [str(self.binaries / program), *args]
        if self.account is not None:
            command = ["runuser", "-u", self.account, "--", *command]
        result = subprocess.run(
            command, capture_output=True, text=True, timeout=COMMAND_TIMEOUT_SECONDS, check=False
        )
        if result.returncode != 0:
            raise RuntimeError(f"{program} failed ({result.returncode}): {result.stderr.strip()}")

    def initialise(self) -> None:
        self._run(
            "initdb", "--pgdata", str(self.data), "--username", SUPERUSER, "--auth", "trust",
            "--encoding", "UTF8", "--locale", "C", "--no-sync",
        )  # fmt: skip

    def start(self) -> None:
        # fsync off: only an operating-system crash could lose a commit, and a test's server
        # is only ever killed, which keeps every commit that was acknowledged.
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' "
            "-c fsync=off -c max_connections=200"
        )
        self._run(
            "pg_ctl", "start", "--wait", "--pgdata", str(self.data), "--log", str(self.log),
            "--options", options,
        )  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        """Stop the server; `immediate` kills it as a crash or a pulled plug would."""
        self._run("pg_ctl", "stop", "--wait", "--pgdata", str(self.data), "--mode", mode)

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def create_database(self, name: str) -> str:
        """Create a database; returns its SQLAlchemy URL."""
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", SUPERUSER, name)
        return self.url(name)


@contextmanager
def postgres_cluster() -> Iterator[PostgresCluster]:
    """A running private cluster; stopped and removed afterwards, also when the test fails."""
    binaries = server_binaries()
    account = server_account()
    directory = Path(tempfile.mkdtemp(prefix="attune-pg-"))
    if account is not None:
        entry = pwd.getpwnam(account)
        os.chown(directory, entry.pw_uid, entry.pw_gid)
    cluster = PostgresCluster(binaries, directory, free_port(), account)
    try:
        cluster.initialise()
        cluster.start()
        yield cluster
    finally:
        if cluster.running():
            cluster.stop("immediate")
        shutil.rmtree(directory, ignore_errors=True)

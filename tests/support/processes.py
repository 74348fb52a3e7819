"""`attune serve` and `attune worker` as real processes on 127.0.0.1, as an operator runs them.

Each process writes its output to a log file in the test's directory, which a failing test
prints. Every process started through `attune_processes` is stopped when the block ends, also
when the test fails: first SIGTERM, then SIGKILL for one that does not stop in time.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.conftest import TEST_SECRET
from tests.support.mailbox import free_port

STARTUP_TIMEOUT_SECONDS = 60
STOP_TIMEOUT_SECONDS = 30


def attune_environment(database_url: str, var_dir: Path, **settings: str) -> dict[str, str]:
    """The environment of an attune process: this one's, without its ATTUNE_ variables, plus
    test settings (fast password hashing, the tests' secret) and `settings` as ATTUNE_<NAME>."""
    environment = {key: value for key, value in os.environ.items() if not key.startswith("ATTUNE_")}
    environment.update(
        ATTUNE_ENV="test",
        ATTUNE_VAR_DIR=str(var_dir),
        ATTUNE_DATABASE_URL=database_url,
        ATTUNE_SECRET_KEY=TEST_SECRET,
        ATTUNE_PASSWORD_TIME_COST="1",
        ATTUNE_PASSWORD_MEMORY_KIB="1024",
        ATTUNE_LOG_LEVEL="WARNING",
    )
    environment.update({f"ATTUNE_{name.upper()}": value for name, value in settings.items()})
    return environment


@dataclass
class AttuneProcess:
    name: str
    process: subprocess.Popen[bytes]
    log: Path
    base_url: str = ""

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self) -> None:
        self.terminate()
        self.wait_for_exit()

    def terminate(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)

    def wait_for_exit(self) -> None:
        """Wait for the process to end after SIGTERM; SIGKILL it if it takes too long."""
        try:
            self.process.wait(timeout=STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def kill(self) -> None:
        """SIGKILL: the process gets no chance to finish or give anything back."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()


@dataclass
class AttuneProcesses:
    """Starts attune processes in one directory and remembers them, to stop them all."""

    directory: Path
    started: list[AttuneProcess] = field(default_factory=list)

    def _start(self, name: str, arguments: list[str], environment: dict[str, str]) -> AttuneProcess:
        log = self.directory / f"{name}.log"
        with log.open("wb") as output:
            process = subprocess.Popen(
                [sys.executable, "-m", "attune", *arguments],
                env=environment,
                cwd=self.directory,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        started = AttuneProcess(name, process, log)
        self.started.append(started)
        return started

    def serve(self, name: str, environment: dict[str, str]) -> AttuneProcess:
        """`attune serve` on a free port; returns once it answers GET /health."""
        started = self.start_serving(name, environment)
        wait_until_serving(started)
        return started

    def start_serving(self, name: str, environment: dict[str, str]) -> AttuneProcess:
        """`attune serve` on a free port, without waiting for it (see `wait_until_serving`)."""
        port = free_port()
        started = self._start(name, ["serve", "--port", str(port)], environment)
        started.base_url = f"http://127.0.0.1:{port}"
        return started

    def worker(self, name: str, environment: dict[str, str]) -> AttuneProcess:
        return self._start(name, ["worker"], environment)

    def stop_all(self) -> None:
        # All at once: each may take seconds to finish what it is doing.
        for started in self.started:
            started.terminate()
        for started in self.started:
            started.wait_for_exit()


def wait_until_serving(started: AttuneProcess) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if started.process.poll() is not None:
            raise RuntimeError(f"{started.name} exited while starting:\n{started.output()}")
        try:
            if httpx.get(f"{started.base_url}/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{started.name} did not answer in time:\n{started.output()}")


@contextmanager
def attune_processes(directory: Path) -> Iterator[AttuneProcesses]:
    directory.mkdir(parents=True, exist_ok=True)
    processes = AttuneProcesses(directory)
    try:
        yield processes
    finally:
        processes.stop_all()

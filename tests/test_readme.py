"""The README's walkthrough, run as written: every fenced `sh` example from "Try it" on, in
order, in one shell, against `attune serve` started as `make run` starts it (nothing
configured, SQLite and mail in ./var of its directory). The examples are read from the README
itself, so it cannot drift from the service again."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from tests.conftest import TEST_DATABASE_URL
from tests.support.processes import attune_processes

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
WALKTHROUGH_START = "### Try it"
SHELL_BLOCK = re.compile(r"^```sh\n(.*?)^```$", re.MULTILINE | re.DOTALL)
README_ADDRESS = "http://127.0.0.1:8080"
# Every HTTP error stops the walkthrough: curl exits non-zero on a 4xx or 5xx (printing the
# answer's body), and the shell stops at the first failing command.
PRELUDE = """set -euo pipefail
curl() { command curl --fail-with-body --show-error --max-time 60 "$@"; }
set -x
"""
RUN_TIMEOUT_SECONDS = 300

pytestmark = pytest.mark.processes


def walkthrough() -> list[str]:
    """The README's shell examples from "Try it" on, in order."""
    text = README.read_text()
    return SHELL_BLOCK.findall(text, text.index(WALKTHROUGH_START))


def test_the_walkthrough_has_its_examples() -> None:
    script = "\n".join(walkthrough())

    for step in ("/api/auth/register", "/api/bookings", "/api/payments/confirm", "/schedule/"):
        assert step in script, step
    # Dates are computed when the example runs, never written down to go stale.
    assert not re.search(r"\b20\d\d-\d\d-\d\d\b", script)
    # Every variable an example uses was set by an earlier one.
    used = set(re.findall(r"\$\{?([A-Z_]+)\b", script))
    assigned = set(re.findall(r"^\s*([A-Z_]+)=", script, re.MULTILINE))
    assert used <= assigned, used - assigned


@pytest.mark.skipif(
    TEST_DATABASE_URL is not None,
    reason="the walkthrough serves from SQLite as `make run` does; the SQLite pass runs it",
)
def test_the_walkthrough_runs_in_order_on_a_fresh_service(tmp_path: Path) -> None:
    # Where the README's `.venv/bin/attune` is: the instance's directory is the repository's.
    (tmp_path / ".venv").symlink_to(ROOT / ".venv")
    environment = {key: value for key, value in os.environ.items() if not key.startswith("ATTUNE_")}

    with attune_processes(tmp_path) as processes:
        served = processes.serve("serve", environment)
        script = PRELUDE + "\n".join(walkthrough()).replace(README_ADDRESS, served.base_url)
        run = subprocess.run(
            ["bash", "-c", script],
            cwd=tmp_path,
            env=environment,
            capture_output=True,
            text=True,
            timeout=RUN_TIMEOUT_SECONDS,
            check=False,
        )

    assert run.returncode == 0, f"{run.stderr[-4000:]}\n{run.stdout[-2000:]}"
    answers = run.stdout
    assert '"message":"Email verified successfully"' in answers
    assert '"message":"Payment confirmed successfully"' in answers
    assert '"message":"Booking rescheduled successfully"' in answers
    assert '"message":"Booking cancelled successfully"' in answers
    assert '"status":"scheduled","scheduled_datetime"' in answers

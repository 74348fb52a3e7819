"""The `attune` command as an operator uses it: real processes on a scratch SQLite database."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.mailbox import free_port


def attune_env(var_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ATTUNE_")}
    env.update(
        ATTUNE_VAR_DIR=str(var_dir),
        ATTUNE_DATABASE_URL=f"sqlite+aiosqlite:///{var_dir / 'attune.db'}",
        ATTUNE_PASSWORD_TIME_COST="1",
        ATTUNE_PASSWORD_MEMORY_KIB="1024",
        ATTUNE_LOG_LEVEL="WARNING",
    )
    env.update(extra)
    return env


def attune(*args: str, env: dict[str, str], stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "attune", *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


class TestCreateAdmin:
    def test_creates_an_admin_who_can_log_in(self, tmp_path: Path) -> None:
        env = attune_env(tmp_path)
        result = attune(
            "create-admin",
            "--email",
            " Therapist@Example.com ",
            "--password",
            "quiet-harbour-lantern",
            env=env,
        )
        assert result.returncode == 0, result.stderr
        assert "therapist@example.com" in result.stdout

    def test_prompts_for_what_is_missing(self, tmp_path: Path) -> None:
        env = attune_env(tmp_path)
        result = attune(
            "create-admin",
            env=env,
            stdin="admin@example.com\nquiet-harbour-lantern\nquiet-harbour-lantern\n",
        )
        assert result.returncode == 0, result.stderr
        assert "admin@example.com" in result.stdout

    def test_refuses_a_weak_password(self, tmp_path: Path) -> None:
        env = attune_env(tmp_path)
        result = attune(
            "create-admin", "--email", "admin@example.com", "--password", "12345678", env=env
        )
        assert result.returncode != 0
        assert "error:" in result.stderr
        assert "Traceback" not in result.stderr

    def test_refuses_an_invalid_email(self, tmp_path: Path) -> None:
        env = attune_env(tmp_path)
        result = attune(
            "create-admin",
            "--email",
            "not-an-email",
            "--password",
            "quiet-harbour-lantern",
            env=env,
        )
        assert result.returncode != 0
        assert "Traceback" not in result.stderr


class TestMigrate:
    def test_migrates_a_fresh_database(self, tmp_path: Path) -> None:
        result = attune("migrate", env=attune_env(tmp_path / "var"))
        assert result.returncode == 0, result.stderr
        assert (tmp_path / "var" / "attune.db").exists()

    def test_bad_configuration_is_a_clear_error(self, tmp_path: Path) -> None:
        result = attune(
            "migrate", env=attune_env(tmp_path, ATTUNE_PRACTICE_TIMEZONE="Nowhere/Here")
        )
        assert result.returncode != 0
        assert "invalid configuration" in result.stderr
        assert "Traceback" not in result.stderr


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    port = free_port()
    env = attune_env(tmp_path / "var", ATTUNE_REQUIRE_EMAIL_VERIFICATION="false")
    log = (tmp_path / "serve.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "attune", "serve", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        else:
            pytest.fail(
                f"attune serve did not answer within 60 s: {(tmp_path / 'serve.log').read_text()}"
            )
        yield base
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            pytest.fail("attune serve did not stop on SIGTERM")
        finally:
            log.close()


@pytest.mark.processes
class TestServe:
    def test_new_user_path_register_then_login(self, server: str) -> None:
        """Seed 000's register and login examples, as a new user runs them (verification off)."""
        body = {
            "first_name": "John",
            "last_name": "Doe",
            "email": "john@example.com",
            "password": "correct-horse-battery",
        }
        registered = httpx.post(f"{server}/api/auth/register", json=body, timeout=10)
        assert registered.status_code == 201, registered.text
        assert registered.json()["message"] == "User registered successfully"
        assert registered.json()["user"]["email"] == "john@example.com"

        login = httpx.post(
            f"{server}/api/auth/login",
            json={"email": "john@example.com", "password": "correct-horse-battery"},
            timeout=10,
        )
        assert login.status_code == 200, login.text
        assert login.json()["message"] == "Login successful"
        token = login.json()["token"]

        profile = httpx.get(
            f"{server}/api/auth/profile", headers={"Authorization": f"Bearer {token}"}, timeout=10
        )
        assert profile.status_code == 200
        assert profile.json()["user"]["first_name"] == "John"
        assert "server" not in {name.lower() for name in profile.headers}

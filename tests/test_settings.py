"""Settings: defaults that work on one machine, and production refusing development secrets."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from pydantic import ValidationError

from attune.platform.settings import (
    ConfigurationError,
    Environment,
    Settings,
    describe_invalid_settings,
)


def settings(tmp_path: Path, **values: object) -> Settings:
    return Settings(_env_file=None, var_dir=tmp_path, **values)  # type: ignore[arg-type]


class TestDefaults:
    def test_sqlite_in_var_dir(self, tmp_path: Path) -> None:
        assert (
            settings(tmp_path).resolved_database_url == f"sqlite+aiosqlite:///{tmp_path}/attune.db"
        )

    def test_development_secret_is_generated_once_and_kept(self, tmp_path: Path) -> None:
        first = settings(tmp_path).secret
        second = settings(tmp_path).secret
        assert first == second
        assert len(first) >= 32
        assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0

    def test_purpose_keys_differ(self, tmp_path: Path) -> None:
        configured = settings(tmp_path, secret_key="x" * 40)
        assert configured.derived_key("jwt") != configured.derived_key("otp")

    def test_reads_prefixed_environment(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("ATTUNE_PORT", "9090")
        monkeypatch.setenv("ATTUNE_CORS_ORIGINS", "https://a.example, https://b.example")
        loaded = settings(tmp_path)
        assert loaded.port == 9090
        assert loaded.cors_origins == ["https://a.example", "https://b.example"]


class TestProduction:
    def test_refuses_missing_secret(self, tmp_path: Path) -> None:
        with pytest.raises((ConfigurationError, ValidationError)):
            settings(tmp_path, env=Environment.production)

    def test_refuses_short_or_development_secret(self, tmp_path: Path) -> None:
        for weak in ("short", "dev-" + "x" * 40):
            with pytest.raises((ConfigurationError, ValidationError)):
                settings(tmp_path, env=Environment.production, secret_key=weak)

    def test_accepts_a_real_secret(self, tmp_path: Path) -> None:
        loaded = settings(tmp_path, env=Environment.production, secret_key="k" * 48)
        assert loaded.env is Environment.production


class TestValidation:
    def test_unknown_time_zone(self, tmp_path: Path) -> None:
        with pytest.raises(ValidationError):
            settings(tmp_path, practice_timezone="Mars/Olympus")

    def test_bad_trusted_proxy(self, tmp_path: Path) -> None:
        with pytest.raises(ValidationError):
            settings(tmp_path, trusted_proxies="not-a-network")

    def test_bad_encryption_key_is_refused_without_showing_it(self, tmp_path: Path) -> None:
        with pytest.raises(ValidationError) as refused:
            settings(tmp_path, encryption_keys="not-a-fernet-key")
        described = describe_invalid_settings(refused.value)
        assert "ATTUNE_ENCRYPTION_KEYS" in described
        assert "not-a-fernet-key" not in described

    def test_encryption_keys_newest_first(self, tmp_path: Path) -> None:
        keys = [Fernet.generate_key().decode() for _ in range(2)]
        loaded = settings(tmp_path, encryption_keys=",".join(keys))
        assert loaded.fernet_keys == [key.encode() for key in keys]


class TestJitsi:
    def test_app_id_without_secret_is_refused(self, tmp_path: Path) -> None:
        with pytest.raises(ValidationError) as refused:
            settings(tmp_path, jitsi_app_id="attune")
        assert "must be set together" in describe_invalid_settings(refused.value)

    def test_secret_without_app_id_is_refused(self, tmp_path: Path) -> None:
        with pytest.raises(ValidationError):
            settings(tmp_path, jitsi_app_secret="s" * 32)

    @pytest.mark.parametrize("url", ["meet.jit.si", "ftp://meet.jit.si", "https://"])
    def test_base_url_needs_a_scheme_and_host(self, tmp_path: Path, url: str) -> None:
        with pytest.raises(ValidationError) as refused:
            settings(tmp_path, jitsi_base_url=url)
        assert "ATTUNE_JITSI_BASE_URL" in describe_invalid_settings(refused.value)

    def test_base_url_loses_its_trailing_slash(self, tmp_path: Path) -> None:
        assert settings(tmp_path, jitsi_base_url="https://video.example.org/").jitsi_base_url == (
            "https://video.example.org"
        )

"""What the repository ships beside the code: the licence, and `.env.example` listing every
setting with its default, compared with the Settings class so neither can drift."""

from __future__ import annotations

import re
import tomllib
from importlib.metadata import distribution
from pathlib import Path

import pytest

from attune.platform.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
# `# ATTUNE_NAME=default`: every setting is commented out, so the file copied to `.env` as it
# is changes nothing; `default` is empty where the setting is unset by default.
SETTING_LINE = re.compile(r"^# (ATTUNE_[A-Z0-9_]+)=(.*)$")


def env_example() -> dict[str, tuple[str, str]]:
    """Each setting in `.env.example`: its default and the comment line above it."""
    lines = (ROOT / ".env.example").read_text().splitlines()
    entries: dict[str, tuple[str, str]] = {}
    for number, line in enumerate(lines):
        match = SETTING_LINE.match(line)
        if match:
            name, default = match.groups()
            assert name not in entries, f"{name} is listed twice"
            meaning = lines[number - 1].removeprefix("#").strip() if number else ""
            entries[name] = (default, meaning)
    return entries


def setting_names() -> set[str]:
    return {f"ATTUNE_{name.upper()}" for name in Settings.model_fields}


class TestLicence:
    def test_the_licence_file_is_the_one_pyproject_names(self) -> None:
        project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]

        assert project["license"] == "MIT"
        assert (ROOT / "LICENSE").read_text().startswith("MIT License\n")

    def test_the_installed_package_carries_the_licence(self) -> None:
        package = distribution("attune")

        assert package.metadata["License-Expression"] == "MIT"
        assert package.metadata.get_all("License-File") == ["LICENSE"]
        shipped = [file for file in package.files or () if file.name == "LICENSE"]
        assert len(shipped) == 1
        assert shipped[0].read_text() == (ROOT / "LICENSE").read_text()


class TestEnvExample:
    def test_lists_every_setting_and_nothing_else(self) -> None:
        listed = set(env_example())

        assert setting_names() - listed == set(), "settings missing from .env.example"
        assert listed - setting_names() == set(), ".env.example lists unknown settings"

    def test_every_setting_says_what_it_means(self) -> None:
        for name, (_, meaning) in env_example().items():
            assert len(meaning) > 10, f"{name} has no one-line meaning above it"
            assert not SETTING_LINE.match(f"# {meaning}"), f"{name} has no meaning of its own"

    @pytest.mark.parametrize("name", sorted(setting_names()))
    def test_the_listed_default_is_the_default(
        self, name: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        listed, _ = env_example()[name]
        field = name.removeprefix("ATTUNE_").lower()
        for variable in setting_names():
            monkeypatch.delenv(variable, raising=False)
        default = getattr(Settings(_env_file=None), field)

        if listed == "":
            # Unset by default: None, an empty list, or an empty string the service fills in.
            assert default in (None, [], ""), f"{name} defaults to {default!r}, listed as unset"
            return
        monkeypatch.setenv(name, listed)
        assert getattr(Settings(_env_file=None), field) == default

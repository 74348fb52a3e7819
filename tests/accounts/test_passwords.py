from __future__ import annotations

import psutil
import pytest

from attune.accounts.errors import WeakPassword
from attune.accounts.passwords import (
    check_password_policy,
    hash_password,
    needs_rehash,
    verify_password,
)
from attune.platform.settings import Settings

EMAIL = "ada.lovelace@example.com"
NAMES = ["Ada", "Lovelace"]


def reasons(password: str) -> str:
    with pytest.raises(WeakPassword) as refused:
        check_password_policy(password, email=EMAIL, names=NAMES)
    return refused.value.details or ""


class TestPolicy:
    @pytest.mark.parametrize(
        "password",
        ["correct horse battery", "securepassword123", "SecurePassword123", "Tr0ub4dor&3x"],
    )
    def test_accepts_reasonable_passwords(self, password: str) -> None:
        check_password_policy(password, email=EMAIL, names=NAMES)

    def test_refuses_short_passwords(self) -> None:
        assert "at least 8 characters" in reasons("x7#kq2!")

    def test_refuses_numeric_passwords(self) -> None:
        assert "entirely numeric" in reasons("90417236581")

    @pytest.mark.parametrize("password", ["password123", "Password1", "qwertyuiop", "iloveyou"])
    def test_refuses_common_passwords_whatever_the_case(self, password: str) -> None:
        assert "too common" in reasons(password)

    def test_refuses_a_password_close_to_the_email(self) -> None:
        assert "similar to the e-mail" in reasons("adalovelace")

    def test_refuses_a_password_close_to_a_name(self) -> None:
        with pytest.raises(WeakPassword) as refused:
            check_password_policy("Lovelace!", email="countess@example.com", names=NAMES)

        assert "similar to your name" in (refused.value.details or "")

    def test_names_much_shorter_than_the_password_do_not_count(self) -> None:
        check_password_policy("ada went sailing on the thames", email=EMAIL, names=NAMES)

    def test_gives_every_reason_at_once(self) -> None:
        details = reasons("1234")

        assert "too short" in details
        assert "entirely numeric" in details
        assert "too common" in details


class TestHashing:
    async def test_hash_is_argon2id_and_verifies(self, settings: Settings) -> None:
        hashed = await hash_password(settings, "correct horse battery")

        assert hashed.startswith("$argon2id$")
        assert "correct horse battery" not in hashed
        assert await verify_password(settings, hashed, "correct horse battery")
        assert not await verify_password(settings, hashed, "correct horse batterY")

    async def test_garbage_hash_does_not_verify(self, settings: Settings) -> None:
        assert not await verify_password(settings, "not a hash", "correct horse battery")

    async def test_hash_of_another_cost_asks_for_a_rehash(self, settings: Settings) -> None:
        stronger = settings.model_copy(update={"password_time_cost": 2})
        hashed = await hash_password(settings, "correct horse battery")

        assert not needs_rehash(settings, hashed)
        assert needs_rehash(stronger, hashed)

    async def test_hashing_goes_on_after_its_process_died(self, settings: Settings) -> None:
        hashed = await hash_password(settings, "correct horse battery")
        for process in psutil.Process().children():
            if "resource_tracker" not in " ".join(process.cmdline()):
                process.kill()
                process.wait()

        assert await verify_password(settings, hashed, "correct horse battery")

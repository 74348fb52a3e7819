"""Who may do what: the policy's answers for each role, as the services ask them."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from attune.platform import policy
from attune.platform.actor import ANONYMOUS, SYSTEM, Actor, Role
from attune.platform.policy import AdminRequired, Permission

CLIENT = Actor(Role.client, user_id=7, verified=True)
ADMIN = Actor(Role.admin, user_id=1, verified=True)


@dataclass(frozen=True)
class Account:
    id: int
    is_admin: bool
    is_verified: bool


class TestActorFor:
    def test_an_admin_account_acts_as_the_admin(self) -> None:
        assert policy.actor_for(Account(3, is_admin=True, is_verified=False)) == Actor(
            Role.admin, user_id=3, verified=False
        )

    def test_any_other_account_acts_as_a_client(self) -> None:
        assert policy.actor_for(Account(4, is_admin=False, is_verified=True)) == Actor(
            Role.client, user_id=4, verified=True
        )


class TestSeeing:
    def test_a_client_sees_their_own_record_only(self) -> None:
        assert policy.may_see(CLIENT, 7)
        assert not policy.may_see(CLIENT, 8)
        assert not policy.may_see(CLIENT, None)

    def test_the_admin_and_the_system_see_every_record(self) -> None:
        assert policy.may_see(ADMIN, 8)
        assert policy.may_see(SYSTEM, 8)

    def test_a_visitor_sees_nothing_that_belongs_to_anyone(self) -> None:
        assert not policy.may_see(ANONYMOUS, 7)
        assert not policy.may_see(ANONYMOUS, None)


class TestActing:
    def test_notices_bind_clients_not_the_practice(self) -> None:
        assert policy.bound_by_notice(CLIENT)
        assert not policy.bound_by_notice(ADMIN)
        assert not policy.bound_by_notice(SYSTEM)

    def test_a_client_acts_for_themselves_only(self) -> None:
        assert policy.may_act_for(CLIENT, 7)
        assert not policy.may_act_for(CLIENT, 8)
        assert policy.may_act_for(ADMIN, 8)


class TestRequire:
    @pytest.mark.parametrize("actor", [CLIENT, ANONYMOUS])
    def test_refuses_what_the_role_is_not_granted(self, actor: Actor) -> None:
        with pytest.raises(AdminRequired):
            policy.require(actor, Permission.refund)

    def test_lets_the_admin_through(self) -> None:
        policy.require(ADMIN, Permission.manage_practice)

    def test_only_people_of_the_practice_get_its_notices(self) -> None:
        assert policy.allows(ADMIN, Permission.receive_practice_notices)
        assert not policy.allows(SYSTEM, Permission.receive_practice_notices)
        assert not policy.allows(CLIENT, Permission.receive_practice_notices)


class TestAudited:
    def test_staff_at_another_persons_record(self) -> None:
        assert policy.acts_for_another(ADMIN, 7)
        assert policy.acts_for_another(ADMIN, None)

    def test_not_staff_at_their_own_record_nor_clients_nor_the_system(self) -> None:
        assert not policy.acts_for_another(ADMIN, 1)
        assert not policy.acts_for_another(CLIENT, 8)
        assert not policy.acts_for_another(SYSTEM, 8)


@dataclass(frozen=True)
class LiveAccount(Account):
    is_active: bool


class TestStillAllows:
    def test_an_active_admin_read_afresh_still_manages_the_practice(self) -> None:
        admin = LiveAccount(1, is_admin=True, is_verified=True, is_active=True)
        assert policy.still_allows(admin, Permission.manage_practice)

    @pytest.mark.parametrize(
        "account",
        [
            None,
            LiveAccount(1, is_admin=False, is_verified=True, is_active=True),
            LiveAccount(1, is_admin=True, is_verified=True, is_active=False),
        ],
        ids=["gone", "demoted", "deactivated"],
    )
    def test_a_gone_demoted_or_deactivated_account_does_not(
        self, account: LiveAccount | None
    ) -> None:
        assert not policy.still_allows(account, Permission.manage_practice)

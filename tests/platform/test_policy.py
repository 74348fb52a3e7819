"""Who may do what: the policy's answers for each role, as the services ask them."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from attune.platform import policy
from attune.platform.actor import ANONYMOUS, SYSTEM, Actor, Role
from attune.platform.policy import AdminRequired, Permission

CLIENT = Actor(Role.client, user_id=7, verified=True)
ADMIN = Actor(Role.owner, user_id=1, verified=True)


THERAPIST = Actor(Role.therapist, user_id=2, verified=True)
FRONT_DESK = Actor(Role.front_desk, user_id=3, verified=True)


@dataclass(frozen=True)
class Account:
    id: int
    role: str
    is_verified: bool
    may_refund: bool = False


class TestActorFor:
    def test_an_owner_account_acts_as_the_owner(self) -> None:
        assert policy.actor_for(Account(3, "owner", is_verified=False)) == Actor(
            Role.owner, user_id=3, verified=False
        )

    def test_a_client_account_acts_as_a_client(self) -> None:
        assert policy.actor_for(Account(4, "client", is_verified=True)) == Actor(
            Role.client, user_id=4, verified=True
        )

    def test_only_a_front_desk_account_is_granted_refunds_by_its_flag(self) -> None:
        desk = policy.actor_for(Account(5, "front_desk", is_verified=True, may_refund=True))
        assert policy.allows(desk, Permission.refund)
        client = policy.actor_for(Account(6, "client", is_verified=True, may_refund=True))
        assert not policy.allows(client, Permission.refund)
        assert not policy.allows(FRONT_DESK, Permission.refund)


class TestRoles:
    def test_a_therapist_sees_and_acts_only_on_their_own_calendar(self) -> None:
        assert policy.client_scope(THERAPIST) == THERAPIST.user_id
        assert policy.calendar_scope(THERAPIST) == THERAPIST.user_id
        assert policy.may_see(THERAPIST, owner_id=7, therapist_id=2)
        assert not policy.may_see(THERAPIST, owner_id=7, therapist_id=9)
        assert policy.may_act_for(THERAPIST, owner_id=7, therapist_id=2)
        assert not policy.may_act_for(THERAPIST, owner_id=7, therapist_id=9)
        assert policy.may_manage_calendar_of(THERAPIST, 2)
        assert not policy.may_manage_calendar_of(THERAPIST, 9)
        assert policy.may_read_clinical_notes(THERAPIST, 7)
        assert not policy.allows(THERAPIST, Permission.manage_practice)
        assert not policy.allows(THERAPIST, Permission.refund)

    def test_the_front_desk_sees_every_calendar_but_no_clinical_notes(self) -> None:
        assert policy.client_scope(FRONT_DESK) is policy.ANY_THERAPIST
        assert policy.calendar_scope(FRONT_DESK) is policy.ANY_THERAPIST
        assert policy.may_see(FRONT_DESK, owner_id=7, therapist_id=9)
        assert policy.may_act_for(FRONT_DESK, owner_id=7, therapist_id=9)
        assert not policy.may_read_clinical_notes(FRONT_DESK, 7)
        assert not policy.allows(FRONT_DESK, Permission.manage_practice)

    def test_the_owner_sees_everything(self) -> None:
        assert policy.client_scope(ADMIN) is policy.ANY_THERAPIST
        assert policy.may_read_clinical_notes(ADMIN, 7)
        assert all(policy.allows(ADMIN, permission) for permission in Permission)

    def test_a_therapist_lists_only_their_own_records(self) -> None:
        assert policy.listed_therapist(THERAPIST, None) == THERAPIST.user_id
        assert policy.listed_therapist(THERAPIST, 2) == THERAPIST.user_id
        with pytest.raises(AdminRequired):
            policy.listed_therapist(THERAPIST, 9)

    @pytest.mark.parametrize("actor", [ADMIN, FRONT_DESK], ids=["owner", "front desk"])
    def test_the_whole_practice_lists_any_therapists_records(self, actor: Actor) -> None:
        assert policy.listed_therapist(actor, None) is policy.ANY_THERAPIST
        assert policy.listed_therapist(actor, 9) == 9

    def test_a_therapist_hosts_only_their_own_sessions(self) -> None:
        assert policy.may_host(THERAPIST, 2)
        assert not policy.may_host(THERAPIST, 9)
        assert policy.may_host(ADMIN, 9)
        assert not policy.may_host(FRONT_DESK, 9)
        assert not policy.may_host(CLIENT, 9)

    def test_the_back_office_shows_each_role_what_it_may_use(self) -> None:
        owner, therapist = policy.back_office(ADMIN), policy.back_office(THERAPIST)
        desk = policy.back_office(FRONT_DESK)
        assert owner == policy.BackOffice(
            runs_practice=True, sees_every_therapist=True, refunds=True, clinical_notes=True
        )
        assert therapist == policy.BackOffice(
            runs_practice=False, sees_every_therapist=False, refunds=False, clinical_notes=True
        )
        assert desk == policy.BackOffice(
            runs_practice=False, sees_every_therapist=True, refunds=False, clinical_notes=False
        )

    @pytest.mark.parametrize("actor", [CLIENT, ANONYMOUS], ids=["client", "visitor"])
    def test_a_client_or_visitor_is_no_member_of_the_practice(self, actor: Actor) -> None:
        with pytest.raises(AdminRequired):
            policy.listed_therapist(actor, None)

    @pytest.mark.parametrize("actor", [CLIENT, ANONYMOUS], ids=["client", "visitor"])
    def test_a_client_or_visitor_has_no_scope(self, actor: Actor) -> None:
        with pytest.raises(AdminRequired):
            policy.client_scope(actor)
        with pytest.raises(AdminRequired):
            policy.calendar_scope(actor)
        assert not policy.is_staff(actor)

    def test_every_member_of_staff_is_staff(self) -> None:
        assert all(policy.is_staff(actor) for actor in (ADMIN, THERAPIST, FRONT_DESK))


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
    is_active: bool = True


class TestStillAllows:
    def test_an_active_admin_read_afresh_still_manages_the_practice(self) -> None:
        admin = LiveAccount(1, "owner", True, False, is_active=True)
        assert policy.still_allows(admin, Permission.manage_practice)

    @pytest.mark.parametrize(
        "account",
        [
            None,
            LiveAccount(1, "client", True, False, is_active=True),
            LiveAccount(1, "owner", True, False, is_active=False),
        ],
        ids=["gone", "demoted", "deactivated"],
    )
    def test_a_gone_demoted_or_deactivated_account_does_not(
        self, account: LiveAccount | None
    ) -> None:
        assert not policy.still_allows(account, Permission.manage_practice)

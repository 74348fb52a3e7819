"""The practice's accounts: list, read, and grant or revoke admin, deactivate or reactivate."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Query

from attune.admin import schemas
from attune.admin.errors import CALLER_ERRORS, EmptyUserUpdate, SelfLockout, UserNotFound
from attune.admin.schemas import (
    USER_UPDATE_EXAMPLES,
    AccountList,
    AccountRead,
    AccountUpdate,
    AccountUpdated,
    UserQuery,
)
from attune.admin.service import admin_service
from attune.platform.auth import PracticeMember
from attune.platform.dependencies import Work
from attune.platform.fields import PathId
from attune.platform.openapi import documented_errors

router = APIRouter()
UserId = PathId


@router.get(
    "/users",
    summary="List users",
    description="Newest accounts first, `limit` (1 to 200, default 50) at a time from "
    "`offset`; `total` counts every match. `search` finds a part of a first, last or full "
    "name or of an e-mail address, ignoring case.",
    responses=documented_errors(*CALLER_ERRORS),
)
async def list_users(
    query: Annotated[UserQuery, Query()], actor: PracticeMember, uow: Work
) -> AccountList:
    return schemas.account_list(await admin_service.list_accounts(uow, actor, query))


@router.get(
    "/users/{user_id}",
    summary="Read a user",
    description="The account with the number of its bookings in each state.",
    responses=documented_errors(*CALLER_ERRORS, UserNotFound),
)
async def read_user(user_id: UserId, actor: PracticeMember, uow: Work) -> AccountRead:
    return AccountRead(
        user=schemas.account_detail(await admin_service.account(uow, actor, user_id))
    )


@router.put(
    "/users/{user_id}",
    summary="Grant or revoke admin, deactivate or reactivate a user",
    description="Deactivating ends every login of the account at once: its tokens stop "
    "working and it cannot log in until reactivated. No admin can revoke their own admin "
    "access or deactivate themselves (409), so the practice always keeps an admin.",
    responses=documented_errors(*CALLER_ERRORS, UserNotFound, SelfLockout, EmptyUserUpdate),
)
async def update_user(
    user_id: UserId,
    *,
    body: Annotated[AccountUpdate, Body(openapi_examples=USER_UPDATE_EXAMPLES)],
    actor: PracticeMember,
    uow: Work,
) -> AccountUpdated:
    updated = await admin_service.update_account(uow, actor, user_id, body)
    return AccountUpdated(message="User updated successfully", user=schemas.account_detail(updated))

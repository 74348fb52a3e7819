"""The application factory: settings, lifespan (database, worker), middleware, routers."""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager

from fastapi import APIRouter, FastAPI

from attune import __version__
from attune.accounts.dependencies import BearerAuthenticator
from attune.accounts.endpoints import router as accounts_router
from attune.accounts.passwords import start_hashing_process, stop_hashing_process
from attune.accounts.tokens import access_token_user_id
from attune.admin.endpoints import router as admin_router
from attune.api_root.endpoints import router as api_root_router
from attune.availability.dates_cache import PATH as AVAILABLE_DATES_PATH
from attune.availability.dates_cache import dates_key
from attune.availability.endpoints import AVAILABLE_DATES_ROUTE
from attune.availability.endpoints import admin_router as admin_availability_router
from attune.availability.endpoints import router as availability_router
from attune.bookings.endpoints import router as bookings_router
from attune.bookings.meeting_endpoints import router as booking_meetings_router
from attune.event_handlers import domain_events
from attune.job_handlers import job_registry
from attune.payments.endpoints import router as payments_router
from attune.payments.webhooks import router as payment_webhooks_router
from attune.platform.clock import Clock
from attune.platform.database import Database
from attune.platform.docs import install_docs
from attune.platform.errors import register_error_handlers
from attune.platform.events import EventBus
from attune.platform.health import router as health_router
from attune.platform.jobs import JobRegistry
from attune.platform.logging import configure_logging
from attune.platform.metrics import Metrics
from attune.platform.metrics import router as metrics_router
from attune.platform.middleware import install_middleware
from attune.platform.openapi import install_openapi
from attune.platform.practice_calendar import PracticeCalendar
from attune.platform.read_cache import KeptRead, KeptReadsMiddleware, ReadCache
from attune.platform.settings import Settings, load_settings
from attune.platform.worker import Worker
from attune.practice.endpoints import admin_router as admin_practice_router
from attune.practice.endpoints import router as practice_router
from attune.requests.endpoints import router as appointment_requests_router
from attune.scheduling.day_cache import PATH as DAY_VIEW_PATH
from attune.scheduling.day_cache import day_view_key
from attune.scheduling.endpoints import DAY_VIEW_ROUTE
from attune.scheduling.endpoints import admin_router as admin_schedules_router
from attune.scheduling.endpoints import router as schedules_router
from attune.web.kept_pages import CONTENT_TYPE as PAGE_CONTENT_TYPE
from attune.web.kept_pages import PATH as BOOK_PAGE_PATH
from attune.web.kept_pages import kept_page_key
from attune.web.pages.booking import BOOK_PAGE_ROUTE
from attune.web.site import install_web

DESCRIPTION = """
Booking backend for therapy practices. It serves two API contracts from one model:
the `/api/auth/*`, `/api/schedules`, `/api/bookings*`, `/api/payments/*` and `/api/admin/*`
paths, and the `/api/auth/*/` and `/api/meetings/*/` paths (every path answers with and without
a trailing slash). Errors are always `{"error": ..., "details": ...}`.
"""


# In the order their routes are matched and documented.
ROUTERS: tuple[APIRouter, ...] = (
    health_router,
    metrics_router,
    accounts_router,
    schedules_router,
    bookings_router,
    payments_router,
    payment_webhooks_router,
    booking_meetings_router,
    api_root_router,
    availability_router,
    admin_availability_router,
    admin_schedules_router,
    admin_router,
    practice_router,
    admin_practice_router,
    appointment_requests_router,
)


def _lifespan(
    settings: Settings,
    database: Database,
    clock: Clock,
    jobs: JobRegistry,
    events: EventBus,
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """Start the in-process worker (unless told not to) and release everything on the way out."""

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        worker_task: asyncio.Task[None] | None = None
        worker = Worker(settings, database, clock, jobs, events)
        app.state.worker = worker
        if settings.run_worker:
            worker_task = asyncio.create_task(worker.run(), name="attune-worker")
        start_hashing_process()
        try:
            yield
        finally:
            if worker_task is not None:
                worker.stop()
                await worker_task
            await app.state.rate_limiter.close()
            await database.dispose()
            stop_hashing_process()

    return lifespan


def create_app(
    settings: Settings | None = None,
    *,
    database: Database | None = None,
    clock: Clock | None = None,
) -> FastAPI:
    settings = settings or load_settings()
    configure_logging(settings)
    database = database or Database(settings.resolved_database_url)
    clock = clock or Clock()
    events = domain_events()

    app = FastAPI(
        title="Attune",
        version=__version__,
        description=DESCRIPTION,
        lifespan=_lifespan(settings, database, clock, job_registry(), events),
        redirect_slashes=False,
        docs_url=None,
        redoc_url=None,
        # The service is monitored through /metrics and its logs; FastAPI's OpenTelemetry hooks
        # would otherwise look up the global providers (in the environment) on every request.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.settings = settings
    app.state.database = database
    app.state.clock = clock
    app.state.events = events
    app.state.authenticator = BearerAuthenticator(settings)
    app.state.metrics = Metrics()
    app.state.day_view_cache = ReadCache(settings.availability_cache_seconds)
    database.on_write_commit(app.state.day_view_cache.clear)
    app.state.available_dates_cache = ReadCache(settings.availability_cache_seconds)
    database.on_write_commit(app.state.available_dates_cache.clear)
    app.state.worker = None

    register_error_handlers(app)
    install_openapi(app)
    install_docs(app)
    # Innermost, inside the edge middleware: a remembered day view, today's dates open to
    # requests and a kept booking page (of a visitor who is not signed in) skip routing.
    app.add_middleware(
        KeptReadsMiddleware,
        clock=clock,
        reads=[
            KeptRead(DAY_VIEW_PATH, app.state.day_view_cache, day_view_key, DAY_VIEW_ROUTE),
            KeptRead(
                AVAILABLE_DATES_PATH,
                app.state.available_dates_cache,
                dates_key(PracticeCalendar.of(settings)),
                AVAILABLE_DATES_ROUTE,
            ),
            KeptRead(
                BOOK_PAGE_PATH,
                app.state.day_view_cache,
                kept_page_key,
                BOOK_PAGE_ROUTE,
                PAGE_CONTENT_TYPE,
            ),
        ],
    )
    install_middleware(app, settings, functools.partial(access_token_user_id, settings))

    for router in ROUTERS:
        app.include_router(router)
    install_web(app, settings, database)
    return app

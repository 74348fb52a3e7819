"""Every job handler and periodic job, combined for the worker (attune.platform.worker).

A package whose jobs module registers handlers belongs in `JOB_MODULES`; `create_app` and
`attune worker` hand the combined registry to the worker they start.
"""

from attune.accounts import jobs as account_jobs
from attune.bookings import jobs as booking_jobs
from attune.notifications import jobs as notification_jobs
from attune.payments import jobs as payment_jobs
from attune.platform import jobs as outbox_jobs
from attune.platform.jobs import JobRegistry
from attune.requests import jobs as request_jobs

JOB_MODULES = (
    outbox_jobs,
    account_jobs,
    booking_jobs,
    notification_jobs,
    payment_jobs,
    request_jobs,
)


def job_registry() -> JobRegistry:
    """A new registry holding every package's handlers and periodic schedules."""
    registry = JobRegistry()
    for module in JOB_MODULES:
        registry.include(module.registry)
    return registry

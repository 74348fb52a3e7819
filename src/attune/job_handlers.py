"""Importing this module registers every job handler with the outbox (attune.platform.jobs).

A module that defines handlers belongs in this list; the worker imports it before it runs.
"""

import attune.accounts.jobs
import attune.bookings.jobs
import attune.notifications.jobs
import attune.payments.jobs
import attune.requests.jobs  # noqa: F401

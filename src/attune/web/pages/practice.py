"""`/therapists` and `/services`: who the practice's therapists are and what each offers, with
a way into booking by therapist (`/book?therapist=`) or by service (`/book?service=`)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import Response

from attune.platform.dependencies import Work
from attune.practice.service import PracticeService
from attune.practice.views import ServiceView, TherapistView
from attune.web.auth import Visitor, actor_of
from attune.web.routing import page_router
from attune.web.templates import render

router = page_router()
practice_service = PracticeService()

# How a service is held, as a client reads it.
DELIVERY_LABELS = {
    "video": "By video",
    "in_person": "In person",
    "both": "By video or in person",
}


@dataclass(frozen=True)
class TherapistProfile:
    """A therapist as the client's page shows them: the profile and the services offered."""

    therapist: TherapistView
    photo: str | None
    services: list[ServiceView]


@dataclass(frozen=True)
class OfferedService:
    """A service as the client's page shows it: its terms and who offers it."""

    service: ServiceView
    therapists: list[TherapistView]


def photo_on_this_site(url: str | None, site: str) -> str | None:
    """The photo's address when it is on this site (a path here, or an address under the
    site's public URL, `site`), else None: the pages' CSP allows images only from 'self', so a
    photo elsewhere would show as a broken image (and tell another site who looked at the
    page). See docs/decisions.md."""
    if not url or "\\" in url:
        return None
    parts, own = urlsplit(url), urlsplit(site)
    if not parts.scheme and not parts.netloc:
        return url if url.startswith("/") else None
    same_origin = (parts.scheme, parts.netloc) == (own.scheme, own.netloc)
    return url if same_origin and parts.scheme in ("http", "https") else None


async def _practice(uow: Work, visitor: Visitor) -> tuple[list[TherapistView], list[ServiceView]]:
    """The active therapists and services; a visitor's services name only active therapists."""
    actor = actor_of(visitor)
    therapists = [t for t in await practice_service.therapists(uow, actor) if t.is_active]
    services = [s for s in await practice_service.services(uow, actor) if s.is_active]
    return therapists, services


@router.get("/therapists")
async def therapists(request: Request, uow: Work, visitor: Visitor) -> Response:
    found, services = await _practice(uow, visitor)
    profiles = [
        TherapistProfile(
            therapist=therapist,
            photo=photo_on_this_site(therapist.photo_url, uow.settings.public_base_url),
            services=[s for s in services if therapist.id in s.therapist_ids],
        )
        for therapist in found
    ]
    return render(
        request,
        "client/therapists.html",
        {"profiles": profiles, "delivery_labels": DELIVERY_LABELS},
    )


@router.get("/services")
async def services(request: Request, uow: Work, visitor: Visitor) -> Response:
    found, offered = await _practice(uow, visitor)
    by_id = {therapist.id: therapist for therapist in found}
    listed = [
        OfferedService(
            service=service,
            therapists=[by_id[i] for i in service.therapist_ids if i in by_id],
        )
        for service in offered
    ]
    return render(
        request,
        "client/services.html",
        {
            "services": listed,
            "delivery_labels": DELIVERY_LABELS,
            "practice_address": uow.settings.practice_address,
        },
    )

"""The privacy overview pages: requests and their outcome, retention, the processing record."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from stammkunde.core.ids import parse_page
from stammkunde.customers.models import PrivacyRequestState
from stammkunde.customers.queries import privacy_requests_page
from stammkunde.customers.retention import due_erasures
from stammkunde.ui.privacy.record import processing_record
from stammkunde.ui.privacy.wording import describe_duty, describe_obstacle, describe_rule

PAGE_SIZE = 50
RETENTION_HORIZON_DAYS = 60
KEPT_ROWS = 200
VIEW_PRIVACY = "customers.view_privacy"


def _page(raw: str | None) -> int:
    return parse_page(raw, last=100_000)


@login_required
@permission_required(VIEW_PRIVACY, raise_exception=True)
def privacy_requests(request: HttpRequest) -> HttpResponse:
    """Every export and erasure with its outcome, obstacles and retention duties."""
    state = request.GET.get("state", "")
    if state not in PrivacyRequestState.values:
        state = ""
    page = _page(request.GET.get("page"))
    found = privacy_requests_page(
        by=request.user, state=state, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE
    )
    items = [
        {
            "record": record,
            "obstacles": [describe_obstacle(item) for item in record.obstacles],
            "duties": [describe_duty(item) for item in record.duties],
        }
        for record in found[:PAGE_SIZE]
    ]
    context = {
        "items": items,
        "state": state,
        "states": PrivacyRequestState.choices,
        "page": page,
        "has_next": len(found) > PAGE_SIZE,
    }
    return render(request, "ui/privacy/requests.html", context)


@login_required
@permission_required(VIEW_PRIVACY, raise_exception=True)
def retention(request: HttpRequest) -> HttpResponse:
    """Who the retention rules will erase when, and why; and the records kept after an erasure
    under a retention duty, with the day the first and the last of them go (audited: it names
    customers)."""
    due = due_erasures(horizon_days=RETENTION_HORIZON_DAYS, by=request.user)
    restricted = privacy_requests_page(
        by=request.user, state=PrivacyRequestState.RESTRICTED, limit=KEPT_ROWS
    )[:KEPT_ROWS]
    kept = sorted(
        (
            (
                date.fromisoformat(duty.get("first_until") or duty["until"]),
                record,
                {**describe_duty(duty), "until": date.fromisoformat(duty["until"])},
            )
            for record in restricted
            for duty in record.duties
        ),
        key=lambda row: (row[0], row[1].pk),
    )
    context = {
        "kept": [(record, duty, first) for first, record, duty in kept],
        "rows": [(item, describe_rule(item.rule)) for item in due],
        "horizon": RETENTION_HORIZON_DAYS,
        "lead_days": settings.RETENTION_LEAD_DAYS,
        "unverified_days": settings.RETENTION_UNVERIFIED_DAYS,
    }
    return render(request, "ui/privacy/retention.html", context)


@login_required
@permission_required(VIEW_PRIVACY, raise_exception=True)
def processing_record_page(request: HttpRequest) -> HttpResponse:
    """The record of processing activities (Art. 30 GDPR), printable."""
    return render(request, "ui/privacy/processing_record.html", {"record": processing_record()})

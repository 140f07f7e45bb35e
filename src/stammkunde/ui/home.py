"""The home page: a few figures, the newest contacts across customers and a search box."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from stammkunde.customers.queries import active_customers
from stammkunde.shop.queries import recent_orders
from stammkunde.timeline.queries import latest_activities


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "ui/home.html",
        {
            "customer_count": active_customers().count(),
            "recent": recent_orders(days=30),
            "activities": latest_activities(limit=15),
        },
    )

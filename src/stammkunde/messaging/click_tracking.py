"""Counting a campaign's clicks, only when the campaign asks for it: each link of the mail
points at ``/m/c/<token>/``, whose signed token names the campaign and the target; the view
counts the click for the campaign (never for a person) and redirects. No open pixel."""

from __future__ import annotations

import re
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.views.decorators.cache import never_cache

from stammkunde.messaging.tokens import TokenError, make_token, read_token

HREF = re.compile(r'href="(https?://[^"]+)"', re.IGNORECASE)
BARE_URL = re.compile(r"https?://[^\s<>\"']+")


def click_url(campaign_id: int, url: str) -> str:
    token = make_token("click", {"c": campaign_id, "u": url})
    return settings.SITE_URL.rstrip("/") + reverse("messaging:click", args=[token])


def track_links(text: str, html: str, tracked: Callable[[str], str]) -> tuple[str, str]:
    """The parts with every http(s) link replaced by ``tracked(link)``."""
    text = BARE_URL.sub(lambda match: tracked(match.group(0)), text)
    html = HREF.sub(lambda match: f'href="{tracked(match.group(1))}"', html)
    return text, html


@never_cache
def click_view(request: HttpRequest, token: str) -> HttpResponse:
    """Count the click and send the reader on; a forged token gets a plain refusal."""
    from stammkunde.messaging.services.campaigns import record_click

    try:
        payload = read_token("click", token)
    except TokenError:
        return HttpResponse("This link is not valid.", status=400, content_type="text/plain")
    url = str(payload.get("u", ""))
    if not url.startswith(("https://", "http://")):
        return HttpResponse("This link is not valid.", status=400, content_type="text/plain")
    record_click(int(payload["c"]), url)
    return HttpResponseRedirect(url)

"""The address of the client behind a request, also behind our reverse proxies.

Behind a proxy, every request comes from the proxy itself (REMOTE_ADDR): whatever is counted
or recorded per address (failed logins, the help page's case form, the audit log, a consent's
proof) would count every visitor as one. Each of our proxies appends the address it saw to
X-Forwarded-For, so the client is the entry ``PROXY_COUNT`` places from the end; entries
before it were sent by the client and prove nothing. Without a proxy the header is ignored.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from django.conf import settings


def client_address(request: Any) -> str | None:
    """The client's IP address: REMOTE_ADDR, or behind ``PROXY_COUNT`` proxies (setting
    ``BEHIND_PROXY``) the address the outermost of them saw; None when there is none."""
    remote = request.META.get("REMOTE_ADDR") or None
    count = int(getattr(settings, "PROXY_COUNT", 0)) if settings.BEHIND_PROXY else 0
    if count < 1:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) < count:
        return remote
    candidate = forwarded[-count]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote

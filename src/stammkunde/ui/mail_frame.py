"""A mail's own HTML as a response of its own, for a sandboxed ``<iframe src>``.

A ``srcdoc`` frame inherits the staff page's Content-Security-Policy, which blocks the inline
styles a mail carries (css-inline puts them in ``style`` attributes). Served from its own URL the
mail gets ``settings.MAIL_FRAME_POLICY`` instead: inline styles and data: images, nothing that
loads or runs, framed only by our own pages.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse


def mail_frame_response(html: str, *, images_from: str = "") -> HttpResponse:
    """The mail's HTML under the mail frame's policy, never cached, framable by our pages.
    ``images_from`` is an absolute URL prefix whose images may load as well (a received mail's
    ``cid:`` images point at its stored attachments)."""
    response = HttpResponse(html, content_type="text/html; charset=utf-8")
    # The whole policy, not an update of the page's: nothing of 'self' applies here.
    policy = {name: list(value) for name, value in settings.MAIL_FRAME_POLICY.items()}
    if images_from:
        policy["img-src"] = [*policy.get("img-src", []), images_from]
    response._csp_config = policy
    # XFrameOptionsMiddleware keeps a header the view set (the pages themselves stay DENY).
    response["X-Frame-Options"] = "SAMEORIGIN"
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response

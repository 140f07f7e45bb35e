"""Endpoints for machines: raw MIME posted with our HMAC signature, and (through
django-anymail's views, see urls.py) the inbound webhooks of mail providers. Both store the
message raw and answer 2xx only after that row is committed."""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from stammkunde.service.intake.receiving import store_inbound_mail
from stammkunde.service.models import InboundSource

SIGNATURE_HEADER = "X-Stammkunde-Signature"
REFERENCE_HEADER = "X-Stammkunde-Message-Ref"


def signature_for(body: bytes, secret: str) -> str:
    """The signature a sender puts in ``X-Stammkunde-Signature`` (sha256=<hex HMAC>)."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _answer(status: int, state: str, message: str = "", **extra: object) -> JsonResponse:
    data: dict[str, object] = {"state": state, **extra}
    if message:
        data["error"] = message
    return JsonResponse(data, status=status)


@csrf_exempt
def raw_mime(request: HttpRequest) -> HttpResponse:
    """Store one raw RFC 5322 message: 202 once stored (200 when stored before), 401 for a
    missing or wrong signature, 413 above the size limit, 400 for an empty body."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    secret = settings.INBOUND_MAIL_SECRET
    if not secret:
        return _answer(404, "unknown", _("Raw inbound mail is not enabled."))
    limit = settings.INBOUND_MAIL_MAX_BYTES
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return _answer(400, "rejected", _("Invalid Content-Length."))
    if declared > limit:
        return _answer(
            413, "rejected", _("The message is larger than %(limit)d bytes.") % {"limit": limit}
        )
    body = request.read(limit + 1)
    if len(body) > limit:
        return _answer(
            413, "rejected", _("The message is larger than %(limit)d bytes.") % {"limit": limit}
        )
    given = request.headers.get(SIGNATURE_HEADER, "")
    if not hmac.compare_digest(given.encode(), signature_for(body, secret).encode()):
        return _answer(401, "rejected", _("Missing or wrong signature."))
    if not body.strip():
        return _answer(400, "rejected", _("The message is empty."))
    stored = store_inbound_mail(
        raw=body,
        source=InboundSource.RAW,
        source_ref=request.headers.get(REFERENCE_HEADER, "")[:300],
    )
    return _answer(202 if stored.created else 200, "stored", id=stored.mail.pk)


def store_provider_message(sender: object, event: object, esp_name: str, **kwargs: object):
    """Receiver of anymail's ``inbound`` signal: store the provider's message raw.

    Runs inside anymail's view; an exception makes that view fail, so the provider retries.
    """
    message = event.message  # type: ignore[attr-defined]
    if message is None:
        return
    raw = message.as_bytes()
    event_id = getattr(event, "event_id", None) or ""
    store_inbound_mail(
        raw=raw,
        source=InboundSource.WEBHOOK,
        source_ref=f"{esp_name}:{event_id}" if event_id else "",
    )

"""The webhook endpoint: one URL per configured shop. Thin: verify, hand to the inbox, answer."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from stammkunde.connectors.inbox.queries import connection_for_hook
from stammkunde.connectors.inbox.services import MAX_BODY_BYTES, receive
from stammkunde.connectors.models import DeliveryState
from stammkunde.connectors.platforms import PayloadError, adapter_for


def _too_large() -> str:
    return _("The body is larger than %(limit)d bytes.") % {"limit": MAX_BODY_BYTES}


def _answer(status: int, state: str, message: str = "") -> JsonResponse:
    data = {"state": state}
    if message:
        data["error"] = message
    return JsonResponse(data, status=status)


@csrf_exempt
def webhook(request: HttpRequest, shop_slug: str, token: str) -> HttpResponse:
    """Receive one delivery of a shop: 200 once it is stored, 4xx with a reason otherwise.

    Bodies above ``MAX_BODY_BYTES`` (2 MB) are answered 413 without being read.
    """
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if not request.META.get("CONTENT_LENGTH") and "chunked" in request.headers.get(
        "Transfer-Encoding", ""
    ):
        # Django reads no body without a length; every shop platform sends one.
        return _answer(411, "rejected", _("A Content-Length is required."))
    try:
        declared_length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return _answer(400, "rejected", _("Invalid Content-Length."))
    if declared_length > MAX_BODY_BYTES:
        return _answer(413, "rejected", _too_large())
    connection = connection_for_hook(shop_slug, token)
    if connection is None:
        return _answer(404, "unknown", _("No shop receives webhooks at this address."))
    try:
        adapter = adapter_for(connection.shop.platform)
    except KeyError:
        return _answer(404, "unknown", _("No shop receives webhooks at this address."))
    # Read the raw stream ourselves (request.body would refuse bodies above Django's POST
    # parsing limit with a 400, and a chunked body has no Content-Length to check up front).
    body = request.read(MAX_BODY_BYTES + 1)
    if len(body) > MAX_BODY_BYTES:
        return _answer(413, "rejected", _too_large())
    # A plain dict, built once: the signature check, the identification and the stored copy
    # each walk the headers, and Django's case-insensitive view re-parses its names per walk
    # (the adapters fold the names themselves).
    headers = dict(request.headers)
    verified = adapter.verify(connection.webhook_secret, headers, body)
    try:
        delivery = receive(connection.shop, headers, body, verified=verified)
    except PayloadError as exc:
        return _answer(400, "rejected", str(exc))
    if delivery.state == DeliveryState.REJECTED:
        return _answer(401, delivery.state, delivery.error_message)
    return _answer(200, delivery.state)

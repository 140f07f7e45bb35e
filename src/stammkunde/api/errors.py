"""Every error as JSON ``{"detail": "..."}``, with the codes the OpenAPI schema documents."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError

from stammkunde.api.schemas import Error

# The error answers every operation may give; each operation adds them to its responses.
COMMON_ERRORS: dict[int, Any] = {400: Error, 401: Error, 403: Error, 413: Error, 422: Error}
NOT_FOUND: dict[int, Any] = {404: Error}
CONFLICT: dict[int, Any] = {409: Error}


def _location(error: dict[str, Any]) -> str:
    """The field as the client wrote it: ``lines.0.quantity``, without ninja's ``body`` and
    the name of the view's body parameter (``data``, ``payload``)."""
    location = list(error.get("loc", ()))
    if location[:1] == ["body"]:
        location = location[2:]
    return ".".join(str(part) for part in location)


def _message(error: dict[str, Any]) -> str:
    # pydantic prefixes the message of a validator's ValueError; the field name says enough.
    return str(error.get("msg", "")).removeprefix("Value error, ")


def install_error_handlers(api: NinjaAPI) -> None:
    """Replace ninja's defaults where they do not answer ``{"detail": "<message>"}``."""

    @api.exception_handler(ValidationError)
    def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        errors = [{"field": _location(error), "message": _message(error)} for error in exc.errors]
        first = errors[0] if errors else {"field": "", "message": "invalid"}
        detail = f"{first['field']}: {first['message']}" if first["field"] else first["message"]
        return api.create_response(
            request, {"detail": f"Invalid request: {detail}", "errors": errors}, status=422
        )

    @api.exception_handler(AuthenticationError)
    def authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        response = api.create_response(
            request,
            {"detail": "Missing, unknown or revoked API token (Authorization: Bearer stk_...)."},
            status=401,
        )
        response["WWW-Authenticate"] = "Bearer"
        return response

    @api.exception_handler(RequestDataTooBig)
    def too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
        return api.create_response(
            request, {"detail": "The request body is too large."}, status=413
        )

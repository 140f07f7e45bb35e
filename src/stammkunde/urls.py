import anymail.urls
from django.contrib import admin
from django.urls import include, path

from stammkunde.api.api import api
from stammkunde.core.anymail_webhooks import secured_patterns
from stammkunde.logins.language import switch_language

urlpatterns = [
    path("admin/", admin.site.urls),
    # The header's language switch; for staff it chooses their mail's language too.
    path("i18n/setlang/", switch_language, name="set_language"),
    path("api/", api.urls),
    path("integrations/api-tokens/", include("stammkunde.api.staff_urls")),
    # Before the shops' webhooks, whose <shop>/<token>/ would match these paths too.
    path("hooks/inbound-mail/", include("stammkunde.service.urls")),
    path("hooks/", include("stammkunde.connectors.urls")),
    # The public help page (no login): FAQ, contact options and the case form.
    path("help/", include("stammkunde.service.public.urls")),
    # Customer-facing links from mails (unsubscribe, confirm, preferences): origin "customer".
    path("m/", include("stammkunde.messaging.urls")),
    # ESP tracking webhooks (django-anymail): bounces, complaints, unsubscribes.
    # Closed while no webhook secret is set (core/anymail_webhooks.py).
    path("anymail/", include((secured_patterns(anymail.urls.urlpatterns), anymail.urls.app_name))),
    path("", include("stammkunde.ui.urls")),
]

handler400 = "stammkunde.errors.bad_request"
handler403 = "stammkunde.errors.permission_denied"
handler404 = "stammkunde.errors.page_not_found"
handler500 = "stammkunde.errors.server_error"

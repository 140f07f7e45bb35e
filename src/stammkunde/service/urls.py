"""Inbound mail endpoints (included by the root URLconf under /hooks/inbound-mail/): our signed
raw MIME, and django-anymail's inbound views of the mail providers (closed while no webhook
secret is set: core/anymail_webhooks.py)."""

from anymail.webhooks.amazon_ses import AmazonSESInboundWebhookView
from anymail.webhooks.brevo import BrevoInboundWebhookView
from anymail.webhooks.mailersend import MailerSendInboundWebhookView
from anymail.webhooks.mailgun import MailgunInboundWebhookView
from anymail.webhooks.mailjet import MailjetInboundWebhookView
from anymail.webhooks.postal import PostalInboundWebhookView
from anymail.webhooks.postmark import PostmarkInboundWebhookView
from anymail.webhooks.resend import ResendInboundWebhookView
from anymail.webhooks.sendgrid import SendGridInboundWebhookView
from anymail.webhooks.sparkpost import SparkPostInboundWebhookView
from django.urls import path, re_path

from stammkunde.core.anymail_webhooks import secured
from stammkunde.service import views

app_name = "service"

urlpatterns = [
    path("raw/", views.raw_mime, name="inbound-raw"),
    path("amazon-ses/", secured(AmazonSESInboundWebhookView.as_view()), name="inbound-amazon-ses"),
    path("brevo/", secured(BrevoInboundWebhookView.as_view()), name="inbound-brevo"),
    path("mailersend/", secured(MailerSendInboundWebhookView.as_view()), name="inbound-mailersend"),
    re_path(
        r"^mailgun(_mime)?/$", secured(MailgunInboundWebhookView.as_view()), name="inbound-mailgun"
    ),
    path("mailjet/", secured(MailjetInboundWebhookView.as_view()), name="inbound-mailjet"),
    path("postal/", secured(PostalInboundWebhookView.as_view()), name="inbound-postal"),
    path("postmark/", secured(PostmarkInboundWebhookView.as_view()), name="inbound-postmark"),
    path("resend/", secured(ResendInboundWebhookView.as_view()), name="inbound-resend"),
    path("sendgrid/", secured(SendGridInboundWebhookView.as_view()), name="inbound-sendgrid"),
    path("sparkpost/", secured(SparkPostInboundWebhookView.as_view()), name="inbound-sparkpost"),
]

"""Inbound mail endpoints (included by the root URLconf under /hooks/inbound-mail/): our signed
raw MIME, and django-anymail's inbound views of the mail providers."""

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

from stammkunde.service import views

app_name = "service"

urlpatterns = [
    path("raw/", views.raw_mime, name="inbound-raw"),
    path("amazon-ses/", AmazonSESInboundWebhookView.as_view(), name="inbound-amazon-ses"),
    path("brevo/", BrevoInboundWebhookView.as_view(), name="inbound-brevo"),
    path("mailersend/", MailerSendInboundWebhookView.as_view(), name="inbound-mailersend"),
    re_path(r"^mailgun(_mime)?/$", MailgunInboundWebhookView.as_view(), name="inbound-mailgun"),
    path("mailjet/", MailjetInboundWebhookView.as_view(), name="inbound-mailjet"),
    path("postal/", PostalInboundWebhookView.as_view(), name="inbound-postal"),
    path("postmark/", PostmarkInboundWebhookView.as_view(), name="inbound-postmark"),
    path("resend/", ResendInboundWebhookView.as_view(), name="inbound-resend"),
    path("sendgrid/", SendGridInboundWebhookView.as_view(), name="inbound-sendgrid"),
    path("sparkpost/", SparkPostInboundWebhookView.as_view(), name="inbound-sparkpost"),
]

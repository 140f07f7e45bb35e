"""The consent ledger (grants and withdrawals per channel and purpose), double opt-in requests."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from stammkunde.customers.models.customers import Customer


class ConsentChannel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")
    PHONE = "phone", _("Phone")
    POST = "post", _("Post")


class ConsentPurpose(models.TextChoices):
    NEWSLETTER = "newsletter", _("Newsletter and offers")
    FEEDBACK = "feedback", _("Feedback and review requests")
    RECOMMENDATION = "recommendation", _("Product recommendations")
    REACTIVATION = "reactivation", _("Win-back messages")


class ConsentSource(models.TextChoices):
    CUSTOMER = "customer", _("The customer, directly")
    STAFF = "staff", _("Staff, on the customer's word")
    # Said on the phone to an agent, who recorded it (``ConsentEvent.source_detail``: who).
    PHONE = "phone", _("The customer, on the phone to staff")
    SHOP = "shop", _("The shop system")
    IMPORT = "import", _("Import")


class ConsentEvent(models.Model):
    """One entry of the consent ledger: a grant or a withdrawal, never edited afterwards.

    The current state of a (channel, purpose) is the newest event by ``given_at``; keeping every
    event answers "since when and on whose word" for a data protection request.
    """

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="consent_events")
    channel = models.CharField(max_length=8, choices=ConsentChannel.choices)
    purpose = models.CharField(max_length=16, choices=ConsentPurpose.choices)
    granted = models.BooleanField()
    source = models.CharField(max_length=10, choices=ConsentSource.choices)
    source_detail = models.CharField(max_length=200, blank=True)
    given_at = models.DateTimeField()
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("consent event")
        verbose_name_plural = _("consent events")
        indexes = [
            models.Index(
                fields=["customer", "channel", "purpose", "-given_at"], name="consent_current"
            )
        ]

    def __str__(self) -> str:
        verb = "granted" if self.granted else "withdrawn"
        return f"{self.channel}/{self.purpose} {verb}"


class ConsentRequest(models.Model):
    """A double opt-in: the customer asked for a purpose (the request) and confirmed it by the
    link mailed to them (the confirmation). Both moments are kept with IP address, user agent
    and the exact wording agreed to: the proof of consent (BGH I ZR 164/09), printable."""

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="consent_requests"
    )
    channel = models.CharField(max_length=8, choices=ConsentChannel.choices)
    purpose = models.CharField(max_length=16, choices=ConsentPurpose.choices)
    wording_version = models.CharField(_("wording version"), max_length=40)
    wording_text = models.TextField(_("wording agreed to"))
    language = models.CharField(max_length=8, blank=True)
    source = models.CharField(_("asked through"), max_length=40)
    requested_at = models.DateTimeField(_("requested"))
    request_ip = models.GenericIPAddressField(_("IP address (request)"), null=True, blank=True)
    request_user_agent = models.CharField(_("browser (request)"), max_length=400, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    confirm_ip = models.GenericIPAddressField(_("IP address (confirmation)"), null=True, blank=True)
    confirm_user_agent = models.CharField(_("browser (confirmation)"), max_length=400, blank=True)
    consent_event = models.OneToOneField(
        ConsentEvent, null=True, blank=True, on_delete=models.SET_NULL, related_name="request"
    )

    class Meta:
        verbose_name = _("consent request")
        verbose_name_plural = _("consent requests")
        indexes = [
            models.Index(fields=["customer", "-requested_at"], name="consent_request_customer")
        ]

    def __str__(self) -> str:
        return f"{self.channel}/{self.purpose} requested {self.requested_at:%Y-%m-%d}"

"""Data protection requests (GDPR access, erasure, restriction) and their handling."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class PrivacyRequestKind(models.TextChoices):
    EXPORT = "export", _("Access and data export (Art. 15/20 GDPR)")
    ERASURE = "erasure", _("Erasure (Art. 17 GDPR)")
    # Set or lifted (``summary["action"]``); "restrict" fits the column's 8 characters.
    RESTRICTION = "restrict", _("Restriction of processing (Art. 18 GDPR)")


class PrivacyRequestChannel(models.TextChoices):
    STAFF = "staff", _("Staff, on the customer's request")
    API = "api", _("REST API")
    SHOP = "shop", _("The shop system (privacy webhook)")
    RETENTION = "retention", _("Retention rule")


class PrivacyRequestState(models.TextChoices):
    DONE = "done", _("Done")
    RESTRICTED = "restricted", _("Done; records the law requires kept with processing restricted")
    DEFERRED = "deferred", _("Deferred: something open must finish first")
    REFUSED = "refused", _("Refused")


class ErasureScope(models.TextChoices):
    """What a shop's redact request erased, and why."""

    SHOP_PART = "shop_part", _("Only this shop's part: a customer of other shops too")
    LAST_SHOP = "last_shop", _("The whole person: no other shop relationship remains")


class PrivacyRequest(models.Model):
    """The record of one data protection request and its outcome: what was exported or erased,
    what is kept and until when (``duties``, ``restricted_until``), or why it waits (``obstacles``).

    ``customer_id`` is a plain id so the record stays readable whatever happens to the customer.
    A deferred erasure is tried again daily; a restricted one is finished (the kept records
    erased too) when its retention ends (``customers.privacy.housekeeping``).
    """

    kind = models.CharField(_("kind"), max_length=8, choices=PrivacyRequestKind.choices)
    customer_id = models.BigIntegerField(_("customer"), db_index=True)
    channel = models.CharField(_("channel"), max_length=10, choices=PrivacyRequestChannel.choices)
    reference = models.CharField(_("reference"), max_length=200, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_by_label = models.CharField(_("requested by"), max_length=150, blank=True)
    requested_at = models.DateTimeField(_("requested"), auto_now_add=True)
    state = models.CharField(_("state"), max_length=10, choices=PrivacyRequestState.choices)
    obstacles = models.JSONField(_("obstacles"), default=list, blank=True)
    duties = models.JSONField(_("retention duties"), default=list, blank=True)
    summary = models.JSONField(_("summary"), default=dict, blank=True)
    restricted_until = models.DateField(_("restricted until"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    # An erasure of one shop's part only (its redact request, the person being a customer of
    # other shops too): that shop's plain id (shops live above this app); empty: the person.
    shop_id = models.BigIntegerField(_("only the part of shop"), null=True, blank=True)
    # Why a shop's request erased what it did (``ErasureScope``): only its part, or the whole
    # person because no other shop relationship remained.
    scope = models.CharField(_("scope"), max_length=16, blank=True, choices=ErasureScope.choices)

    class Meta:
        verbose_name = _("privacy request")
        verbose_name_plural = _("privacy requests")
        ordering = ["-requested_at", "-id"]
        indexes = [models.Index(fields=["state", "restricted_until"], name="privacy_request_due")]
        permissions = [
            ("export_customer_data", _("Can export all data held about a customer (GDPR)")),
            ("erase_customer", _("Can erase a customer's personal data (GDPR)")),
            ("view_privacy", _("Can see privacy requests, retention and the processing record")),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.customer_id}: {self.state}"

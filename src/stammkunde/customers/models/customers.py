"""The customer: identity, profile fields, folded search keys, status, and tags."""

from __future__ import annotations

from django.db import models
from django.db.models.functions import Reverse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from stammkunde.core.keys import name_key, normalize_email, phone_key


class FormOfAddress(models.TextChoices):
    """Sie or Du: how the shop addresses this customer in writing."""

    FORMAL = "formal", _("Formal (Sie)")
    INFORMAL = "informal", _("Informal (Du)")


class Salutation(models.TextChoices):
    NONE = "", _("No salutation")
    MR = "mr", _("Mr")
    MS = "ms", _("Ms")
    MX = "mx", _("Mx (diverse)")


class CustomerStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    MERGED = "merged", _("Merged into another customer")
    ERASED = "erased", _("Erased (GDPR)")


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=64, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self) -> str:
        return self.name


class Customer(models.Model):
    """One person or business that buys from the shops of this installation.

    ``email`` is stored normalized (trimmed, lower case) and is unique where present; a customer
    known only by a shop's customer number (old imports, phone orders) has none. The ``*_key``
    columns are folded copies used by search; ``save()`` keeps them in step.
    """

    email = models.EmailField(_("e-mail"), max_length=254, null=True, blank=True, unique=True)
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    salutation = models.CharField(
        _("salutation"), max_length=4, choices=Salutation.choices, blank=True, default=""
    )
    title = models.CharField(
        _("title"), max_length=50, blank=True, help_text=_("e.g. Dr. or Prof.")
    )
    form_of_address = models.CharField(
        _("form of address"),
        max_length=10,
        choices=FormOfAddress.choices,
        default=FormOfAddress.FORMAL,
    )
    language = models.CharField(_("language"), max_length=8, default="de")
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    birthday = models.DateField(_("birthday"), null=True, blank=True)
    company = models.CharField(_("company"), max_length=200, blank=True)
    vat_id = models.CharField(_("VAT id"), max_length=32, blank=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="customers", verbose_name=_("tags"))
    preferences = models.JSONField(_("preferences"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=CustomerStatus.choices, default=CustomerStatus.ACTIVE
    )
    # False for a customer we know only from a message they sent (anyone can write any From):
    # staff confirm or merge them.
    verified = models.BooleanField(_("verified"), default=True, db_default=True)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged_from"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    # Restriction of processing (Art. 18 GDPR) on its own, while the data is kept: no
    # marketing, no scoring, segments or exports
    # (``customers.privacy.restriction.restrict_processing``).
    processing_restricted_at = models.DateTimeField(
        _("processing restricted since"), null=True, blank=True
    )
    # db_default: rows written by older code (historical models in migrations) stay valid.
    processing_restriction_reason = models.CharField(
        _("reason for the restriction"), max_length=300, blank=True, default="", db_default=""
    )

    last_name_key = models.CharField(max_length=100, blank=True, editable=False, db_index=True)
    first_name_key = models.CharField(max_length=100, blank=True, editable=False, db_index=True)
    phone_key = models.CharField(max_length=40, blank=True, editable=False, db_index=True)
    # The e-mail read backwards, kept by the database itself on every write path (bulk
    # inserts, the demo generator): the end of an address ("@gmx.de", "gmx.de") is a prefix of
    # it, one range scan of its index (customers.queries, search by e-mail domain).
    email_reversed = models.GeneratedField(
        expression=Reverse("email"),
        output_field=models.CharField(max_length=254, null=True),
        db_persist=True,
        db_index=True,
    )

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        # Search scans a name prefix in name order; the second column keeps that order in the
        # index, so a common first name ("anna") needs no sort of thousands of rows.
        indexes = [
            models.Index(fields=["last_name_key", "first_name_key"], name="customer_name"),
            models.Index(fields=["first_name_key", "last_name_key"], name="customer_first_name"),
            # Duplicate suggestions group by these keys; in index order the database streams
            # the groups and stops after one page instead of sorting every customer.
            models.Index(
                fields=["phone_key", "last_name_key", "first_name_key"], name="customer_phone_name"
            ),
        ]
        permissions = [
            ("add_contact_note", _("Can add notes and call logs to a customer")),
            ("view_audit_trail", _("Can see who read or changed a customer's data")),
        ]

    def __str__(self) -> str:
        return self.display_name

    def save(self, *args, **kwargs) -> None:
        self.refresh_keys()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = set(update_fields) | {
                "email",
                "last_name_key",
                "first_name_key",
                "phone_key",
            }
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("ui:customer-detail", args=[self.pk])

    def refresh_keys(self) -> None:
        """Recompute the normalized e-mail and the search keys from the visible fields."""
        self.email = normalize_email(self.email)
        self.last_name_key = name_key(self.last_name)[:100]
        self.first_name_key = name_key(self.first_name)[:100]
        self.phone_key = phone_key(self.phone)[:40]

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.title, self.first_name, self.last_name) if part)

    @property
    def display_name(self) -> str:
        """The best human-readable label: name, else company, else e-mail, else number."""
        return self.full_name or self.company or self.email or f"#{self.pk}"

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower, Replace, Reverse, Upper
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
    # marketing, no scoring, segments or exports (``customers.privacy.restrict_processing``).
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


# Street spellings that mean the same: "Hauptstraße", "Hauptstrasse", "Hauptstr." -> "hauptstr".
STREET_REPLACEMENTS = (("straße", "str"), ("strasse", "str"), (".", ""), ("-", ""), (" ", ""))


def street_key_expression() -> models.Func:
    """The street folded in SQL (lower case, common spellings unified, no spaces)."""
    expression: models.Func = Lower("street")
    for old, new in STREET_REPLACEMENTS:
        expression = Replace(expression, models.Value(old), models.Value(new))
    return expression


def postal_key_expression() -> models.Func:
    """The postal code without spaces, upper case ("80 331" and "80331" are one)."""
    return Upper(Replace(models.F("postal_code"), models.Value(" "), models.Value("")))


class AddressKind(models.TextChoices):
    BILLING = "billing", _("Billing")
    SHIPPING = "shipping", _("Shipping")


class Address(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="addresses")
    kind = models.CharField(_("kind"), max_length=10, choices=AddressKind.choices)
    company = models.CharField(_("company"), max_length=200, blank=True)
    name = models.CharField(_("name"), max_length=200, blank=True)
    street = models.CharField(_("street"), max_length=200, blank=True)
    street2 = models.CharField(_("address line 2"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=16, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    country = models.CharField(_("country"), max_length=2, default="DE")
    is_default = models.BooleanField(_("default"), default=True)

    class Meta:
        verbose_name = _("address")
        verbose_name_plural = _("addresses")
        ordering = ["-is_default", "kind", "id"]
        indexes = [
            # Duplicate suggestions group addresses by these folded keys (same expressions).
            models.Index(postal_key_expression(), street_key_expression(), name="address_match"),
            # Search by postal code, optionally narrowed by the city (customers.queries).
            models.Index(fields=["postal_code", "city"], name="address_postal_city"),
            # Search by the city alone ("München"): a prefix range scan of the city.
            models.Index(fields=["city"], name="address_city"),
        ]

    def __str__(self) -> str:
        return ", ".join(p for p in (self.street, f"{self.postal_code} {self.city}".strip()) if p)


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


class CustomerMerge(models.Model):
    """The record of one merge: which customer went into which, by whom, and what moved.

    The merged customer stays as a row (status merged, ``merged_into`` set) so its old id still
    resolves; its e-mail is freed for the unique constraint and kept here, so a later order with
    that address finds the survivor. ``merged_customer_id`` is a plain id, not a foreign key:
    a merge moves every foreign key that points at the merged customer, and this one must not move.
    """

    survivor = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="merges_received")
    merged_customer_id = models.BigIntegerField(_("merged customer"), db_index=True)
    merged_email = models.EmailField(_("e-mail of the merged customer"), null=True, blank=True)
    merged_name = models.CharField(_("name of the merged customer"), max_length=200, blank=True)
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    merged_by_label = models.CharField(max_length=150, blank=True)
    merged_at = models.DateTimeField(_("merged at"), auto_now_add=True)
    moved = models.JSONField(_("rows moved"), default=dict, blank=True)

    class Meta:
        verbose_name = _("customer merge")
        verbose_name_plural = _("customer merges")
        indexes = [models.Index(fields=["merged_email"], name="merge_merged_email")]
        permissions = [("merge_customers", _("Can merge duplicate customers"))]

    def __str__(self) -> str:
        return f"#{self.merged_customer_id} -> #{self.survivor_id}"


class DuplicateReason(models.TextChoices):
    PHONE_AND_NAME = "phone_name", _("Same phone number and name")
    ADDRESS_AND_NAME = "address_name", _("Same address and name")


class DismissedDuplicate(models.Model):
    """Staff decided that two customers are different people: never suggest the pair again.

    The pair is stored with the lower id first, so one row covers both orders.
    """

    first = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    second = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    dismissed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    dismissed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("dismissed duplicate suggestion")
        verbose_name_plural = _("dismissed duplicate suggestions")
        constraints = [
            models.UniqueConstraint(fields=["first", "second"], name="dismissed_duplicate_pair"),
            models.CheckConstraint(
                condition=models.Q(first__lt=models.F("second")), name="dismissed_pair_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.first_id} ≠ #{self.second_id}"


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


class PrivacyRequest(models.Model):
    """The record of one data protection request and its outcome: what was exported or erased,
    what is kept and until when (``duties``, ``restricted_until``), or why it waits (``obstacles``).

    ``customer_id`` is a plain id so the record stays readable whatever happens to the customer.
    A deferred erasure is tried again daily; a restricted one is finished (the kept records
    erased too) when its retention ends (``customers.privacy``).
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

"""Goodwill (Kulanz): the limits team leads set per role, kind and case type, and every grant."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

MONEY = {"max_digits": 14, "decimal_places": 2}


class GoodwillKind(models.TextChoices):
    # The values are the timeline's words (timeline.vocabulary.GOODWILL).
    VOUCHER = "voucher", _("Voucher")
    REFUND = "refund", _("Partial refund")
    FREE_SHIPPING = "free_shipping", _("Free shipping")
    REPLACEMENT = "replacement", _("Free replacement")
    GIFT = "gift", _("Gift")


class DeskRole(models.TextChoices):
    """The roles a goodwill limit is set for: the names of the role groups (ui.roles)."""

    AGENT = "Service agent", _("Service agent")
    MEDIATOR = "Mediator", _("Mediator")
    TEAM_LEAD = "Team lead", _("Team lead")


class GoodwillLimit(models.Model):
    """The most a role may grant at once of one kind ("" = every other kind) in a case of one
    type ("" = every other type), as a value in money (``service.goodwill_policy`` says which
    limit applies and why every kind is limited by its value)."""

    role = models.CharField(_("role"), max_length=32, choices=DeskRole.choices)
    case_type = models.CharField(_("case type"), max_length=32, blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=GoodwillKind.choices, blank=True)
    maximum = models.DecimalField(_("maximum"), **MONEY)
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["role", "kind", "case_type"]
        verbose_name = _("goodwill limit")
        verbose_name_plural = _("goodwill limits")
        constraints = [
            models.UniqueConstraint(
                fields=["role", "case_type", "kind"], name="goodwill_limit_role_type_kind"
            ),
            models.CheckConstraint(condition=Q(maximum__gte=0), name="goodwill_limit_not_negative"),
        ]
        permissions = [
            ("grant_goodwill", _("Can grant goodwill within the own limit")),
            ("approve_goodwill", _("Can approve or decline goodwill above an agent's limit")),
            ("manage_desk_policies", _("Can set goodwill limits, crisis plans and house rules")),
            ("view_goodwill_report", _("Can see the goodwill totals per month and agent")),
        ]

    def __str__(self) -> str:
        return f"{self.role} {self.kind or '*'} {self.case_type or '*'}: {self.maximum}"


class GoodwillStatus(models.TextChoices):
    GRANTED = "granted", _("Granted")
    PENDING = "pending", _("Waiting for approval")
    DECLINED = "declined", _("Declined")


class GoodwillGrant(models.Model):
    """One goodwill gesture: granted at once within the limit, or waiting for a team lead."""

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="goodwill_grants"
    )
    order = models.ForeignKey(
        "shop.Order", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    case = models.ForeignKey(
        "service.Case",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="goodwill_grants",
        verbose_name=_("case"),
    )
    case_type = models.CharField(_("case type"), max_length=32, blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=GoodwillKind.choices)
    amount = models.DecimalField(_("amount"), **MONEY)
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    reason = models.TextField(_("reason"))
    status = models.CharField(_("status"), max_length=10, choices=GoodwillStatus.choices)
    # The requester's limit when asked: the reason it waited, kept as it was then.
    limit_at_request = models.DecimalField(_("limit"), **MONEY, null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="goodwill_requested",
        verbose_name=_("requested by"),
    )
    requested_at = models.DateTimeField(_("requested"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="goodwill_decided",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_reason = models.TextField(_("reason for the decision"), blank=True)
    voucher = models.OneToOneField(
        "shop.Voucher", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-requested_at"]
        verbose_name = _("goodwill grant")
        verbose_name_plural = _("goodwill grants")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="goodwill_amount_not_negative")
        ]
        indexes = [
            models.Index(fields=["status", "requested_at"], name="goodwill_status_time"),
            models.Index(fields=["customer", "-requested_at"], name="goodwill_customer_time"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount} {self.currency}"

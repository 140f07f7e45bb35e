"""Merges of duplicate customers, and duplicate suggestions staff dismissed."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from stammkunde.customers.models.customers import Customer


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

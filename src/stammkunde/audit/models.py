from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    VIEW = "view", _("viewed")
    CREATE = "create", _("created")
    CHANGE = "change", _("changed")
    DELETE = "delete", _("deleted")
    EXPORT = "export", _("exported")
    ERASE = "erase", _("erased")
    MERGE = "merge", _("merged")
    IMPORT = "import", _("imported")
    # A request for data its sender may not see (a token bound to another shop, staff limited
    # to other shops), answered as if the data did not exist.
    REFUSE = "refuse", _("refused")


# Value -> label (lazy, translated when shown), for AuditEntry.get_action_display.
_ACTION_LABELS = dict(AuditAction.choices)


class AppendOnlyError(Exception):
    """An audit row was about to be changed or deleted: the log is append-only."""


class AppendOnlyQuerySet(models.QuerySet):
    """Audit rows are written once and never updated or deleted through the ORM."""

    def update(self, **kwargs):
        raise AppendOnlyError("audit rows are append-only")

    def delete(self):
        raise AppendOnlyError("audit rows are append-only")


class AuditEntry(models.Model):
    """One read or change of personal data.

    The customer is kept as a plain id, not a foreign key: the entry must outlive the customer's
    erasure, which is itself an audited act.
    """

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=16, choices=AuditAction.choices)
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64, blank=True)
    customer_id = models.BigIntegerField(null=True, blank=True)
    fields = models.JSONField(default=list, blank=True)
    detail = models.CharField(max_length=500, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        indexes = [
            models.Index(fields=["customer_id", "-at"], name="audit_customer_at"),
            models.Index(fields=["actor", "-at"], name="audit_actor_at"),
            # The audit trail search: newest first, optionally one action.
            models.Index(fields=["-at"], name="audit_at"),
            models.Index(fields=["action", "-at"], name="audit_action_at"),
        ]

    def __str__(self) -> str:
        return f"{self.actor_label} {self.action} {self.object_type} {self.object_id}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None and not kwargs.get("force_insert"):
            raise AppendOnlyError("audit rows are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("audit rows are append-only")

    def get_action_display(self) -> str:
        """As Django's: the action's label in the active language, the value itself if it is
        none of the choices. Django's rebuilds the choices and translates every label on each
        call (about 27 us; the customer page shows up to 50 rows), this translates one."""
        label = _ACTION_LABELS.get(self.action)
        return self.action if label is None else str(label)


class AuditedCustomer(models.Model):
    """One customer an audited page showed among others (a list, search results, an export).

    A list is one audit entry (once per page) with a row here per customer shown, so the audit
    trail of one customer finds the lists it appeared in by an index scan on both databases.
    Append-only, like the entry.
    """

    entry = models.ForeignKey(AuditEntry, on_delete=models.PROTECT, related_name="customers")
    customer_id = models.BigIntegerField()

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("customer in an audit entry")
        verbose_name_plural = _("customers in audit entries")
        indexes = [models.Index(fields=["customer_id", "entry"], name="audit_shown_customer")]

    def __str__(self) -> str:
        return f"#{self.customer_id} in {self.entry_id}"

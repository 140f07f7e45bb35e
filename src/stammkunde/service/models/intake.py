"""Inbound e-mail: each raw message as it arrived (stored before anything parses it), the
files found in it, and where each IMAP mailbox was read up to."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class InboundSource(models.TextChoices):
    IMAP = "imap", _("IMAP mailbox")
    WEBHOOK = "webhook", _("Mail provider webhook")
    RAW = "raw", _("Signed raw message")
    FORM = "form", _("Web form")


class InboundState(models.TextChoices):
    RECEIVED = "received", _("Waiting")
    FILED = "filed", _("Filed in a case")
    AUTOMATIC = "automatic", _("Automatic mail, not answered")
    BOUNCE = "bounce", _("Bounce")
    DUPLICATE = "duplicate", _("Duplicate")
    FAILED = "failed", _("Parked")


class InboundMail(models.Model):
    """One message as it came in (``raw``, byte for byte) and what became of it.

    Work item of ``core.retrying`` (state, attempts, next_attempt_at, error, processed_at): the
    worker parses and files it; a failure is retried, then parked with the reason, and staff
    re-process it after a fix. The raw message is never changed or dropped (GDPR erasure
    aside). ``source_ref`` identifies the message at its source (mailbox, UIDVALIDITY and UID;
    the provider's id) so a message fetched or posted twice is stored once.
    """

    source = models.CharField(_("source"), max_length=8, choices=InboundSource.choices)
    source_ref = models.CharField(_("source reference"), max_length=300, blank=True)
    raw = models.BinaryField(_("raw message"))
    size = models.PositiveBigIntegerField(_("size"), default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    received_at = models.DateTimeField(_("received"))
    state = models.CharField(
        _("state"), max_length=10, choices=InboundState.choices, default=InboundState.RECEIVED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    error = models.TextField(_("reason"), blank=True)
    # Why it failed as a code of core.error_reasons (empty: ``error`` is shown as stored).
    error_code = models.CharField(max_length=40, blank=True, default="", db_default="")
    processed_at = models.DateTimeField(_("processed"), null=True, blank=True)
    # What parsing found, for lists and threading (empty until processed).
    message_id = models.CharField(_("Message-ID"), max_length=998, blank=True)
    from_address = models.CharField(_("from"), max_length=320, blank=True)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    automatic = models.CharField(_("automatic"), max_length=12, blank=True)
    automatic_reason = models.CharField(_("why automatic"), max_length=200, blank=True)
    customer = models.ForeignKey(
        "customers.Customer",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="inbound_mails",
    )
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # What processing did: {"case": id, "reference": "VG-...", "opened": bool, "orders": [...],
    # "bounce": {...}, "defects": [...], "files": {"stored": n, "too_large": n, ...}}.
    outcome = models.JSONField(_("outcome"), default=dict, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("inbound e-mail")
        verbose_name_plural = _("inbound e-mails")
        constraints = [
            models.UniqueConstraint(
                fields=["source", "source_ref"],
                condition=~Q(source_ref=""),
                name="inbound_mail_source_once",
            )
        ]
        indexes = [
            # The worker's queue: waiting mails in arrival order.
            models.Index(fields=["id"], condition=Q(state="received"), name="inbound_mail_open"),
            models.Index(fields=["state", "-id"], name="inbound_mail_state"),
            models.Index(
                fields=["message_id"], condition=~Q(message_id=""), name="inbound_mail_msgid"
            ),
        ]
        permissions = [
            ("reprocess_inboundmail", _("Can re-process inbound e-mail")),
            ("download_raw_mail", _("Can download the original of an inbound e-mail")),
        ]

    def __str__(self) -> str:
        return f"{self.get_source_display()} #{self.pk} ({self.get_state_display()})"

    @property
    def error_message(self) -> str:
        """Why the mail failed, in the reader's language (the technical text for an unknown
        code)."""
        from stammkunde.core.error_reasons import reason_sentence

        return reason_sentence(self.error_code, self.error)


class AttachmentOutcome(models.TextChoices):
    STORED = "stored", _("Stored")
    TOO_LARGE = "too_large", _("Too large, kept in the original only")
    OVER_COUNT = "over_count", _("Over the number of files, kept in the original only")
    OVER_TOTAL = "over_total", _("Over the size of a message, kept in the original only")
    UNREADABLE = "unreadable", _("Unreadable container, kept as it came")


class Attachment(models.Model):
    """A file of an inbound mail: its declared and its real (sniffed) type, its bytes if within
    the limits. Files unpacked from a winmail.dat have ``from_tnef``."""

    inbound_mail = models.ForeignKey(
        InboundMail, on_delete=models.CASCADE, related_name="attachments"
    )
    filename = models.CharField(_("file name"), max_length=255)
    declared_type = models.CharField(_("declared type"), max_length=127)
    sniffed_type = models.CharField(_("real type"), max_length=127, blank=True)
    type_mismatch = models.BooleanField(_("type differs"), default=False)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(max_length=64)
    content = models.BinaryField(null=True, blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=12, choices=AttachmentOutcome.choices, default="stored"
    )
    content_id = models.CharField(max_length=300, blank=True)
    inline = models.BooleanField(default=False)
    from_tnef = models.BooleanField(default=False)

    class Meta:
        ordering = ["id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.filename


class MailboxCursor(models.Model):
    """How far an IMAP mailbox has been read: UIDs are only meaningful together with the
    mailbox's UIDVALIDITY; when the server changes it, every message is looked at again (the
    stored ``source_ref`` keeps them from being stored twice)."""

    mailbox = models.CharField(_("mailbox"), max_length=300, unique=True)
    uidvalidity = models.PositiveBigIntegerField(default=0)
    last_uid = models.PositiveBigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("mailbox cursor")

    def __str__(self) -> str:
        return f"{self.mailbox} {self.uidvalidity}:{self.last_uid}"


class SenderAcknowledgement(models.Model):
    """When a sender last got our automatic acknowledgement (at most one per N days)."""

    address = models.CharField(max_length=320, unique=True)
    acknowledged_at = models.DateTimeField()

    class Meta:
        verbose_name = _("acknowledgement sent")

    def __str__(self) -> str:
        return self.address

"""CSV imports started from the web UI: the uploaded file, its mapping and the run's progress."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class UploadState(models.TextChoices):
    UPLOADED = "uploaded", _("Uploaded, waiting for the mapping")
    QUEUED = "queued", _("Waiting for the worker")
    RUNNING = "running", _("Importing")
    FINISHED = "finished", _("Finished")
    FAILED = "failed", _("Failed")


class CsvUpload(models.Model):
    """One uploaded CSV file and its import.

    The file is kept in the data directory (``stored_name`` under ``imports/``) until the import
    ran; ``columns`` is the mapping header -> field ("" = ignored) as confirmed on the page,
    ``header`` the file's header as read when it was uploaded. ``bytes_done`` of ``size`` is
    the progress the worker reports while importing.
    """

    shop = models.ForeignKey(
        "shop.Shop", on_delete=models.CASCADE, related_name="csv_uploads", verbose_name=_("shop")
    )
    kind = models.CharField(_("kind"), max_length=10)
    file_name = models.CharField(_("file name"), max_length=255)
    stored_name = models.CharField(max_length=64, unique=True)
    size = models.PositiveBigIntegerField(_("size"), default=0)
    encoding = models.CharField(_("encoding"), max_length=20)
    delimiter = models.CharField(_("separator"), max_length=2)
    header = models.JSONField(_("header"), default=list)
    columns = models.JSONField(_("mapping"), default=dict)
    decimal_separator = models.CharField(_("decimal separator"), max_length=1, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=UploadState.choices, default=UploadState.UPLOADED
    )
    bytes_done = models.PositiveBigIntegerField(_("bytes read"), default=0)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    accepted = models.PositiveIntegerField(_("imported"), default=0)
    rejected = models.PositiveIntegerField(_("rejected"), default=0)
    summary = models.TextField(_("summary"), blank=True)
    error = models.TextField(_("error"), blank=True)
    language = models.CharField(max_length=8, default="de")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("CSV upload")
        verbose_name_plural = _("CSV uploads")

    def __str__(self) -> str:
        return self.file_name

    @property
    def percent(self) -> int:
        """How far the import got, 0 to 100."""
        if self.state == UploadState.FINISHED:
            return 100
        if not self.size:
            return 0
        return min(99, self.bytes_done * 100 // self.size)

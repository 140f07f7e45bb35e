"""Message templates: subject, text and HTML parts in one language, with their history."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from stammkunde.messaging.governor_terms import Purpose


class TemplateLanguage(models.TextChoices):
    GERMAN = "de", _("German")
    ENGLISH = "en", _("English")


class MessageTemplate(models.Model):
    """One mail in one language. Changed only through ``messaging.services.templates``, which
    validates the parts (sandbox, documented variables) and keeps every version."""

    name = models.CharField(_("name"), max_length=200)
    language = models.CharField(
        _("language"), max_length=2, choices=TemplateLanguage.choices, default="de"
    )
    purpose = models.CharField(
        _("purpose"), max_length=16, choices=Purpose.choices, default=Purpose.TRANSACTIONAL
    )
    subject = models.CharField(_("subject"), max_length=300)
    text_body = models.TextField(_("text part"))
    html_body = models.TextField(_("HTML part"), blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")
        ordering = ["name", "language"]
        permissions = [
            ("edit_marketing_templates", _("Can edit marketing mails")),
            ("edit_all_templates", _("Can edit every mail and trigger")),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.language})"


class TemplateVersion(models.Model):
    """A saved state of a template: what it said, from when, on whose word."""

    template = models.ForeignKey(MessageTemplate, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    subject = models.CharField(max_length=300)
    text_body = models.TextField()
    html_body = models.TextField(blank=True)
    saved_at = models.DateTimeField(auto_now_add=True)
    saved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["template", "version"], name="template_version_once")
        ]
        ordering = ["-version"]

    def __str__(self) -> str:
        return f"{self.template_id} v{self.version}"

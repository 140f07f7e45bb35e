"""Macros (canned replies) and the knowledge base with the public help page's settings."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Language(models.TextChoices):
    GERMAN = "de", _("German")
    ENGLISH = "en", _("English")


class Macro(models.Model):
    """A canned reply, rendered in messaging's sandbox with the case's data (validated on save).

    A macro that belongs to a crisis plan is one of the plan's reply templates.
    """

    name = models.CharField(_("name"), max_length=120)
    language = models.CharField(
        _("language"), max_length=2, choices=Language.choices, default=Language.GERMAN
    )
    body = models.TextField(_("text"))
    case_types = models.JSONField(_("case types"), default=list, blank=True)
    crisis_plan = models.ForeignKey(
        "service.CrisisPlan",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reply_templates",
        verbose_name=_("crisis plan"),
    )
    is_active = models.BooleanField(_("active"), default=True)
    use_count = models.PositiveIntegerField(_("used"), default=0)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("macro")
        verbose_name_plural = _("macros")
        permissions = [("manage_macros", _("Can write and change macros"))]

    def __str__(self) -> str:
        return self.name


class KnowledgeCategory(models.Model):
    slug = models.SlugField(_("short name"), max_length=50, unique=True)
    name_de = models.CharField(_("name (German)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "slug"]
        verbose_name = _("knowledge category")
        verbose_name_plural = _("knowledge categories")
        permissions = [("manage_knowledge", _("Can write the knowledge base and help page"))]

    def __str__(self) -> str:
        return self.name_de

    def name_in(self, language: str) -> str:
        return self.name_en if language == Language.ENGLISH else self.name_de


class KnowledgeArticle(models.Model):
    """An answer: shown to agents while they write, and on the public help page if public."""

    category = models.ForeignKey(
        KnowledgeCategory, on_delete=models.PROTECT, related_name="articles"
    )
    language = models.CharField(
        _("language"), max_length=2, choices=Language.choices, default=Language.GERMAN
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    keywords = models.CharField(_("keywords"), max_length=300, blank=True)
    is_public = models.BooleanField(_("on the public help page"), default=True)
    use_count = models.PositiveIntegerField(_("used in replies"), default=0)
    view_count = models.PositiveIntegerField(_("read on the help page"), default=0)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["category__position", "title"]
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        indexes = [models.Index(fields=["language", "is_public"], name="article_language_public")]

    def __str__(self) -> str:
        return self.title


class HelpCenterSettings(models.Model):
    """The contact options on the public help page (one row)."""

    phone = models.CharField(_("phone"), max_length=40, blank=True)
    phone_hours = models.CharField(_("phone hours"), max_length=200, blank=True)
    # The hours are words ("Mo bis Fr 9 bis 17 Uhr"): the English page needs its own.
    phone_hours_en = models.CharField(_("phone hours (English)"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    postal_address = models.TextField(_("postal address"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("help page settings")
        verbose_name_plural = _("help page settings")

    def __str__(self) -> str:
        return self.email or self.phone

    def phone_hours_in(self, language: str) -> str:
        """The phone hours for a visitor reading ``language``; the German words when no
        English ones were written (better than none)."""
        if language == Language.ENGLISH and self.phone_hours_en:
            return self.phone_hours_en
        return self.phone_hours

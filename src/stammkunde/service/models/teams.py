"""Teams of the service desk: who works in them, when they are open, who is away, and how fast
they promise to answer (response-time standards) and which cases they get (routing rules)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from stammkunde.service.models.terms import (
    Assignment,
    CaseChannel,
    CasePriority,
    CaseType,
    FederalState,
)

# Monday to Friday 09:00-17:00, stored as the JSON the settings page edits.
DEFAULT_OPENING_HOURS = {str(day): [["09:00", "17:00"]] for day in range(5)}


def default_opening_hours() -> dict:
    return {day: [list(pair) for pair in pairs] for day, pairs in DEFAULT_OPENING_HOURS.items()}


class Team(models.Model):
    """A group of agents with its own opening hours, holidays and standards.

    ``opening_hours`` maps a weekday ("0" = Monday) to a list of ["HH:MM", "HH:MM"] pairs
    (closing "00:00" means midnight); ``company_holidays`` is a list of ["YYYY-MM-DD",
    "YYYY-MM-DD"] inclusive ranges. ``first_response_minutes`` None means the default standard:
    answered the same business day; ``resolution_minutes`` None: solved within the desk's
    default resolution target (``DeskSettings``). ``is_default`` marks the team that gets
    whatever no routing rule claims (the central complaints desk).
    """

    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(_("short name"), max_length=50, unique=True)
    opening_hours = models.JSONField(_("opening hours"), default=default_opening_hours)
    subdivision = models.CharField(
        _("federal state"), max_length=2, choices=FederalState.choices, blank=True
    )
    company_holidays = models.JSONField(_("company holidays"), default=list, blank=True)
    time_zone = models.CharField(_("time zone"), max_length=64, default="Europe/Berlin")
    first_response_minutes = models.PositiveIntegerField(
        _("first response within (business minutes)"), null=True, blank=True
    )
    resolution_minutes = models.PositiveIntegerField(
        _("resolution within (business minutes)"), null=True, blank=True
    )
    warn_before_minutes = models.PositiveIntegerField(
        _("warn before a breach (minutes)"), default=60
    )
    escalate_on_breach = models.BooleanField(_("escalate on breach"), default=True)
    assignment = models.CharField(
        _("assignment"), max_length=16, choices=Assignment.choices, default=Assignment.ROUND_ROBIN
    )
    is_default = models.BooleanField(_("default team"), default=False)
    # The shop a team serves (a desk of several shops): the cases in its queue are that shop's
    # matters, hidden from staff limited to other shops (``service/staff_scope.py``).
    shop = models.ForeignKey(
        "shop.Shop",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("shop"),
        help_text=_(
            "The shop whose customers this team serves: its cases are that shop's, and staff "
            "limited to other shops do not see them. Empty: all shops."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="team_one_default"
            )
        ]
        permissions = [("manage_teams", _("Can manage teams, routing rules and standards"))]

    def __str__(self) -> str:
        return self.name

    def calendar(self):  # -> BusinessCalendar; imported late, the models stay light
        """The team's :class:`~stammkunde.service.business_hours.BusinessCalendar`."""
        from stammkunde.service.business_hours import calendar_from_stored

        return calendar_from_stored(
            self.opening_hours, self.subdivision, self.company_holidays, self.time_zone
        )


class TeamMember(models.Model):
    """A user working in a team. ``last_assigned_at`` drives round-robin assignment."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="service_memberships"
    )
    is_lead = models.BooleanField(_("team lead"), default=False)
    is_active = models.BooleanField(_("takes cases"), default=True)
    last_assigned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("team member")
        verbose_name_plural = _("team members")
        constraints = [models.UniqueConstraint(fields=["team", "user"], name="team_member_unique")]

    def __str__(self) -> str:
        return f"{self.team}: {self.user}"


class Absence(models.Model):
    """A user away from ``starts`` to ``ends``; their cases go to ``substitute`` or a colleague."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="service_absences"
    )
    starts = models.DateTimeField(_("from"))
    ends = models.DateTimeField(_("until"))
    substitute = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("substitute"),
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("absence")
        verbose_name_plural = _("absences")
        constraints = [
            models.CheckConstraint(condition=Q(ends__gt=models.F("starts")), name="absence_order")
        ]
        indexes = [models.Index(fields=["user", "ends"], name="absence_user_ends")]

    def __str__(self) -> str:
        return f"{self.user} {self.starts:%Y-%m-%d}-{self.ends:%Y-%m-%d}"


class ResponseStandard(models.Model):
    """A team's promise for one case type, in business minutes (overrides the team's own).

    A target left None is the team's general one (``desk_settings.standard_for``).
    """

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="standards")
    case_type = models.CharField(_("case type"), max_length=20, choices=CaseType.choices)
    first_response_minutes = models.PositiveIntegerField(
        _("first response within (business minutes)"), null=True, blank=True
    )
    resolution_minutes = models.PositiveIntegerField(
        _("resolution within (business minutes)"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("response-time standard")
        verbose_name_plural = _("response-time standards")
        constraints = [
            models.UniqueConstraint(fields=["team", "case_type"], name="standard_team_type")
        ]

    def __str__(self) -> str:
        return f"{self.team} / {self.case_type}"


class RoutingRule(models.Model):
    """Sends matching new cases to a team. Rules are tried by ``position``; the first whose
    every set condition holds wins. Empty conditions match anything. ``keywords``: comma
    separated words or phrases (German and English), any of which in subject or text matches."""

    name = models.CharField(_("name"), max_length=100)
    position = models.PositiveIntegerField(_("order"), default=100)
    is_active = models.BooleanField(_("active"), default=True)
    case_type = models.CharField(
        _("case type"), max_length=20, choices=CaseType.choices, blank=True
    )
    keywords = models.TextField(_("keywords"), blank=True)
    channel = models.CharField(_("channel"), max_length=12, choices=CaseChannel.choices, blank=True)
    order_status = models.CharField(_("order status"), max_length=12, blank=True)
    customer_segment = models.CharField(_("customer segment"), max_length=32, blank=True)
    min_customer_value = models.DecimalField(
        _("customer value at least"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="routing_rules")
    set_priority = models.CharField(
        _("set priority"), max_length=8, choices=CasePriority.choices, blank=True
    )

    class Meta:
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name

    def keyword_list(self) -> list[str]:
        return [word.strip().lower() for word in self.keywords.split(",") if word.strip()]

"""The desk's settings (one row) with the default resolution target, and the resolution due
times of the open cases that had none.

The default target (24 business hours) came after cases were opened; a case got its resolution
due time only when something recomputed its clock (a pause, a new team or type). Here every
open case with a team and without one gets it from its history, as the clock would have set it:
opened at, the pauses while it waited for the customer, the team's calendar and the target in
force (the type's own, else the team's, else the default). A case waiting for the customer right
now (a running pause) stays without: its clock is stopped and starts again when the customer
answers. The arithmetic is the plain modules' (``service.clock``, ``service.business_hours``),
the targets are read from the historical models.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


DEFAULT_RESOLUTION_MINUTES = 24 * 60
OPEN_STATUSES = ("new", "open", "waiting_customer", "waiting_us")


def fill_resolution_due_times(apps, schema_editor):
    from stammkunde.service.business_hours import CalendarError, calendar_from_stored
    from stammkunde.service.clock import Standard, due_times, pauses_from_json

    DeskSettings = apps.get_model("service", "DeskSettings")
    Case = apps.get_model("service", "Case")
    ResponseStandard = apps.get_model("service", "ResponseStandard")
    Team = apps.get_model("service", "Team")
    DeskSettings.objects.get_or_create(
        pk=1, defaults={"default_resolution_minutes": DEFAULT_RESOLUTION_MINUTES}
    )
    own = {
        (row.team_id, row.case_type): row.resolution_minutes
        for row in ResponseStandard.objects.filter(resolution_minutes__isnull=False)
    }
    teams = {}
    for team in Team.objects.all():
        try:
            calendar = calendar_from_stored(
                team.opening_hours, team.subdivision, team.company_holidays, team.time_zone
            )
        except (CalendarError, ValueError, TypeError):
            calendar = None  # the clock cannot run on it; the case keeps no due time
        teams[team.pk] = (calendar, team.resolution_minutes)
    cases = Case.objects.filter(
        status__in=OPEN_STATUSES, team__isnull=False, resolution_due_at__isnull=True
    ).only("id", "team_id", "case_type", "opened_at", "pauses")
    changed = []
    for case in cases.iterator(chunk_size=500):
        calendar, team_minutes = teams[case.team_id]
        if calendar is None:
            continue
        minutes = (
            own.get((case.team_id, case.case_type)) or team_minutes or DEFAULT_RESOLUTION_MINUTES
        )
        try:
            due = due_times(
                calendar,
                case.opened_at,
                Standard(None, minutes),
                pauses=pauses_from_json(case.pauses or []),
            ).resolution
        except (CalendarError, ValueError, TypeError):
            continue
        if due is not None:
            case.resolution_due_at = due
            changed.append(case)
    Case.objects.bulk_update(changed, ["resolution_due_at"], batch_size=500)


class Migration(migrations.Migration):

    dependencies = [
        ('service', '0008_inbound_mail_error_code'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='DeskSettings',
            fields=[
                ('id', models.PositiveSmallIntegerField(default=1, editable=False, primary_key=True, serialize=False)),
                ('default_resolution_minutes', models.PositiveIntegerField(default=1440, verbose_name='default resolution target (business minutes)')),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('updated_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'desk settings',
                'verbose_name_plural': 'desk settings',
                'constraints': [models.CheckConstraint(condition=models.Q(('id', 1)), name='desk_settings_one_row'), models.CheckConstraint(condition=models.Q(('default_resolution_minutes__gte', 60), ('default_resolution_minutes__lte', 129600)), name='desk_settings_resolution_bounds')],
            },
        ),
        migrations.RunPython(fill_resolution_due_times, migrations.RunPython.noop),
    ]

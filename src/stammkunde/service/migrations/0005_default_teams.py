"""The default teams and routing rules (service/default_teams.py); a second run changes
nothing. Later migrations and test flushes are covered by the post_migrate seeding
(service/services/defaults.py)."""

from django.db import migrations


def create_defaults(apps, schema_editor):
    from stammkunde.service.default_teams import install_default_teams

    install_default_teams(apps.get_model("service", "Team"), apps.get_model("service", "RoutingRule"))


class Migration(migrations.Migration):
    dependencies = [("service", "0004_cases")]

    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]

"""The default crisis plans in German and English (service/default_plans.py), each with its
reply template; a plan that exists already is left as it is."""

from django.db import migrations


def install(apps, schema_editor):
    from stammkunde.service.default_plans import install_default_plans

    install_default_plans(
        apps.get_model("service", "CrisisPlan"),
        apps.get_model("service", "CrisisStep"),
        apps.get_model("service", "Macro"),
    )


class Migration(migrations.Migration):
    dependencies = [("service", "0002_initial")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]

"""Name the CSV customer import of existing entries by token ("csv_import:<file name>"), as
the import now stores it, so that "CSV-Import kunden.csv" written by a German run reads
"CSV import kunden.csv" in the English UI (``timeline.formatting.format_actor``).
Backward: the label in the default language."""

from django.conf import settings
from django.db import migrations
from django.db.models import Value
from django.db.models.functions import Concat, Substr
from django.utils import translation

TOKEN = "csv_import:"
# The import's label as it was written: "CSV import %(file)s" in English and German.
WRITTEN_PREFIXES = ("CSV import ", "CSV-Import ")


def forward(apps, schema_editor):
    Activity = apps.get_model("timeline", "Activity")
    for prefix in WRITTEN_PREFIXES:
        Activity.objects.filter(actor_label__startswith=prefix).update(
            actor_label=Concat(Value(TOKEN), Substr("actor_label", len(prefix) + 1))
        )


def backward(apps, schema_editor):
    with translation.override(settings.LANGUAGE_CODE):
        prefix = translation.gettext("CSV import %(file)s") % {"file": ""}
    Activity = apps.get_model("timeline", "Activity")
    Activity.objects.filter(actor_label__startswith=TOKEN).update(
        actor_label=Concat(Value(prefix), Substr("actor_label", len(TOKEN) + 1))
    )


class Migration(migrations.Migration):
    dependencies = [
        ("timeline", "0008_actor_label_tokens"),
    ]

    operations = [migrations.RunPython(forward, backward)]

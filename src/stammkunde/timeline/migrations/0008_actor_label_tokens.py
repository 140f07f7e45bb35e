"""Name the system's own sources of existing entries by token ("csv_import",
"consent_source:shop"), as writers now store them, so that they are shown in the reader's
language (``timeline.formatting.format_actor``). Backward: the label in the default language."""

from django.conf import settings
from django.db import migrations
from django.utils import translation

from stammkunde.timeline.legacy import ACTOR_LABELS


def forward(apps, schema_editor):
    Activity = apps.get_model("timeline", "Activity")
    for label, token in ACTOR_LABELS.items():
        Activity.objects.filter(actor_label=label).update(actor_label=token)


def backward(apps, schema_editor):
    from stammkunde.timeline.formatting import format_actor

    Activity = apps.get_model("timeline", "Activity")
    with translation.override(settings.LANGUAGE_CODE):
        for token in set(ACTOR_LABELS.values()):
            Activity.objects.filter(actor_label=token).update(actor_label=format_actor(token))


class Migration(migrations.Migration):
    dependencies = [
        ("timeline", "0007_remove_activity_summary"),
    ]

    operations = [migrations.RunPython(forward, backward)]

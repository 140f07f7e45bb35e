"""Turn the sentences frozen in ``summary`` into kind + params (``timeline.legacy``).

Forward, every wording the writers of that time used becomes params; a line in no known
wording, a note and a call keep their text as ``{"text": ...}``. Backward, the summary is the
kept text, or the sentence rendered in the installation's default language (the wording may
differ from the original one; the facts are the same).
"""

import json

from django.conf import settings
from django.db import migrations
from django.utils import translation

from stammkunde.timeline.legacy import parse_summary

CHUNK = 5000
# Kinds this migration introduced for entries that had another kind before.
FORMER_KINDS = {"shop_account_deleted": "customer_updated"}


def _chunks(Activity, fields):
    last = 0
    while True:
        rows = list(
            Activity.objects.filter(pk__gt=last).order_by("pk").only("pk", *fields)[:CHUNK]
        )
        if not rows:
            return
        yield rows
        last = rows[-1].pk


def forward(apps, schema_editor):
    Activity = apps.get_model("timeline", "Activity")
    table = schema_editor.connection.ops.quote_name(Activity._meta.db_table)
    # One plain UPDATE per row by primary key: bulk_update's CASE per column costs ~1 ms a
    # row on SQLite, which for a demo's millions of entries would be hours.
    sql = f"UPDATE {table} SET kind = %s, params = %s, body = %s WHERE id = %s"
    encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    for rows in _chunks(Activity, ("kind", "summary", "body")):
        values = []
        for row in rows:
            kind, params, body = parse_summary(row.kind, row.summary, row.body)
            values.append((kind, encode(params), body, row.pk))
        with schema_editor.connection.cursor() as cursor:
            cursor.executemany(sql, values)


def backward(apps, schema_editor):
    from stammkunde.timeline.rendering import render_summary

    Activity = apps.get_model("timeline", "Activity")
    max_length = Activity._meta.get_field("summary").max_length
    with translation.override(settings.LANGUAGE_CODE):
        for rows in _chunks(Activity, ("kind", "params", "body")):
            for row in rows:
                params = dict(row.params or {})
                # A privacy request's orders were its body before.
                orders = params.pop("orders", None) if row.kind == "privacy_request" else None
                if orders and not row.body:
                    row.body = translation.gettext("Orders named: %(orders)s") % {
                        "orders": ", ".join(orders)
                    }
                row.summary = render_summary(row.kind, params)[:max_length]
                row.kind = FORMER_KINDS.get(row.kind, row.kind)
            Activity.objects.bulk_update(rows, ["kind", "summary", "body"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("timeline", "0005_activity_params"),
    ]

    operations = [migrations.RunPython(forward, backward)]

"""Search by a partial e-mail and by the city alone (issue 15).

``Customer.email_reversed`` is a stored generated column (filled by the database for existing
rows too, nothing is lost): the domain of an address is a prefix of it. On PostgreSQL a trigram
index on ``email`` serves a part from the middle ("muster" in "erika.muster@web.de") when the
pg_trgm extension can be had; without it (or on SQLite) search falls back to a bounded scan
(customers.queries). ``address_city`` serves the search by the city alone.
"""

import django.db.models.functions.text
from django.db import migrations, models, transaction

TRIGRAM_INDEX = "customer_email_trgm"


def add_trigram_index(apps, schema_editor):
    """On PostgreSQL: the trigram index on the e-mail, if the pg_trgm extension is available
    (creating it may need rights the installation lacks; search then scans bounded)."""
    if schema_editor.connection.vendor != "postgresql":
        return
    table = apps.get_model("customers", "Customer")._meta.db_table
    try:
        with transaction.atomic(using=schema_editor.connection.alias):
            schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            schema_editor.execute(
                f"CREATE INDEX IF NOT EXISTS {TRIGRAM_INDEX} ON {table} "
                "USING gin (email gin_trgm_ops)"
            )
    except Exception:  # noqa: BLE001 (no extension or no right to create it: search scans bounded)
        return


def drop_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {TRIGRAM_INDEX}")


class Migration(migrations.Migration):

    dependencies = [
        ('customers', '0010_processing_restriction'),
    ]

    operations = [
        migrations.AddField(
            model_name='customer',
            name='email_reversed',
            field=models.GeneratedField(db_index=True, db_persist=True, expression=django.db.models.functions.text.Reverse('email'), output_field=models.CharField(max_length=254, null=True)),
        ),
        migrations.AddIndex(
            model_name='address',
            index=models.Index(fields=['city'], name='address_city'),
        ),
        migrations.RunPython(add_trigram_index, drop_trigram_index),
    ]

"""Drop the index of Activity.customer: activity_customer_time starts with the same column.

The field state changes to ``db_index=False``; the database drops the index by name, because
altering the field would make SQLite copy the whole timeline.
"""

import django.db.models.deletion
from django.db import migrations, models

# Django's name for the index it created for the foreign key (the same on every backend).
INDEX = "timeline_activity_customer_id_15b5af21"


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0003_merges_and_duplicates"),
        ("timeline", "0002_privacy_request"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="activity",
                    name="customer",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="activities",
                        to="customers.customer",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{INDEX}"',
                    reverse_sql=f'CREATE INDEX "{INDEX}" ON "timeline_activity" ("customer_id")',
                ),
            ],
        ),
    ]

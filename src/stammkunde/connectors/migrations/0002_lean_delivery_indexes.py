"""Fewer indexes on the inbox, which is written twice per delivery (accepted, then its outcome).

WebhookDelivery.shop loses its own index (webhook_delivery_resource starts with it), and
duplicate_of's index keeps only the deliveries that are duplicates. The field state changes to
``db_index=False``; the database drops the old indexes by name, because altering the fields
would make SQLite copy the whole table.
"""

import django.db.models.deletion
from django.db import migrations, models

# Django's names for the indexes it created for these foreign keys (the same on every backend).
INDEXES = {
    "connectors_webhookdelivery_shop_id_9621556f": "shop_id",
    "connectors_webhookdelivery_duplicate_of_id_0492be67": "duplicate_of_id",
}


class Migration(migrations.Migration):
    dependencies = [
        ("connectors", "0001_initial"),
        ("shop", "0003_covered_foreign_key_indexes"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="webhookdelivery",
                    name="duplicate_of",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="duplicates",
                        to="connectors.webhookdelivery",
                    ),
                ),
                migrations.AlterField(
                    model_name="webhookdelivery",
                    name="shop",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="webhook_deliveries",
                        to="shop.shop",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{name}"',
                    reverse_sql=(
                        f'CREATE INDEX "{name}" ON "connectors_webhookdelivery" ("{column}")'
                    ),
                )
                for name, column in INDEXES.items()
            ],
        ),
        migrations.AddIndex(
            model_name="webhookdelivery",
            index=models.Index(
                condition=models.Q(("duplicate_of__isnull", False)),
                fields=["duplicate_of"],
                name="webhook_delivery_duplicates",
            ),
        ),
    ]
